"""The player page (`index.html`): one self-contained file, CSS and script inline.

Everything the page needs is in the page or beside it, so it works from `file://`, from
any static host, and offline. A Content-Security-Policy with hashes of the inline style
and script lets the browser itself enforce that nothing is fetched from another host.
The transcript is written into the HTML (not fetched from the `.vtt`), because browsers
refuse to read caption files from `file://` pages.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
from dataclasses import replace
from importlib import resources
from string import Template
from urllib.parse import quote

from generator.core.cleantext import clean_out
from generator.publish.layout import FEED, MANIFEST, Channel, Entry, clock, iso_duration, length_words

SKIP = 15  # seconds of the skip buttons and keys (page.js has the same)
TRACK_PIXELS = 96  # CSS pixels of a track's cover on the page; its thumbnails are 1x and 2x of it
MIX_NAMES = {"made": "As made", "softer": "Softer", "voice": "Voice only"}


def escape(text: str) -> str:
    """HTML-escaped text without control characters (tags written by other programs may hold them)."""
    return html.escape(clean_out(text))


def build_page(channel: Channel, entries: list[Entry], plan_html: str = "") -> bytes:
    """The whole `index.html`, tracks in the given order.

    Its own links are always relative, even with a base URL, so the page never reaches
    out of its folder (and works from a copy on disk); only the feed address it shows
    for podcast apps is absolute.
    """
    feed_address = channel.url(FEED) if channel.base_url else None
    channel = replace(channel, base_url=None)
    css = _asset("page.css")
    js = _asset("page.js")
    csp = "; ".join(
        [
            "default-src 'none'",
            "img-src 'self'",
            "media-src 'self'",
            "manifest-src 'self'",
            "worker-src 'self'",
            "connect-src 'self'",
            f"style-src {_hash(css)}",
            f"script-src {_hash(js)}",
            "base-uri 'none'",
            "form-action 'none'",
        ]
    )
    header_cover = _image(channel, channel.thumbs, 80, lazy=False)
    header_cover = header_cover + "\n" if header_cover else ""
    icons = "".join(  # the smallest icon for the tab and the home screen; the manifest lists all
        f'<link rel="icon" href="{escape(channel.url(rel))}" sizes="{pixels}x{pixels}">\n'
        f'<link rel="apple-touch-icon" href="{escape(channel.url(rel))}">\n'
        for rel, pixels in channel.icons[:1]
    )
    html = Template(_asset("page.html")).substitute(
        lang=escape(channel.language or "en"),
        csp=escape(csp),
        title=escape(channel.title),
        feed_url=escape(channel.url(FEED)),
        manifest=escape(channel.url(MANIFEST)),
        icons=icons,
        css=css,
        js=js,
        header_cover=header_cover,
        byline=f'<p class="byline">{escape(channel.author)}</p>\n' if channel.author else "",
        description=_paragraphs(channel.description),
        plan=plan_html,
        tracks="\n".join(_track(channel, entry) for entry in entries),
        subscribe=_subscribe(feed_address),
    )
    return html.encode("utf-8")


def _track(channel: Channel, entry: Entry) -> str:
    track = entry.track
    sid = entry.slug
    title = escape(track.title)
    cover = _image(channel, entry.thumbs, 96, lazy=True)
    meta = [f'<time datetime="{iso_duration(track.duration)}">{length_words(track.duration)}</time>']
    if track.artist and track.artist != channel.author:
        meta.append(escape(track.artist))
    if track.album and track.album != channel.title:
        meta.append(escape(track.album))
    audio_url = escape(channel.url(entry.audio))
    captions = f' data-captions="{escape(channel.url(entry.captions))}"' if entry.captions else ""
    lock_screen = _lock_screen(channel, entry)
    parts = [
        f'<article class="track" id="{sid}" aria-labelledby="{sid}-title"{captions}{lock_screen}>',
        f'<div class="track-head">{cover}<div>',
        f'<h2 id="{sid}-title">{title}</h2>',
        f'<p class="meta">{" · ".join(meta)}</p>',
        "</div></div>",
    ]
    if track.description:
        parts.append(f'<div class="description">{_paragraphs(track.description)}</div>')
    parts.append(
        f'<audio controls preload="none" src="{audio_url}" aria-label="Player: {title}" data-duration="{track.duration:.3f}">'
        f'Your browser cannot play this here: <a href="{audio_url}">open the audio file</a>.</audio>'
    )
    parts.append(_controls(entry, title))
    if track.chapters:
        parts.append(f'<nav class="chapters" aria-label="Chapters of {title}">')
        parts.append("<h3>Chapters</h3><ol>")
        for chapter in track.chapters:
            start = f"{chapter.start:.3f}".rstrip("0").rstrip(".")
            # A media fragment: without script the link still plays the track from there.
            parts.append(
                f'<li><a href="{audio_url}#t={start}" data-start="{start}">'
                f'<span class="at">{clock(chapter.start)}</span> <span>{escape(chapter.title)}</span></a></li>'
            )
        parts.append("</ol></nav>")
    if track.cues:
        parts.append('<details class="transcript"><summary>Transcript</summary>')
        parts.append(f'<ol class="cues" aria-label="Transcript of {title}">')
        for cue in track.cues:
            parts.append(
                f'<li data-start="{cue.start:.3f}" data-end="{cue.end:.3f}"><button type="button">'
                f'<span class="at">{clock(cue.start)}</span> <span>{escape(" ".join(cue.text.split()))}</span>'
                "</button></li>"
            )
        parts.append("</ol></details>")
    parts.append(
        '<p class="offline" hidden><button type="button" class="keep" aria-pressed="false">'
        'Keep for offline listening</button> <span class="kept-state" role="status"></span></p>'
    )
    kind = entry.audio.rsplit(".", 1)[-1].upper()
    parts.append(
        f'<p class="download"><a href="{audio_url}" download>Download</a> '
        f'<span class="quiet">({kind}, {_megabytes(entry.size)})</span></p>'
    )
    parts.append("</article>")
    return "\n".join(parts)


def _controls(entry: Entry, title: str) -> str:
    """The 15-second skips, the way back to the start, and the choice of background.

    The buttons need script; without it the browser's own player still does everything."""
    sid = entry.slug
    parts = [
        f'<div class="transport" role="group" aria-label="Skip in {title}">'
        f'<button type="button" data-skip="-{SKIP}">Back {SKIP} s<span class="visually-hidden"> in {title}</span></button>'
        f'<button type="button" data-skip="{SKIP}">Forward {SKIP} s<span class="visually-hidden"> in {title}</span></button>'
        "</div>",
        '<p class="resume" hidden><span class="resume-at"></span> '
        f'<button type="button" class="restart">Start from the beginning<span class="visually-hidden">: {title}</span></button></p>',
    ]
    if entry.mixes:
        choices = [("made", entry.audio), *entry.mixes]
        parts.append(f'<fieldset class="mixes"><legend>Background<span class="visually-hidden"> of {title}</span></legend>')
        for mix, rel in choices:
            checked = " checked" if mix == "made" else ""
            parts.append(
                f'<label><input type="radio" name="mix-{sid}" value="{mix}" data-src="{escape(quote(rel))}"{checked}> '
                f"{MIX_NAMES[mix]}</label>"
            )
        parts.append("</fieldset>")
    return "\n".join(parts)


def _lock_screen(channel: Channel, entry: Entry) -> str:
    """What the phone's lock screen shows (Media Session): the practitioner, the show, and
    pictures from the track's cover or else the show's icons."""
    artist = entry.track.artist or channel.author
    pictures = [(rel, TRACK_PIXELS * n, "image/jpeg") for n, rel in enumerate(entry.thumbs, 1)]
    pictures += [(rel, pixels, "image/png") for rel, pixels in channel.icons]
    artwork = json.dumps([{"src": channel.url(rel), "sizes": f"{px}x{px}", "type": kind} for rel, px, kind in pictures])
    return f' data-artist="{escape(artist)}" data-album="{escape(channel.title)}" data-artwork="{escape(artwork)}"'


def _image(channel: Channel, thumbs: tuple[str, ...], pixels: int, *, lazy: bool) -> str:
    """A decorative cover at the size shown, with a sharper one for high-density screens."""
    if not thumbs:
        return ""
    one, two = (escape(channel.url(rel)) for rel in thumbs)
    loading = ' loading="lazy"' if lazy else ""
    return (
        f'<img src="{one}" srcset="{one} 1x, {two} 2x" alt="" width="{pixels}" height="{pixels}"'
        f'{loading} decoding="async">'
    )


def _subscribe(feed_address: str | None) -> str:
    if feed_address:
        return (
            "<p>New tracks can arrive on your phone by themselves: in your podcast app, choose "
            "“Add a podcast by address” (or “Follow by URL”) and enter</p>\n"
            f"<p><code>{escape(feed_address)}</code></p>\n"
            '<p class="quiet">Please keep this address private; it is meant for you alone.</p>'
        )
    return f'<p>The podcast feed is <a href="{FEED}">{FEED}</a>, beside this page.</p>'


def _paragraphs(text: str) -> str:
    blocks = [b.strip() for b in text.replace("\r\n", "\n").split("\n\n") if b.strip()]
    return "".join(f"<p>{escape(b)}</p>\n" for b in blocks)


def _megabytes(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 100_000 else f"{max(1, round(size / 1000))} kB"


def _asset(name: str) -> str:
    return resources.files("generator.publish").joinpath(name).read_text(encoding="utf-8")


def _hash(text: str) -> str:
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode()
    return f"'sha256-{digest}'"
