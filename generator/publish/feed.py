"""The podcast feed (`feed.xml`) and each track's Podcasting 2.0 JSON chapters file.

RSS 2.0 with the iTunes namespace is what every podcast app reads; the Podcasting 2.0
namespace adds chapters and transcripts, which apps such as Podcast Addict, AntennaPod
and Apple Podcasts show. The feed is marked blocked/locked because it is private: it
asks directories not to list it.
"""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from email.utils import format_datetime

from generator.core.cleantext import clean_out
from generator.publish.catalog import Track
from generator.publish.layout import FEED, PAGE, Channel, Entry

ITUNES = "http://www.itunes.com/dtds/podcast-1.0.dtd"
PODCAST = "https://podcastindex.org/namespace/1.0"
ATOM = "http://www.w3.org/2005/Atom"
CHAPTERS_TYPE = "application/json+chapters"


def chapters_json(track: Track) -> bytes:
    """The JSON chapters file (Podcasting 2.0 format, version 1.2.0) for one track."""
    data = {
        "version": "1.2.0",
        "title": track.title,
        **({"author": track.artist} if track.artist else {}),
        "chapters": [
            {"startTime": round(c.start, 3), "endTime": round(c.end, 3), "title": c.title}
            for c in track.chapters
        ],
    }
    return (json.dumps(data, indent=1, ensure_ascii=False) + "\n").encode("utf-8")


def build_feed(channel: Channel, entries: list[Entry]) -> bytes:
    """The RSS document, newest item first. Stable bytes for unchanged input, so an
    unchanged site is not rewritten."""
    for prefix, uri in (("itunes", ITUNES), ("podcast", PODCAST), ("atom", ATOM)):
        ET.register_namespace(prefix, uri)
    rss = ET.Element("rss", {"version": "2.0"})
    ch = ET.SubElement(rss, "channel")
    _text(ch, "title", channel.title)
    _text(ch, "link", channel.url(PAGE))
    _text(ch, "description", channel.description)
    _text(ch, "language", channel.language)
    _text(ch, "generator", "meditate")
    ordered = sorted((e for e in entries if e.in_feed), key=lambda e: (e.published, e.track.name), reverse=True)
    if ordered:
        _text(ch, "lastBuildDate", format_datetime(ordered[0].published, usegmt=True))
    if channel.base_url:
        feed_url = channel.url(FEED)
        ET.SubElement(ch, f"{{{ATOM}}}link", {"href": feed_url, "rel": "self", "type": "application/rss+xml"})
    if channel.guid:
        _text(ch, f"{{{PODCAST}}}guid", channel.guid)
    _text(ch, f"{{{ITUNES}}}author", channel.author)
    _text(ch, f"{{{ITUNES}}}summary", channel.description)
    _text(ch, f"{{{ITUNES}}}explicit", "false")
    _text(ch, f"{{{ITUNES}}}type", "episodic")
    _text(ch, f"{{{ITUNES}}}block", "Yes")
    _text(ch, f"{{{PODCAST}}}locked", "yes")
    ET.SubElement(ch, f"{{{ITUNES}}}category", {"text": "Health & Fitness"}).append(
        ET.Element(f"{{{ITUNES}}}category", {"text": "Mental Health"})
    )
    if channel.cover:
        ET.SubElement(ch, f"{{{ITUNES}}}image", {"href": channel.url(channel.cover)})
        image = ET.SubElement(ch, "image")
        _text(image, "url", channel.url(channel.cover))
        _text(image, "title", channel.title)
        _text(image, "link", channel.url(PAGE))
    for entry in ordered:
        _item(ch, channel, entry)
    ET.indent(rss, space=" ")
    return ET.tostring(rss, encoding="utf-8", xml_declaration=True) + b"\n"


def _item(parent: ET.Element, channel: Channel, entry: Entry) -> None:
    track = entry.track
    item = ET.SubElement(parent, "item")
    _text(item, "title", track.title)
    _text(item, "description", track.description or track.title)
    _text(item, "link", f"{channel.url(PAGE)}#{entry.slug}")
    _text(item, "guid", entry.guid).set("isPermaLink", "false")
    _text(item, "pubDate", format_datetime(entry.published, usegmt=True))
    ET.SubElement(
        item, "enclosure", {"url": channel.url(entry.audio), "length": str(entry.size), "type": entry.mime}
    )
    _text(item, f"{{{ITUNES}}}title", track.title)
    _text(item, f"{{{ITUNES}}}author", track.artist or channel.author)
    _text(item, f"{{{ITUNES}}}duration", str(int(track.duration + 0.5)))
    _text(item, f"{{{ITUNES}}}explicit", "false")
    _text(item, f"{{{ITUNES}}}episodeType", "full")
    if entry.cover:
        ET.SubElement(item, f"{{{ITUNES}}}image", {"href": channel.url(entry.cover)})
    if entry.chapters:
        ET.SubElement(item, f"{{{PODCAST}}}chapters", {"url": channel.url(entry.chapters), "type": CHAPTERS_TYPE})
    if entry.captions:
        attrs = {"url": channel.url(entry.captions), "type": "text/vtt", "rel": "captions"}
        if track.language or channel.language:
            attrs["language"] = track.language or channel.language
        ET.SubElement(item, f"{{{PODCAST}}}transcript", attrs)


def _text(parent: ET.Element, tag: str, value: str) -> ET.Element:
    element = ET.SubElement(parent, tag)
    element.text = clean_out(value)  # a control character would make the feed not well-formed
    return element
