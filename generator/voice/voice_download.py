"""`meditate voices --get NAME`: a Piper voice from the Piper voice repository, checked and installed.

The repository (or a mirror given with `--from`) has the layout Piper's own downloader
reads: `voices.json` at its root, a mapping from each voice's name to its `language`,
`quality`, `num_speakers`, `speaker_id_map` and `files`, each file listed by its path
(`{family}/{lang_code}/{dataset}/{quality}/{lang_code}-{dataset}-{quality}.onnx`) with its
`size_bytes` and `md5_digest`. We fetch the voice's `.onnx`, its `.onnx.json` and its
`MODEL_CARD` (the licence), check each against those figures while it streams, and only
then move the finished folder into place with one rename: an interrupted or corrupted
download leaves nothing behind, and never half a voice under a usable name.

The standard library's urllib is enough for three GET requests; it honours the usual
`https_proxy` variables.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from generator.core.errors import InputError, MeditateError
from generator.core.languages import base_language
from generator.voice.voice_store import VOICE_NAME, VoiceInfo, describe, installed_dir, voices_dir
from generator.core.suggest import did_you_mean

DEFAULT_BASE_URL = "https://huggingface.co/rhasspy/piper-voices/resolve/main"
TIMEOUT_SECONDS = 30
MAX_INDEX_BYTES = 64_000_000
"""voices.json is about 1 MB today; anything far larger is not a voice index."""

MAX_VOICE_BYTES = 2_000_000_000
"""The largest Piper voices are about 120 MB; a listing claiming more is refused."""

_WANTED = (".onnx", ".onnx.json", "MODEL_CARD")

Progress = Callable[[int, int], None]
"""Called with (bytes so far, bytes in all) while a voice downloads."""


class DownloadError(MeditateError):
    """The repository cannot be reached, or sent something other than what it lists (exit 1)."""


@dataclass(frozen=True)
class RepoFile:
    path: str  # relative to the repository's base URL
    size: int
    md5: str


@dataclass(frozen=True)
class RepoVoice:
    """One entry of the repository's voices.json."""

    name: str
    language: str  # e.g. de_DE
    language_english: str
    quality: str
    num_speakers: int
    files: tuple[RepoFile, ...]
    aliases: tuple[str, ...] = ()

    @property
    def size(self) -> int:
        return sum(f.size for f in self.files if f.path.endswith(_WANTED))


@dataclass(frozen=True)
class Installed:
    info: VoiceInfo
    downloaded: int  # bytes fetched; 0 when the installed copy already matched


def _fetch(url: str, what: str):
    """An open response for `url`; every network failure becomes one DownloadError line."""
    import urllib.error
    import urllib.request

    request = urllib.request.Request(url, headers={"User-Agent": "meditate (voice download)"})
    try:
        return urllib.request.urlopen(request, timeout=TIMEOUT_SECONDS)
    except urllib.error.HTTPError as exc:
        raise DownloadError(f"the voice repository answered HTTP {exc.code} for {what} ({url})") from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        raise DownloadError(
            f"cannot reach the voice repository at {url} ({reason}); check the network connection, "
            "or give a reachable mirror with --from URL"
        ) from None


def fetch_index(base_url: str = DEFAULT_BASE_URL) -> dict[str, RepoVoice]:
    """The repository's voices.json, read into RepoVoice entries by name."""
    url = f"{base_url.rstrip('/')}/voices.json"
    with _fetch(url, "voices.json") as response:
        try:
            data = response.read(MAX_INDEX_BYTES + 1)
        except OSError as exc:
            raise DownloadError(f"the download of {url} broke off ({exc})") from None
    if len(data) > MAX_INDEX_BYTES:
        raise DownloadError(f"{url} is larger than {MAX_INDEX_BYTES // 1_000_000} MB; it is not a voice list")
    try:
        raw = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise DownloadError(f"{url} is not a JSON voice list ({exc})") from None
    if not isinstance(raw, dict):
        raise DownloadError(f"{url} is not a voice list (expected a JSON object of voices)")
    return {name: voice for name, entry in raw.items() if (voice := _entry(str(name), entry)) is not None}


def _entry(name: str, entry: object) -> RepoVoice | None:
    """A voices.json entry, or None when it is not one we can use (skipped, not fatal)."""
    if not isinstance(entry, dict) or not isinstance(entry.get("files"), dict):
        return None
    files = []
    for path, meta in entry["files"].items():
        if not isinstance(meta, dict):
            continue
        size, md5 = meta.get("size_bytes"), meta.get("md5_digest")
        if isinstance(size, int) and isinstance(md5, str):
            files.append(RepoFile(str(path), size, md5.lower()))
    language = entry.get("language") if isinstance(entry.get("language"), dict) else {}
    code = str(language.get("code") or name.split("-")[0])
    count = entry.get("num_speakers")
    aliases = entry.get("aliases") if isinstance(entry.get("aliases"), list) else []
    return RepoVoice(
        name=name,
        language=code,
        language_english=str(language.get("name_english") or ""),
        quality=str(entry.get("quality") or ""),
        num_speakers=count if isinstance(count, int) and count > 0 else 1,
        files=tuple(files),
        aliases=tuple(str(a) for a in aliases),
    )


def available(base_url: str = DEFAULT_BASE_URL, language: str | None = None) -> list[RepoVoice]:
    """The repository's voices, sorted by name; `language` keeps one language (`de`) or one
    regional variant (`de_DE`, `pt-BR`)."""
    voices = sorted(fetch_index(base_url).values(), key=lambda v: v.name)
    if not language:
        return voices
    if any(sep in language for sep in "-_"):
        want = language.replace("-", "_").lower()
        return [v for v in voices if v.language.replace("-", "_").lower() == want]
    return [v for v in voices if base_language(v.language) == base_language(language)]


def get_voice(name: str, base_url: str = DEFAULT_BASE_URL, progress: Progress | None = None) -> Installed:
    """Download, check and install one voice (a no-op when the installed copy matches)."""
    index = fetch_index(base_url)
    voice = _lookup(name, index, base_url)
    files = _files_to_fetch(voice)
    folder = voices_dir() / voice.name
    if installed_dir(voice.name) is not None and all(_matches(folder / local, f) for f, local in files):
        return Installed(describe(folder / f"{voice.name}.onnx", voice.name, "installed"), 0)
    total = sum(f.size for f, _ in files)
    folder.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{voice.name}.", suffix=".partial", dir=folder.parent))
    try:
        done = 0
        for repo_file, local in files:
            done = _download(base_url, repo_file, staging / local, done, total, progress)
        _swap_in(staging, folder)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Installed(describe(folder / f"{voice.name}.onnx", voice.name, "installed"), total)


def _lookup(name: str, index: dict[str, RepoVoice], base_url: str) -> RepoVoice:

    voice = index.get(name) or next((v for v in index.values() if name in v.aliases), None)
    if voice is None:
        raise InputError(
            f"no voice '{name}' in the voice repository at {base_url}{did_you_mean(name, index)}; "
            "'meditate voices --available' lists them"
        )
    if not VOICE_NAME.fullmatch(voice.name):
        raise DownloadError(f"the repository lists '{voice.name}', which is not a Piper voice name (language_REGION-name-quality)")
    return voice


def _files_to_fetch(voice: RepoVoice) -> list[tuple[RepoFile, str]]:
    """(file in the repository, name in the voice's folder): the model, its config, its card."""
    chosen: dict[str, RepoFile] = {}
    for repo_file in voice.files:
        parts = repo_file.path.split("/")
        if repo_file.path.startswith("/") or ".." in parts or "\\" in repo_file.path:
            continue  # never fetch outside the repository
        for ending in _WANTED:
            if parts[-1] == (f"{voice.name}{ending}" if ending.startswith(".") else ending):
                chosen[ending] = repo_file
    for ending in (".onnx", ".onnx.json"):
        if ending not in chosen:
            raise DownloadError(f"the repository's voices.json lists no {voice.name}{ending}; the voice cannot be installed")
    if sum(f.size for f in chosen.values()) > MAX_VOICE_BYTES:
        raise DownloadError(f"the repository lists {voice.name} as larger than {MAX_VOICE_BYTES // 1_000_000_000} GB; refused")
    return [(chosen[e], f"{voice.name}{e}" if e.startswith(".") else e) for e in _WANTED if e in chosen]


def _download(base_url: str, repo_file: RepoFile, target: Path, done: int, total: int, progress: Progress | None) -> int:
    """Stream one file to `target`, checking its size and MD5; returns the bytes done so far."""
    url = f"{base_url.rstrip('/')}/{quote(repo_file.path)}"
    digest = hashlib.md5(usedforsecurity=False)
    size = 0
    with _fetch(url, repo_file.path) as response, open(target, "wb") as out:
        while True:
            try:
                chunk = response.read(1 << 20)
            except OSError as exc:
                raise DownloadError(f"the download of {repo_file.path} broke off ({exc}); nothing was installed") from None
            if not chunk:
                break
            size += len(chunk)
            if size > repo_file.size:
                break  # more than listed: stop reading, the size check below says so
            digest.update(chunk)
            out.write(chunk)
            if progress:
                progress(done + size, total)
    if size != repo_file.size:
        raise DownloadError(
            f"{repo_file.path}: received {size} bytes, but voices.json lists {repo_file.size}; nothing was installed"
        )
    if digest.hexdigest() != repo_file.md5:
        raise DownloadError(
            f"{repo_file.path}: MD5 {digest.hexdigest()} does not match voices.json ({repo_file.md5}); nothing was installed"
        )
    return done + size


def _matches(path: Path, repo_file: RepoFile) -> bool:
    try:
        if path.stat().st_size != repo_file.size:
            return False
        digest = hashlib.md5(usedforsecurity=False)
        with open(path, "rb") as handle:
            for chunk in iter(lambda: handle.read(1 << 20), b""):
                digest.update(chunk)
    except OSError:
        return False
    return digest.hexdigest() == repo_file.md5


def _swap_in(staging: Path, folder: Path) -> None:
    """Put the checked folder in place with renames; an older copy is removed only afterwards."""
    old = None
    if folder.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".old", dir=folder.parent))
        os.replace(folder, old / folder.name)
    try:
        os.replace(staging, folder)
    except BaseException:
        if old is not None:
            os.replace(old / folder.name, folder)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
