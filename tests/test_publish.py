"""`meditate publish`: the feed, the page, incremental re-publishing and the private token.

Fixtures are real files: a few seconds of tone encoded with lameenc, ID3v2.4 tags and
chapters written with mutagen, and the JSON timeline and WebVTT sidecars the renderer
writes. The feed is parsed back with xml.etree and checked against the files on disk.
"""

from __future__ import annotations

import json
import os
import struct
import xml.etree.ElementTree as ET
import zlib
from email.utils import parsedate_to_datetime
from html.parser import HTMLParser
from pathlib import Path

import lameenc
import numpy as np
import pytest
import soundfile
from mutagen.mp3 import MP3
from mutagen.id3 import APIC, CHAP, COMM, CTOC, ID3, TALB, TDRC, TIT2, TLAN, TPE1, CTOCFlags

from generator.core.errors import InputError
from generator.publish import publish

ITUNES = "{http://www.itunes.com/dtds/podcast-1.0.dtd}"
PODCAST = "{https://podcastindex.org/namespace/1.0}"
RATE = 44100


# --- fixtures ---------------------------------------------------------------------------


def png(width: int, height: int, rgb: tuple[int, int, int]) -> bytes:
    """A real PNG: a soft vertical gradient of one colour, made without any image library."""
    rows = b""
    for y in range(height):
        shade = 0.75 + 0.25 * y / max(1, height - 1)
        pixel = bytes(min(255, int(c * shade)) for c in rgb)
        rows += b"\x00" + pixel * width

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(rows)) + chunk(b"IEND", b"")


def encode_mp3(path: Path, seconds: float, freq: float = 220.0) -> None:
    """A quiet stereo tone as a 44.1 kHz MP3."""
    t = np.arange(int(seconds * RATE)) / RATE
    tone = (0.2 * np.sin(2 * np.pi * freq * t) * 32767).astype(np.int16)
    stereo = np.column_stack([tone, tone]).ravel()
    encoder = lameenc.Encoder()
    encoder.set_bit_rate(64)
    encoder.set_in_sample_rate(RATE)
    encoder.set_channels(2)
    encoder.set_quality(7)
    path.write_bytes(encoder.encode(stereo.tobytes()) + encoder.flush())


def make_track(
    folder: Path,
    name: str,
    title: str,
    sections: list[tuple[str, float]],
    *,
    seconds: float = 6.0,
    description: str = "A short guided practice.",
    lines: list[tuple[float, float, str]] | None = None,
    colour: tuple[int, int, int] = (90, 140, 130),
    tags: bool = True,
    sidecars: bool = True,
) -> Path:
    """A rendered track as the renderer leaves it: NAME.mp3 with tags, NAME.json, NAME.vtt."""
    folder.mkdir(parents=True, exist_ok=True)
    audio = folder / f"{name}.mp3"
    encode_mp3(audio, seconds)
    bounds = [(t, start, sections[i + 1][1] if i + 1 < len(sections) else seconds) for i, (t, start) in enumerate(sections)]
    if tags:
        id3 = ID3()
        id3.add(TIT2(encoding=3, text=title))
        id3.add(TPE1(encoding=3, text="Infinite Mind Medical Qigong"))
        id3.add(TALB(encoding=3, text="Back Health"))
        id3.add(COMM(encoding=3, lang="eng", desc="", text=description))
        id3.add(TDRC(encoding=3, text="2026"))
        id3.add(TLAN(encoding=3, text="eng"))
        id3.add(APIC(encoding=3, mime="image/png", type=3, desc="cover", data=png(64, 64, colour)))
        ids = [f"ch{i}" for i in range(len(bounds))]
        id3.add(CTOC(element_id="toc", flags=CTOCFlags.TOP_LEVEL | CTOCFlags.ORDERED, child_element_ids=ids))
        for cid, (section, start, end) in zip(ids, bounds):
            id3.add(CHAP(element_id=cid, start_time=int(start * 1000), end_time=int(end * 1000),
                         sub_frames=[TIT2(encoding=3, text=section)]))
        id3.save(audio, v2_version=4)
    if sidecars:
        lines = lines if lines is not None else [(0.5, 2.0, f"Welcome to {title}."), (2.5, 4.0, "Let your eyes close.")]
        timeline = {
            "title": title,
            "duration": seconds,
            "sections": [
                {"title": t, "start": s, "end": e,
                 "steps": [{"kind": "say", "start": a, "end": b, "text": x} for a, b, x in lines if s <= a < e]}
                for t, s, e in bounds
            ],
        }
        (folder / f"{name}.json").write_text(json.dumps(timeline), encoding="utf-8")
        cues = "\n".join(f"{_ts(a)} --> {_ts(b)}\n{_vtt_text(x)}\n" for a, b, x in lines)
        (folder / f"{name}.vtt").write_text(f"WEBVTT\n\n{cues}", encoding="utf-8")
    return audio


def _vtt_text(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _ts(seconds: float) -> str:
    m, s = divmod(seconds, 60)
    return f"00:{int(m):02d}:{s:06.3f}"


def make_library(folder: Path) -> list[Path]:
    """Three tracks of different lengths, like a small course."""
    return [
        make_track(folder, "01-arriving", "Arriving in the Body", [("Arriving", 0.0), ("Breathing", 2.0), ("Resting", 4.0)],
                   seconds=6.0, colour=(90, 140, 130), description="Settle in.\n\nNotice the ground."),
        make_track(folder, "02-evening", "Evening Relaxation for the Back", [("Arriving", 0.0), ("Integration", 5.0)],
                   seconds=9.0, colour=(170, 120, 90)),
        make_track(folder, "03-breath", "Breath & <Ease>", [("Breathing", 0.0)], seconds=4.0, colour=(110, 110, 170)),
    ]


@pytest.fixture
def library(tmp_path: Path) -> Path:
    make_library(tmp_path / "tracks")
    return tmp_path / "tracks"


def items(feed: Path) -> list[ET.Element]:
    return ET.parse(feed).getroot().findall("./channel/item")


# --- the feed ---------------------------------------------------------------------------


def test_feed_enclosures_match_the_files(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", base_url="https://example.org/clients/anna/")
    root = ET.parse(result.feed).getroot()
    assert root.tag == "rss" and root.get("version") == "2.0"
    channel = root.find("channel")
    assert channel.findtext("title") == "Back Health"  # the album the tracks share
    assert channel.findtext(f"{ITUNES}author") == "Infinite Mind Medical Qigong"
    assert channel.findtext(f"{ITUNES}explicit") == "false"
    assert channel.findtext("language") == "en"
    assert channel.find(f"{ITUNES}image").get("href") == "https://example.org/clients/anna/cover.jpg"
    found = channel.findall("item")
    assert len(found) == 3
    for item in found:
        enclosure = item.find("enclosure")
        url = enclosure.get("url")
        assert url.startswith("https://example.org/clients/anna/media/")
        local = result.root / url.removeprefix("https://example.org/clients/anna/")
        assert int(enclosure.get("length")) == local.stat().st_size == (library / local.name).stat().st_size
        assert enclosure.get("type") == "audio/mpeg"
        info = soundfile.info(str(local))  # decoded length, independent of the tags
        assert abs(int(item.findtext(f"{ITUNES}duration")) - info.frames / info.samplerate) <= 1
        assert item.find("guid").get("isPermaLink") == "false"
        assert parsedate_to_datetime(item.findtext("pubDate")).tzinfo is not None
        for tag in ("chapters", "transcript"):
            href = item.find(f"{PODCAST}{tag}").get("url")
            assert href.startswith("https://example.org/clients/anna/media/")
            assert (result.root / href.removeprefix("https://example.org/clients/anna/")).is_file()
    dates = {i.findtext("title"): parsedate_to_datetime(i.findtext("pubDate")) for i in found}
    assert dates["Arriving in the Body"] < dates["Evening Relaxation for the Back"] < dates["Breath & <Ease>"]
    assert [i.findtext("title") for i in found][0] == "Breath & <Ease>"  # newest first
    assert result.notes == ()
    assert result.feed_url == "https://example.org/clients/anna/feed.xml"


def test_chapters_file_is_podcasting20_json(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", base_url="https://example.org")
    item = next(i for i in items(result.feed) if i.findtext("title") == "Arriving in the Body")
    chapters = item.find(f"{PODCAST}chapters")
    assert chapters.get("type") == "application/json+chapters"
    data = json.loads((result.root / "media/01-arriving.chapters.json").read_text())
    assert data["version"] == "1.2.0"
    assert [(c["startTime"], c["title"]) for c in data["chapters"]] == [(0.0, "Arriving"), (2.0, "Breathing"), (4.0, "Resting")]
    transcript = item.find(f"{PODCAST}transcript")
    assert (transcript.get("type"), transcript.get("language"), transcript.get("rel")) == ("text/vtt", "en", "captions")
    assert (result.root / "media/01-arriving.vtt").read_text().startswith("WEBVTT")


def test_without_base_url_links_are_relative_and_a_note_says_why(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site")
    for item in items(result.feed):
        assert item.find("enclosure").get("url").startswith("media/")
    assert any("absolute" in note for note in result.notes)
    assert result.feed_url is None


def test_feed_escapes_text_and_takes_options(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", base_url="https://example.org",
                     title="Anna's tracks", author="Dr. Lee & Co", description="For Anna <3")
    channel = ET.parse(result.feed).getroot().find("channel")
    assert channel.findtext("title") == "Anna's tracks"
    assert channel.findtext(f"{ITUNES}author") == "Dr. Lee & Co"
    assert channel.findtext("description") == "For Anna <3"
    assert "Breath & <Ease>" in [i.findtext("title") for i in channel.findall("item")]


def test_tracks_without_tags_or_sidecars_fall_back_to_the_file(tmp_path: Path) -> None:
    make_track(tmp_path / "t", "quiet-sitting", "ignored", [("A", 0.0)], seconds=3.0, tags=False, sidecars=False)
    (tmp_path / "t" / "notes.txt").write_text("not audio")
    (tmp_path / "t" / "broken.mp3").write_bytes(b"not an mp3 at all" * 10)
    wav = tmp_path / "t" / "bell.wav"
    soundfile.write(str(wav), np.zeros((RATE * 2, 2), dtype=np.float32), RATE)
    result = publish(tmp_path / "t", tmp_path / "site")
    found = {i.findtext("title"): i for i in items(result.feed)}
    assert set(found) == {"Quiet sitting", "Bell"}
    assert found["Bell"].find("enclosure").get("type") == "audio/mpeg"  # transcoded for podcast apps
    assert found["Bell"].find("enclosure").get("url") == "media/bell.mp3"
    assert int(found["Bell"].findtext(f"{ITUNES}duration")) == 2
    assert found["Quiet sitting"].find(f"{PODCAST}chapters") is None
    assert any("broken.mp3" in note for note in result.notes)


def test_file_names_with_spaces_and_accents_are_addressed_correctly(tmp_path: Path) -> None:
    from urllib.parse import unquote

    make_track(tmp_path / "t", "Entspannung für Anna", "Entspannung", [("Ankommen", 0.0), ("Ruhe", 1.5)], seconds=3.0)
    result = publish(tmp_path / "t", tmp_path / "site", base_url="https://example.org/x")
    item = items(result.feed)[0]
    url = item.find("enclosure").get("url")
    assert " " not in url and "%20" in url
    assert (result.root / unquote(url.removeprefix("https://example.org/x/"))).is_file()
    page = outline(result.page)
    assert page.all("article")[0]["id"] == "entspannung-fur-anna"
    assert (result.root / unquote(page.all("audio")[0]["src"])).is_file()
    audio = "media/Entspannung%20f%C3%BCr%20Anna.mp3"
    assert [a["href"] for a in page.all("a") if "data-start" in a] == [f"{audio}#t=0", f"{audio}#t=1.5"]


def test_flac_and_ogg_tracks_use_their_vorbis_comments(tmp_path: Path) -> None:
    import base64

    from mutagen.flac import FLAC, Picture
    from mutagen.oggvorbis import OggVorbis

    folder = tmp_path / "t"
    folder.mkdir()
    tone = (0.1 * np.sin(np.arange(RATE * 3) / RATE * 2 * np.pi * 200)).astype(np.float32)
    soundfile.write(str(folder / "morning.flac"), np.column_stack([tone, tone]), RATE)
    soundfile.write(str(folder / "night.ogg"), np.column_stack([tone, tone]), RATE, format="OGG", subtype="VORBIS")
    picture = Picture()
    picture.type, picture.mime, picture.data = 3, "image/png", png(8, 8, (200, 100, 50))
    flac = FLAC(folder / "morning.flac")
    flac.update({"title": "Morning Qigong", "artist": "Mei", "description": "Wake gently.",
                 "chapter001": "00:00:00.000", "chapter001name": "Standing",
                 "chapter002": "00:00:01.500", "chapter002name": "Moving"})
    flac.add_picture(picture)
    flac.save()
    ogg = OggVorbis(folder / "night.ogg")
    ogg.update({"title": "Night Rest", "comment": "Sleep well.", "metadata_block_picture": [base64.b64encode(picture.write()).decode()]})
    ogg.save()

    result = publish(folder, tmp_path / "site")
    found = {i.findtext("title"): i for i in items(result.feed)}
    assert set(found) == {"Morning Qigong", "Night Rest"}
    for title in found:  # Apple Podcasts plays neither FLAC nor OGG: both become MP3s
        enclosure = found[title].find("enclosure")
        assert enclosure.get("type") == "audio/mpeg" and enclosure.get("url").endswith(".mp3")
        mp3 = result.root / enclosure.get("url")
        assert int(enclosure.get("length")) == mp3.stat().st_size
        assert MP3(mp3).info.length == pytest.approx(3.0, abs=0.06)
        assert ID3(mp3)["TIT2"].text == [title]
    assert [c.sub_frames["TIT2"].text[0] for c in ID3(result.root / "media/morning.mp3").getall("CHAP")] == ["Standing", "Moving"]
    assert not (result.root / "media/morning.flac").exists()
    assert found["Night Rest"].findtext("description") == "Sleep well."
    assert int(found["Night Rest"].findtext(f"{ITUNES}duration")) == 3
    chapters = json.loads((result.root / "media/morning.chapters.json").read_text())["chapters"]
    assert [(c["title"], c["startTime"], c["endTime"]) for c in chapters] == [("Standing", 0.0, 1.5), ("Moving", 1.5, 3.0)]
    assert (result.root / "media/morning.cover.png").read_bytes() == picture.data
    assert (result.root / "media/night.cover.png").read_bytes() == picture.data


# --- the page ---------------------------------------------------------------------------


class _Outline(HTMLParser):
    """Collects what the page test needs: tags with attributes, and any external address."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, {k: v or "" for k, v in attrs}))

    def all(self, tag: str, **where: str) -> list[dict[str, str]]:
        return [a for t, a in self.tags if t == tag and all(a.get(k) == v for k, v in where.items())]


def outline(page: Path) -> _Outline:
    parser = _Outline()
    parser.feed(page.read_text(encoding="utf-8"))
    return parser


def test_page_has_a_labelled_player_chapters_and_transcript_per_track(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", base_url="https://example.org")
    html = result.page.read_text(encoding="utf-8")
    page = outline(result.page)
    assert page.all("html")[0]["lang"] == "en"
    assert page.all("meta", name="viewport")
    articles = page.all("article", **{"class": "track"})
    assert [a["id"] for a in articles] == ["t-01-arriving", "t-02-evening", "t-03-breath"]
    players = page.all("audio")
    assert len(players) == 3 and all(p["aria-label"].startswith("Player: ") and "controls" in p for p in players)
    for player in players:
        assert (result.root / player["src"]).is_file()  # relative even with a base URL
    seeks = [a for a in page.all("a") if "data-start" in a]
    assert [a["data-start"] for a in seeks] == ["0", "2", "4", "0", "5", "0"]
    assert seeks[1]["href"] == "media/01-arriving.mp3#t=2"  # a media fragment: works without script
    assert "aria-label" not in seeks[1]  # the visible text is the name (WCAG 2.5.3)
    assert all(p["preload"] == "none" for p in players)  # nothing of a track is fetched on opening
    assert html.count('<details class="transcript">') == 3
    assert "Welcome to Breath &amp; &lt;Ease&gt;." in html
    assert '<li data-start="2.500" data-end="4.000"><button type="button">' in html
    assert "<p>Settle in.</p>\n<p>Notice the ground.</p>" in html
    assert html.count('<time datetime="PT') == 3
    assert all(img["alt"] == "" for img in page.all("img"))  # covers are decorative


def test_page_loads_nothing_from_another_host(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", base_url="https://example.org/anna")
    page = outline(result.page)
    for tag, attrs in page.tags:
        for key in ("src", "href"):
            value = attrs.get(key, "")
            assert "//" not in value, f"<{tag} {key}={value}>"
    csp = page.all("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"]
    assert "default-src 'none'" in csp and "'unsafe-inline'" not in csp


# --- re-publishing ---------------------------------------------------------------------


def test_republishing_touches_only_what_changed_and_keeps_guids(library: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    first = publish(library, site, base_url="https://example.org", link=False)
    guids = {i.findtext("title"): i.findtext("guid") for i in items(first.feed)}
    dates = {i.findtext("title"): i.findtext("pubDate") for i in items(first.feed)}
    assert "media/02-evening.mp3" in first.written

    again = publish(library, site, base_url="https://example.org", link=False)
    assert again.written == ()
    assert "media/02-evening.mp3" in again.unchanged and "feed.xml" in again.unchanged

    make_track(library, "02-evening", "Evening Relaxation for the Back", [("Arriving", 0.0)], seconds=7.0)
    os.utime(library / "02-evening.mp3", ns=(1, 1_800_000_000_000_000_000))
    make_track(library, "04-new", "A New Track", [("One", 0.0)], seconds=3.0)
    (library / "03-breath.mp3").unlink()
    third = publish(library, site, base_url="https://example.org", link=False)
    assert "media/02-evening.mp3" in third.written and "media/04-new.mp3" in third.written
    assert "media/01-arriving.mp3" in third.unchanged
    assert "media/03-breath.mp3" in third.removed and not (site / "media/03-breath.mp3").exists()
    now = {i.findtext("title"): i for i in items(third.feed)}
    assert now["Evening Relaxation for the Back"].findtext("guid") == guids["Evening Relaxation for the Back"]
    assert now["Evening Relaxation for the Back"].findtext("pubDate") == dates["Evening Relaxation for the Back"]
    assert now["Evening Relaxation for the Back"].find("enclosure").get("length") == str((library / "02-evening.mp3").stat().st_size)
    assert now["A New Track"].findtext("guid") not in guids.values()
    assert "Breath & <Ease>" not in now


def test_state_file_does_not_reveal_local_paths(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", token=True)
    for path in result.root.rglob("*"):
        if path.is_file() and path.suffix not in (".mp3", ".png", ".jpg"):
            assert str(tmp_path) not in path.read_text(encoding="utf-8"), path


def test_guids_survive_a_lost_state_file(library: Path, tmp_path: Path) -> None:
    first = publish(library, tmp_path / "a", base_url="https://example.org/anna")
    second = publish(library, tmp_path / "b", base_url="https://example.org/anna")
    assert [i.findtext("guid") for i in items(first.feed)] == [i.findtext("guid") for i in items(second.feed)]


def test_each_client_feed_has_its_own_episode_guids(library: Path, tmp_path: Path) -> None:
    anna = publish(library, tmp_path / "anna", base_url="https://example.org/anna", token=True)
    ben = publish(library, tmp_path / "ben", base_url="https://example.org/ben", token=True)
    plain = [publish(library, tmp_path / name) for name in ("c", "d")]  # no address: a random seed each
    guids = [{i.findtext("guid") for i in items(r.feed)} for r in (anna, ben, *plain)]
    assert all(len(g) == 3 for g in guids)
    assert len(set().union(*guids)) == 12  # no guid shared between two clients' feeds


def test_rotating_the_token_keeps_every_guid_and_date(library: Path, tmp_path: Path) -> None:
    def identity(feed: Path) -> tuple[str, list[tuple[str, str, str]]]:
        channel = ET.parse(feed).getroot().find("channel")
        episodes = [(i.findtext("title"), i.findtext("guid"), i.findtext("pubDate")) for i in channel.findall("item")]
        return channel.findtext(f"{PODCAST}guid"), episodes

    first = publish(library, tmp_path / "site", base_url="https://example.org/anna", token="first-token-0123456789")
    rotated = publish(library, tmp_path / "site", base_url="https://example.org/anna", token="second-token-0123456789")
    assert first.feed_url != rotated.feed_url
    guid, episodes = identity(first.feed)
    assert guid and identity(rotated.feed) == (guid, episodes)  # podcast:guid kept for life
    import uuid

    assert uuid.UUID(guid).version == 5


def test_audio_is_hard_linked_when_possible(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site")
    assert os.path.samefile(result.root / "media/01-arriving.mp3", library / "01-arriving.mp3")


# --- the token --------------------------------------------------------------------------


def test_token_alone_makes_an_unguessable_folder_and_reuses_it(library: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    first = publish(library, site, base_url="https://example.org", token=True)
    assert first.token and len(first.token) >= 22
    assert first.root == site / first.token and first.page.is_file()
    assert first.feed_url == f"https://example.org/{first.token}/feed.xml"
    assert first.token not in (site / "index.html").read_text()  # the top shows nothing
    enclosure = items(first.feed)[0].find("enclosure").get("url")
    assert enclosure.startswith(f"https://example.org/{first.token}/media/")
    again = publish(library, site, base_url="https://example.org", token=True)
    assert again.token == first.token and again.written == ()
    other = publish(library, tmp_path / "other", token=True)
    assert other.token != first.token


def test_given_token_is_used_and_checked(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", token="anna-0123456789abcdef")
    assert result.root == tmp_path / "site" / "anna-0123456789abcdef"
    with pytest.raises(InputError, match="--token"):
        publish(library, tmp_path / "site", token="short")
    with pytest.raises(InputError, match="--token"):
        publish(library, tmp_path / "site", token="../../escape-the-site-folder")


def test_adding_a_token_later_removes_the_open_copy(library: Path, tmp_path: Path) -> None:
    site = tmp_path / "site"
    publish(library, site)
    (site / "my-notes.txt").write_text("not ours")
    private = publish(library, site, token=True)
    assert not (site / "media").exists()
    assert not (site / "feed.xml").exists() and (site / "my-notes.txt").exists()
    assert "Arriving" not in (site / "index.html").read_text()
    assert any("open copy" in note for note in private.notes)
    rotated = publish(library, site, token="a-brand-new-token-0123")
    assert any(private.token in note for note in rotated.notes)  # the old link still works: say so
    with pytest.raises(InputError, match="several token folders"):
        publish(library, site, token=True)


# --- mistakes ---------------------------------------------------------------------------


def test_user_mistakes_are_input_errors(library: Path, tmp_path: Path) -> None:
    with pytest.raises(InputError, match="no such folder"):
        publish(tmp_path / "missing", tmp_path / "site")
    (tmp_path / "empty").mkdir()
    with pytest.raises(InputError, match="no tracks"):
        publish(tmp_path / "empty", tmp_path / "site")
    with pytest.raises(InputError, match="base-url"):
        publish(library, tmp_path / "site", base_url="example.org")
    with pytest.raises(InputError, match="must not be the tracks folder"):
        publish(library, library)
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(InputError, match="is a file"):
        publish(library, tmp_path / "a-file")


def test_a_failing_disk_is_a_clean_error(library: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.publish.site as site_module
    from generator.core.errors import MeditateError

    def full(path: Path, data: bytes, **_: object) -> bool:
        raise OSError(28, "No space left on device", str(path))

    monkeypatch.setattr(site_module, "write_atomic", full)
    with pytest.raises(MeditateError, match="No space left on device") as caught:
        publish(library, tmp_path / "site")
    assert caught.value.exit_code == 1 and not isinstance(caught.value, InputError)


def _luminance(colour: str) -> float:
    channels = [int(colour[i : i + 2], 16) / 255 for i in (1, 3, 5)]
    linear = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in channels]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def test_page_colours_meet_wcag_aa_contrast_in_light_and_dark() -> None:
    import re

    css = (Path(__file__).parents[1] / "generator/publish/page.css").read_text()
    schemes = [dict(re.findall(r"--(\w+):\s*(#[0-9a-f]{6})", block)) for block in re.findall(r":root\s*{([^}]*)}", css)]
    assert len(schemes) == 2  # light, and dark under prefers-color-scheme
    for colours in schemes:
        for fg in ("text", "muted", "accent"):
            for bg in ("bg", "card", "now"):
                hi, lo = sorted((_luminance(colours[fg]), _luminance(colours[bg])), reverse=True)
                assert (hi + 0.05) / (lo + 0.05) >= 4.5, (fg, bg, colours)


# --- the command ------------------------------------------------------------------------


def test_command_reports_what_it_did_and_maps_errors_to_exit_codes(library: Path, tmp_path: Path) -> None:
    from click.testing import CliRunner

    from generator.cli import cli

    import inspect

    # Click 8.1 mixes stderr into stdout unless told not to; 8.2 always keeps them apart.
    separate = {"mix_stderr": False} if "mix_stderr" in inspect.signature(CliRunner).parameters else {}
    runner = CliRunner(**separate)
    site = tmp_path / "site"
    args = ["publish", str(library), "-o", str(site), "--base-url", "https://example.org/anna", "--token"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    token = next(p.name for p in site.iterdir() if p.is_dir())
    assert result.stdout.splitlines() == [
        f"published 3 tracks to {site / token} (27 files written, 0 unchanged, 0 removed)",
        f"page: https://example.org/anna/{token}/index.html",
        f"feed: https://example.org/anna/{token}/feed.xml",
    ]
    again = runner.invoke(cli, args)
    assert again.stdout.splitlines()[0] == f"published 3 tracks to {site / token} (0 files written, 27 unchanged, 0 removed)"

    relative = runner.invoke(cli, ["publish", str(library), "-o", str(tmp_path / "plain")])
    assert relative.exit_code == 0 and "note: no --base-url" in relative.stderr

    missing = runner.invoke(cli, ["publish", str(tmp_path / "nope"), "-o", str(site)])
    assert missing.exit_code == 2 and missing.stderr.strip().endswith("nope: no such folder")
    bad = runner.invoke(cli, ["publish", str(library), "-o", str(site), "--token=short"])
    assert bad.exit_code == 2 and bad.stderr.startswith("error: --token must be")
