"""The site folder: its private token, its state file, and files placed only when changed.

Re-publishing must be cheap (tracks are large) and must never show a podcast app a new
identity for an old episode, so the site remembers, in a small JSON file, each track's guid
and first publication date and where each placed file came from. Every file lands by an
atomic rename, so a web server never serves a half-written track.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from generator.core.atomic import temporary_beside, write_atomic
from generator.core.errors import InputError
from generator.output.targets import InputFiles
from generator.output.targets import refuse_unsafe

STATE_NAME = ".meditate-publish.json"
TOKEN_PATTERN = re.compile(r"^[A-Za-z0-9_-]{16,128}$")
_PLACEHOLDER = (
    "<!doctype html><meta charset=utf-8><meta name=robots content=noindex>"
    "<title>Nothing here</title><p>Nothing here.</p>\n"
)


def resolve_token(site_dir: Path, token: str | bool | None) -> str | None:
    """The path segment the site lives under, or None for the folder itself.

    `True` reuses the token this site folder already has, so re-publishing keeps every
    link working; with no earlier token it makes a new one from `secrets` (144 bits).
    A given string must be URL-safe and at least 16 characters, to stay unguessable.
    """
    if token is None or token is False:
        return None
    if token is True:
        existing = existing_tokens(site_dir)
        if len(existing) > 1:
            names = ", ".join(sorted(existing))
            raise InputError(
                f"{site_dir}: holds several token folders ({names}); pass the one to update as --token=VALUE"
            )
        if existing:
            return existing[0]
        while True:
            fresh = secrets.token_urlsafe(18)
            if not fresh.startswith("-"):
                return fresh
    if not TOKEN_PATTERN.match(str(token)):
        raise InputError(
            "--token must be 16 to 128 letters, digits, '-' or '_' (or give --token alone to generate one)"
        )
    return str(token)


def existing_tokens(site_dir: Path) -> list[str]:
    if not site_dir.is_dir():
        return []
    return [
        d.name
        for d in site_dir.iterdir()
        if d.is_dir() and TOKEN_PATTERN.match(d.name) and (d / STATE_NAME).is_file()
    ]


def guard_folder(site_dir: Path) -> list[str]:
    """Keep the top of a tokened site empty: a blank index, so a server's folder listing
    cannot show the token, and no open copy of the site beside the private one.

    An earlier publish without a token left its files (named in its state file) at the
    top; they are removed, since the token's purpose is that only the link opens them.
    Returns the removed files.
    """
    removed: list[str] = []
    if (site_dir / STATE_NAME).is_file():
        removed = SiteWriter(site_dir, State.load(site_dir).files).prune()
        (site_dir / STATE_NAME).unlink()
    index = site_dir / "index.html"
    if removed or not index.exists():
        write_atomic(index, _PLACEHOLDER.encode())
    return removed


@dataclass
class State:
    """What the site remembers between publishes (see the module docstring)."""

    guids: dict[str, str] = field(default_factory=dict)
    published: dict[str, str] = field(default_factory=dict)
    files: dict[str, dict[str, Any]] = field(default_factory=dict)
    seed: str = ""  # what makes this client's episode guids differ from another's
    channel_guid: str = ""  # podcast:guid, made once and kept for life

    @classmethod
    def load_or_inherit(cls, site_dir: Path, root: Path) -> State:
        """The state of `root`; for a new token folder, the identity of the site's other
        token folder (or of the open copy a token now replaces), so rotating the token
        keeps the feed's guid, the episodes' guids and their dates."""
        if (root / STATE_NAME).is_file():
            return cls.load(root)
        for folder in [site_dir / name for name in sorted(existing_tokens(site_dir))] + [site_dir]:
            if folder != root and (folder / STATE_NAME).is_file():
                old = cls.load(folder)
                return cls(guids=old.guids, published=old.published, seed=old.seed, channel_guid=old.channel_guid)
        return cls()

    @classmethod
    def load(cls, root: Path) -> State:
        path = root / STATE_NAME
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return cls()
        if not isinstance(data, dict):
            return cls()
        return cls(
            guids=dict(data.get("guids") or {}),
            published=dict(data.get("published") or {}),
            files=dict(data.get("files") or {}),
            seed=str(data.get("seed") or ""),
            channel_guid=str(data.get("channel_guid") or ""),
        )

    def save(self, root: Path) -> None:
        data = {
            "version": 1,
            "guids": self.guids,
            "published": self.published,
            "files": self.files,
            "seed": self.seed,
            "channel_guid": self.channel_guid,
        }
        text = json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False) + "\n"
        write_atomic(root / STATE_NAME, text.encode("utf-8"), only_if_changed=True)


class SiteWriter:
    """Places files under the site root, touching only what changed, and prunes the rest."""

    def __init__(self, root: Path, previous: dict[str, dict[str, Any]], *, link: bool = True, inputs: Any = ()):

        self.root = root
        self.previous = previous
        self.link = link
        self.inputs = inputs if isinstance(inputs, InputFiles) else InputFiles(inputs, identity=False)
        self.files: dict[str, dict[str, Any]] = {}
        self.written: list[str] = []
        self.unchanged: list[str] = []

    def place(self, rel: str, source: Path) -> None:
        """Hard-link (or copy) `source` to `rel` unless the same file is already there."""
        dest = self.root / rel
        stat = source.stat()
        # Size and time only: the state file is served with the site, so it must not
        # reveal where the practitioner keeps their files.
        fingerprint = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns}
        self.files[rel] = fingerprint
        if dest.is_file() and (
            _same_inode(dest, source)
            or (self.previous.get(rel) == fingerprint and dest.stat().st_size == stat.st_size)
        ):
            self.unchanged.append(rel)
            return
        self._refuse_unsafe(dest)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(f".{dest.name}.{secrets.token_hex(4)}.tmp")
        try:
            if self.link:
                try:
                    os.link(source, tmp)
                except OSError:
                    shutil.copy2(source, tmp)
            else:
                shutil.copy2(source, tmp)
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        self.written.append(rel)

    def derive(self, rel: str, source: Path, make: Callable[[Path], None], recipe: str) -> None:
        """Make `rel` from `source` with `make(temporary_path)` unless `source` and the
        recipe are what they were last time (a transcode is slow; re-publishing is not)."""
        dest = self.root / rel
        stat = source.stat()
        fingerprint = {"size": stat.st_size, "mtime_ns": stat.st_mtime_ns, "recipe": recipe}
        if dest.is_file() and self.previous.get(rel) == fingerprint:
            self.files[rel] = fingerprint
            self.unchanged.append(rel)
            return
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = temporary_beside(dest)
        try:
            make(tmp)
            os.chmod(tmp, 0o644)
            os.replace(tmp, dest)
        finally:
            tmp.unlink(missing_ok=True)
        self.files[rel] = fingerprint
        self.written.append(rel)

    def generate(self, rel: str, key: str, make: Callable[[], bytes | None]) -> bool:
        """Write `make()` to `rel` unless the last publish made it from the same `key`
        (drawing a cover or scaling a picture takes a while). False when `make` gives None."""
        fingerprint = {"generated": key}
        if self.previous.get(rel) == fingerprint and (self.root / rel).is_file():
            self.files[rel] = fingerprint
            self.unchanged.append(rel)
            return True
        data = make()
        if data is None:
            return False
        self.files[rel] = fingerprint
        self._refuse_unsafe(self.root / rel)
        if write_atomic(self.root / rel, data, only_if_changed=True):
            self.written.append(rel)
        else:
            self.unchanged.append(rel)
        return True

    def write(self, rel: str, data: bytes) -> None:
        """Write generated bytes to `rel` unless the file already holds exactly them."""
        self.files[rel] = {"generated": True}
        self._refuse_unsafe(self.root / rel)
        if write_atomic(self.root / rel, data, only_if_changed=True):
            self.written.append(rel)
        else:
            self.unchanged.append(rel)

    def _refuse_unsafe(self, dest: Path) -> None:
        """Never rename onto a file the tracks folder holds, nor onto a FIFO, device or folder."""

        refuse_unsafe([dest], self.inputs, what="publish")

    def prune(self) -> list[str]:
        """Remove files an earlier publish placed that this one did not (a track taken away)."""
        removed = []
        for rel in sorted(set(self.previous) - set(self.files)):
            path = self.root / rel
            if ".." in Path(rel).parts or Path(rel).is_absolute():
                continue  # never trust a hand-edited state file to point outside the site
            if path.is_file():
                path.unlink()
                removed.append(rel)
                if path.parent != self.root and not any(path.parent.iterdir()):
                    path.parent.rmdir()
        return removed


def _same_inode(a: Path, b: Path) -> bool:
    try:
        return os.path.samefile(a, b)
    except OSError:
        return False
