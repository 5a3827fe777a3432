"""`meditate publish`: a static player page and a private podcast feed for rendered tracks.

The site is built only from what rendering leaves behind (tags, `NAME.json`, `NAME.vtt`),
so tracks made by older versions or by hand publish too. Layout of the site:

    SITE_DIR/[TOKEN/]index.html          the player page
                     feed.xml            the podcast feed (RSS 2.0 + iTunes + Podcasting 2.0)
                     cover.jpg           the channel image, when any track or the folder has one
                     media/NAME.mp3      the track (hard-linked when possible, else copied)
                     media/NAME.vtt      captions, also the page's transcript
                     media/NAME.chapters.json
                     media/NAME.cover.jpg
                     .meditate-publish.json   guids, first publication dates, file fingerprints
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from pathlib import Path

from generator.errors import InputError, MeditateError, display_path
from generator.publish.captions import write_vtt
from generator.publish.catalog import AUDIO_TYPES, Catalog, Cover, Track, read_catalog
from generator.publish.feed import build_feed, chapters_json
from generator.publish.layout import FEED, PAGE, Channel, Entry, media_path, slugify
from generator.publish.page import build_page
from generator.publish.site import SiteWriter, State, existing_tokens, guard_folder, resolve_token

__all__ = ["PublishResult", "publish"]

_GUID_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "meditate:publish")


@dataclass(frozen=True)
class PublishResult:
    """What a publish did, for the command line to report."""

    root: Path  # the folder holding index.html and feed.xml (SITE_DIR, or SITE_DIR/TOKEN)
    page: Path
    feed: Path
    page_url: str | None  # absolute addresses, only when a base URL was given
    feed_url: str | None
    token: str | None
    tracks: int
    written: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    notes: tuple[str, ...]


def publish(
    tracks_dir: Path,
    site_dir: Path,
    *,
    base_url: str | None = None,
    title: str | None = None,
    author: str | None = None,
    description: str | None = None,
    token: str | bool | None = None,
    link: bool = True,
) -> PublishResult:
    """Build or update the site for every track in `tracks_dir`.

    `token=True` reuses the site's token or makes a new one; a string is used as given.
    `link=False` always copies instead of hard-linking the audio.
    Raises InputError for a missing folder, no tracks, a bad URL or a bad token, and
    MeditateError (exit code 1) when the site cannot be written, e.g. a full disk.
    """
    try:
        return _publish(Path(tracks_dir), Path(site_dir), base_url, title, author, description, token, link)
    except OSError as exc:
        where = display_path(exc.filename) if exc.filename else "site"
        raise MeditateError(f"{where}: {exc.strerror or exc}") from exc


def _publish(
    tracks_dir: Path,
    site_dir: Path,
    base_url: str | None,
    title: str | None,
    author: str | None,
    description: str | None,
    token: str | bool | None,
    link: bool,
) -> PublishResult:
    base = _check_base_url(base_url)
    if site_dir.exists() and not site_dir.is_dir():
        raise InputError(f"{display_path(site_dir)}: is a file, not a folder")
    if site_dir.resolve() == tracks_dir.resolve():
        raise InputError(f"{display_path(site_dir)}: the site folder must not be the tracks folder")
    catalog = read_catalog(tracks_dir)
    if not catalog.tracks:
        kinds = ", ".join(AUDIO_TYPES)
        raise InputError(f"{display_path(tracks_dir)}: no tracks to publish (looked for {kinds})")
    segment = resolve_token(site_dir, token)
    root = site_dir / segment if segment else site_dir
    root.mkdir(parents=True, exist_ok=True)
    notes = list(catalog.notes) + (_token_notes(site_dir, segment) if segment else [])
    site_url = f"{base}/{segment}" if base and segment else base

    state = State.load(root)
    writer = SiteWriter(root, state.files, link=link)
    _date_new_tracks(catalog.tracks, state)
    taken: set[str] = set()
    entries = [_place_track(track, writer, state, taken) for track in catalog.tracks]
    channel = _channel(catalog, writer, site_url, title=title, author=author, description=description)
    writer.write(PAGE, build_page(channel, entries))
    writer.write(FEED, build_feed(channel, entries))
    removed = writer.prune()
    state.files = writer.files
    state.save(root)

    if not base:
        notes.append(
            "no --base-url: the page works anywhere, but the feed has relative links; podcast apps "
            "need absolute URLs, so publish again with --base-url https://... (the address the site "
            "will be served from) before sharing the feed"
        )
    return PublishResult(
        root=root,
        page=root / PAGE,
        feed=root / FEED,
        page_url=channel.url(PAGE) if site_url else None,
        feed_url=channel.url(FEED) if site_url else None,
        token=segment,
        tracks=len(entries),
        written=tuple(writer.written),
        unchanged=tuple(writer.unchanged),
        removed=tuple(removed),
        notes=tuple(notes),
    )


def _token_notes(site_dir: Path, segment: str) -> list[str]:
    """What a listener's links become when the site moves under a token."""
    notes = []
    if guard_folder(site_dir):
        notes.append(
            f"removed the open copy of the site at the top of {display_path(site_dir)}: "
            "it now lives only under the token"
        )
    others = sorted(set(existing_tokens(site_dir)) - {segment})
    if others:
        notes.append(
            f"older token folders still open their links: {', '.join(others)} "
            "(delete them to revoke those links)"
        )
    return notes


def _place_track(track: Track, writer: SiteWriter, state: State, taken: set[str]) -> Entry:
    """Put one track's files in the site and give it its lasting guid and date."""
    name = track.name
    audio = media_path(name, track.audio.suffix.lower())
    writer.place(audio, track.audio)
    captions = None
    if track.captions is not None:
        captions = media_path(name, ".vtt")
        writer.place(captions, track.captions)
    elif track.cues:
        captions = media_path(name, ".vtt")
        writer.write(captions, write_vtt(list(track.cues)).encode("utf-8"))
    chapters = None
    if track.chapters:
        chapters = media_path(name, ".chapters.json")
        writer.write(chapters, chapters_json(track))
    cover = None
    if track.cover is not None:
        cover = media_path(name, ".cover" + track.cover.suffix)
        writer.write(cover, track.cover.data)
    guid = state.guids.setdefault(name, str(uuid.uuid5(_GUID_NAMESPACE, name)))
    published = datetime.fromisoformat(state.published[name])
    if published.tzinfo is None:
        published = published.replace(tzinfo=timezone.utc)
    return Entry(track, slugify(name, taken), audio, guid, published, chapters, captions, cover)


def _date_new_tracks(tracks: list[Track], state: State) -> None:
    """Give each track seen for the first time its publication date, kept from then on.

    The date is the file's modification time, but tracks first published together are
    spaced a second apart in file-name order, so podcast apps list a course in order.
    """
    previous: datetime | None = None
    for track in tracks:
        if track.name in state.published:
            continue
        mtime = datetime.fromtimestamp(track.audio.stat().st_mtime, timezone.utc).replace(microsecond=0)
        if previous is not None and mtime <= previous:
            mtime = previous + timedelta(seconds=1)
        state.published[track.name] = mtime.isoformat()
        previous = mtime


def _channel(
    catalog: Catalog,
    writer: SiteWriter,
    site_url: str | None,
    *,
    title: str | None,
    author: str | None,
    description: str | None,
) -> Channel:
    """The channel's words: options first, then what the tracks agree on."""
    tracks = catalog.tracks
    author = author or _common(t.artist for t in tracks)
    title = title or _common(t.album for t in tracks) or (f"Meditations by {author}" if author else "Meditations")
    if not description:
        count = f"{len(tracks)} guided meditation{'s' if len(tracks) != 1 else ''}"
        description = f"{count} by {author}." if author else f"{count}."
    cover: Cover | None = catalog.folder_cover or next((t.cover for t in tracks if t.cover), None)
    cover_path = None
    if cover is not None:
        cover_path = "cover" + cover.suffix
        writer.write(cover_path, cover.data)
    language = _common(t.language for t in tracks) or "en"
    return Channel(title, author, description, language, site_url, cover_path)


def _common(values: Iterable[str]) -> str:
    """The most frequent non-empty value (the first seen on a tie), or ''."""
    counts = Counter(v for v in values if v)
    return counts.most_common(1)[0][0] if counts else ""


def _check_base_url(base_url: str | None) -> str | None:
    if not base_url:
        return None
    url = base_url.strip().rstrip("/")
    if not url.startswith(("https://", "http://")) or len(url.split("://", 1)[1]) == 0:
        raise InputError(f"--base-url must be an http:// or https:// address, got '{base_url}'")
    return url
