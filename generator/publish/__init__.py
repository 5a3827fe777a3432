"""`meditate publish`: a static player page and a private podcast feed for rendered tracks.

The site is built only from what rendering leaves behind (tags, `NAME.json`, `NAME.vtt`),
so tracks made by older versions or by hand publish too. Layout of the site:

    SITE_DIR/[TOKEN/]index.html          the player page
                     feed.xml            the podcast feed (RSS 2.0 + iTunes + Podcasting 2.0)
                     plan.ics            the practice plan's calendar, with `--plan`
                     cover.jpg           the channel image: the folder's cover.jpg, or one made for the show
                     cover-80.jpg, cover-160.jpg   the same, as the page header shows it
                     manifest.webmanifest, sw.js, icon-192.png, icon-512.png   the installable web app
                     media/NAME.mp3      the track (hard-linked when possible, else copied;
                                         FLAC, WAV and OGG are transcoded to MP3)
                     media/NAME.softer.mp3, NAME.voice.mp3   its other backgrounds, when
                                         `render --variants` made them (page only, not the feed)
                     media/NAME.vtt      captions cut to readable length, also the page's transcript
                     media/NAME.chapters.json
                     media/NAME.cover.png, NAME.cover-96.jpg, NAME.cover-192.jpg
                     .meditate-publish.json   guids, first publication dates, file fingerprints
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, replace
from pathlib import Path

from generator.core.errors import InputError, MeditateError, display_path
from generator.publish import identity
from generator.publish.captions import readable_cues, write_vtt
from generator.core.audiotypes import AUDIO_TYPES
from generator.publish.catalog import Catalog, Track, read_catalog
from generator.publish.feed import build_feed, chapters_json
from generator.publish.layout import FEED, MANIFEST, PAGE, WORKER, Channel, Entry, media_path, slugify
from generator.publish.calendar import build_calendar
from generator.publish.page import build_page
from generator.publish.plan import Plan, read_plan
from generator.publish.planpage import CALENDAR, plan_section
from generator.publish.show import build_channel, manifest, place_thumbnails
from generator.publish.site import SiteWriter, State, existing_tokens, guard_folder, resolve_token
from generator.publish.transcode import RECIPE, needs_mp3, to_mp3
from generator.publish.webapp import service_worker

__all__ = ["PublishResult", "publish"]

TRACK_THUMB = 96  # CSS pixels of a track's cover on the page
# Apple Podcasts' name for AAC in MP4; "audio/mp4" is not on its list.
_FEED_TYPES = {"audio/mp4": "audio/x-m4a"}


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
    plan: Path | None = None,
) -> PublishResult:
    """Build or update the site for every track in `tracks_dir`.

    `token=True` reuses the site's token or makes a new one; a string is used as given.
    `link=False` always copies instead of hard-linking the audio. `plan` is a practice
    plan file (generator.publish.plan): the page shows today's part, and `plan.ics` holds it.
    Raises InputError for a missing folder, no tracks, a bad URL or a bad token, and
    MeditateError (exit code 1) when the site cannot be written, e.g. a full disk.
    """
    try:
        return _publish(Path(tracks_dir), Path(site_dir), base_url, title, author, description, token, link, plan)
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
    plan_path: Path | None = None,
) -> PublishResult:
    base = identity.encode_base_url(base_url)
    if site_dir.exists() and not site_dir.is_dir():
        raise InputError(f"{display_path(site_dir)}: is a file, not a folder")
    if site_dir.resolve() == tracks_dir.resolve():
        raise InputError(f"{display_path(site_dir)}: the site folder must not be the tracks folder")
    catalog, plan = _read_inputs(tracks_dir, plan_path)
    segment = resolve_token(site_dir, token)
    root = site_dir / segment if segment else site_dir
    if root.resolve() == tracks_dir.resolve():
        raise InputError(f"{display_path(root)}: the site folder must not be the tracks folder")
    state = State.load_or_inherit(site_dir, root)  # before the open copy's state is removed
    root.mkdir(parents=True, exist_ok=True)
    notes = list(catalog.notes) + (_token_notes(site_dir, segment) if segment else [])
    site_url = f"{base}/{segment}" if base and segment else base

    state.seed = state.seed or identity.feed_seed(base)
    if not state.channel_guid and site_url:
        state.channel_guid = identity.channel_guid(f"{site_url}/{FEED}")
    writer = SiteWriter(root, state.files, link=link, inputs=_folder_files(tracks_dir))
    words = {"title": title, "author": author, "description": description}
    channel, entries = _write_site(catalog, writer, state, site_url, words, notes, plan)
    removed = writer.prune()
    state.files = writer.files
    state.save(root)

    notes += _mixes_note(catalog.tracks)
    placeholder = identity.placeholder_note(channel.author, catalog.tracks)
    if placeholder:
        notes.append(placeholder)
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


def _write_site(
    catalog: Catalog,
    writer: SiteWriter,
    state: State,
    site_url: str | None,
    words: dict[str, str | None],
    notes: list[str],
    plan: Plan | None = None,
) -> tuple[Channel, list[Entry]]:
    """Every file of the site: the tracks' own, the show's pictures, the page, the web
    app's manifest and worker, and the feed."""
    state.published.update(identity.publication_dates(catalog.tracks, state.published))
    taken: set[str] = set()
    entries = [_place_track(track, writer, state, taken, notes) for track in catalog.tracks]
    channel = build_channel(catalog, writer, site_url, state.channel_guid or None, **words)
    writer.write(MANIFEST, manifest(channel))
    writer.write(PAGE, build_page(channel, entries, plan_section(plan, entries) if plan else ""))
    shell = [PAGE, MANIFEST, *(rel for rel, _ in channel.icons), *channel.thumbs, *(t for e in entries for t in e.thumbs)]
    if plan:
        writer.write(CALENDAR, build_calendar(plan, entries, channel.url(PAGE) if site_url else None))
        shell.append(CALENDAR)
    writer.write(WORKER, service_worker(writer.root, shell))
    writer.write(FEED, build_feed(channel, entries))
    return channel, entries


def _mixes_note(tracks: list[Track]) -> list[str]:
    """When some tracks offer the background choice and others do not, how to offer it for all."""
    without = [t for t in tracks if not t.mixes]
    if not without or len(without) == len(tracks):
        return []
    names = ", ".join(display_path(t.audio) for t in without[:5]) + (", …" if len(without) > 5 else "")
    return [f"{names}: no softer or voice-only mix beside it, so its listeners cannot lower the background; "
            "render it again with --variants"]


def _read_inputs(tracks_dir: Path, plan_path: Path | None) -> tuple[Catalog, Plan | None]:
    """The tracks and the practice plan, both checked before anything is written."""
    catalog = read_catalog(tracks_dir)
    if not catalog.tracks:
        kinds = ", ".join(AUDIO_TYPES)
        raise InputError(f"{display_path(tracks_dir)}: no tracks to publish (looked for {kinds})")
    return catalog, read_plan(Path(plan_path), catalog.tracks) if plan_path is not None else None


def _folder_files(folder: Path) -> list[Path]:
    """The files publish may read in the tracks folder: none of them is ever written."""
    return [p for p in folder.iterdir() if p.is_file()]


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


def _place_track(track: Track, writer: SiteWriter, state: State, taken: set[str], notes: list[str]) -> Entry:
    """Put one track's files in the site and give it its lasting guid and date."""
    name = track.name
    audio, mime, in_feed = _place_audio(track, writer, notes)
    captions = None
    if track.cues:
        captions = media_path(name, ".vtt")
        track = replace(track, cues=tuple(readable_cues(list(track.cues))))
        writer.write(captions, write_vtt(list(track.cues)).encode("utf-8"))
    chapters = None
    if track.chapters:
        chapters = media_path(name, ".chapters.json")
        writer.write(chapters, chapters_json(track))
    cover, thumbs = None, ()
    if track.cover is not None:
        cover = media_path(name, ".cover" + track.cover.suffix)
        writer.write(cover, track.cover.data)
        thumbs = place_thumbnails(writer, media_path(name, ".cover"), track.cover, TRACK_THUMB)
    mixes = _place_mixes(track, audio, writer, notes)
    guid = state.guids.setdefault(name, identity.episode_guid(state.seed, name))
    return Entry(
        track,
        slugify(name, taken),
        audio,
        guid,
        identity.remembered_date(state.published[name]),
        chapters,
        captions,
        cover,
        thumbs=thumbs,
        mime=mime,
        size=(writer.root / audio).stat().st_size,
        in_feed=in_feed,
        mixes=mixes,
    )


def _place_mixes(track: Track, audio: str, writer: SiteWriter, notes: list[str]) -> tuple[tuple[str, str], ...]:
    """The track's other backgrounds, for the page only (the feed carries the mix as made).
    Placed as they are when the track itself is; a track made into an MP3 gets none."""
    if not track.mixes:
        return ()
    if not audio.endswith(track.audio.suffix.lower()) or needs_mp3(track.audio.suffix.lower()):
        notes.append(
            f"{display_path(track.audio)}: its other mixes are left out ({track.audio.suffix[1:].upper()} "
            "is made into an MP3 here); render it as MP3 with --variants to offer them"
        )
        return ()
    placed = []
    for mix, path in track.mixes:
        rel = media_path(track.name, f".{mix}{path.suffix.lower()}")
        writer.place(rel, path)
        placed.append((mix, rel))
    return tuple(placed)


def _place_audio(track: Track, writer: SiteWriter, notes: list[str]) -> tuple[str, str, bool]:
    """The track's audio in the site: MP3 and M4A as they are, other formats as an MP3
    (podcast apps such as Apple Podcasts play no other). Returns path, type, in the feed."""
    suffix = track.audio.suffix.lower()
    if needs_mp3(suffix):
        audio = media_path(track.name, ".mp3")
        try:
            writer.derive(audio, track.audio, lambda tmp: to_mp3(track, tmp), _recipe(track))
            return audio, "audio/mpeg", True
        except Exception as exc:  # soundfile and LAME raise many types for unreadable audio
            writer.files.pop(audio, None)
            notes.append(
                f"{display_path(track.audio)}: left out of the feed, could not be made into an MP3 ({exc}); "
                f"podcast apps do not all play {suffix[1:].upper()}, so it is only on the page"
            )
            audio = media_path(track.name, suffix)
            writer.place(audio, track.audio)
            return audio, track.mime, False
    audio = media_path(track.name, suffix)
    writer.place(audio, track.audio)
    return audio, _FEED_TYPES.get(track.mime, track.mime), True


def _recipe(track: Track) -> str:
    """What the transcoded file depends on besides the audio: its tags."""
    described = repr((track.title, track.artist, track.album, track.description, track.chapters))
    digest = hashlib.sha256(described.encode() + (track.cover.data if track.cover else b"")).hexdigest()[:16]
    return f"{RECIPE}-{digest}"
