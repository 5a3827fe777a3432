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
from dataclasses import replace
from importlib import resources
from string import Template

from generator.core.cleantext import clean_out
from generator.publish.layout import FEED, MANIFEST, Channel, Entry, clock, iso_duration, length_words


def escape(text: str) -> str:
    """HTML-escaped text without control characters (tags written by other programs may hold them)."""
    return html.escape(clean_out(text))


def build_page(channel: Channel, entries: list[Entry]) -> bytes:
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
    parts = [
        f'<article class="track" id="{sid}" aria-labelledby="{sid}-title"{captions}>',
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
