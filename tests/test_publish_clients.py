"""What publish hands to every client's apps: feeds that feedparser and gPodder's
podcastparser read, a show image of its own, light thumbnails, readable captions, encoded
addresses, honest dates, the web app's files, and a warning before a placeholder name
reaches a client.
"""

from __future__ import annotations

import io
import json
import os
import re
import xml.etree.ElementTree as ET
from datetime import datetime, timezone
from email.utils import parsedate_to_datetime
from pathlib import Path

import numpy as np
import pytest
import soundfile
from mutagen.id3 import ID3, TPE1
from PIL import Image

from generator.core.errors import InputError
from generator.output.tags import PLACEHOLDER_NAMES
from generator.publish import identity, publish
from generator.publish.captions import Cue, parse_vtt, readable_cues
from test_publish import ITUNES, RATE, items, make_library, make_track, outline, png


def photo(side: int, seed: int = 1) -> bytes:
    """A photograph-like JPEG (smooth colour with grain), as heavy as a real cover."""
    rng = np.random.default_rng(seed)
    axis = np.linspace(0, 1, side)
    base = np.stack([np.outer(axis, 1 - axis) * 255, np.outer(1 - axis, axis) * 255, np.full((side, side), 140.0)], -1)
    grain = rng.normal(0, 18, (side, side, 3))
    out = io.BytesIO()
    Image.fromarray(np.clip(base + grain, 0, 255).astype(np.uint8)).save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture
def library(tmp_path: Path) -> Path:
    make_library(tmp_path / "tracks")
    return tmp_path / "tracks"


def test_feedparser_and_podcastparser_read_every_episode(library: Path, tmp_path: Path) -> None:
    import feedparser
    import podcastparser

    result = publish(library, tmp_path / "site", base_url="https://example.org/anna")
    parsed = feedparser.parse(result.feed.read_bytes())
    assert not parsed.bozo, parsed.get("bozo_exception")
    assert parsed.feed.title == "Back Health" and parsed.feed.image.href.endswith("/cover.jpg")
    assert len(parsed.entries) == 3
    for entry in parsed.entries:
        (enclosure,) = entry.enclosures
        assert enclosure.type == "audio/mpeg" and enclosure.href.startswith("https://example.org/anna/media/")
        assert int(enclosure.length) == (result.root / enclosure.href.removeprefix("https://example.org/anna/")).stat().st_size
    podcast = podcastparser.parse(result.feed_url, io.BytesIO(result.feed.read_bytes()))
    assert podcast["title"] == "Back Health" and podcast["cover_url"].endswith("/cover.jpg")
    episodes = podcast["episodes"]
    assert [e["title"] for e in episodes] == ["Breath & <Ease>", "Evening Relaxation for the Back", "Arriving in the Body"]
    for episode in episodes:
        (media,) = episode["enclosures"]
        assert media["mime_type"] == "audio/mpeg" and media["file_size"] > 0
        assert episode["total_time"] in (4, 6, 9) and episode["guid"]
    # (podcastparser knows the Podcasting 2.0 namespace only by its old GitHub address, so it
    # skips podcast:chapters and podcast:transcript; their URLs are checked in test_publish.)


def test_the_channel_image_is_made_for_the_show(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", base_url="https://example.org")
    channel = ET.parse(result.feed).getroot().find("channel")
    href = channel.find(f"{ITUNES}image").get("href")
    image = (result.root / href.removeprefix("https://example.org/")).read_bytes()
    episode_covers = {p.read_bytes() for p in (result.root / "media").glob("*.cover.png")}
    assert len(episode_covers) == 3 and image not in episode_covers
    assert Image.open(io.BytesIO(image)).size == (1400, 1400)  # Apple's minimum
    retitled = publish(library, tmp_path / "other", base_url="https://example.org", title="Anna's practice")
    assert (retitled.root / "cover.jpg").read_bytes() != image  # drawn from the show's own title
    # A practitioner's own cover beside the tracks is the show's image.
    (library / "cover.png").write_bytes(png(32, 32, (10, 200, 10)))
    own = publish(library, tmp_path / "own", base_url="https://example.org")
    assert (own.root / "cover.png").read_bytes() == (library / "cover.png").read_bytes()


def test_the_page_shows_thumbnails_at_the_size_it_draws_them(tmp_path: Path) -> None:
    folder = tmp_path / "t"
    make_track(folder, "big", "Big Cover", [("One", 0.0)], seconds=2.0)
    tags = ID3(folder / "big.mp3")
    picture = tags.getall("APIC")[0]
    picture.data, picture.mime = photo(1400), "image/jpeg"  # as large as podcast apps want it
    tags.save(folder / "big.mp3")
    result = publish(folder, tmp_path / "site")
    images = outline(result.page).all("img")
    assert len(images) == 2  # the header and the track
    for img in images:
        shown = int(img["width"])
        one, two = (part.split()[0] for part in img["srcset"].split(","))
        assert img["src"] == one
        for rel, scale in ((one, 1), (two, 2)):
            assert Image.open(result.root / rel).size == (shown * scale, shown * scale)
            assert (result.root / rel).stat().st_size < 30_000
    assert Image.open(result.root / "media/big.cover.jpg").size == (1400, 1400)  # the full one stays, for apps


def test_long_captions_are_cut_into_readable_cues() -> None:
    said = (
        "Let your breath settle into the belly, slow and soft, and notice how the ground holds you "
        "completely. There is nothing to do now, nowhere to go; simply rest here and let each breath "
        "arrive by itself, in its own time, like a wave that comes and goes without any effort at all."
    )
    cues = readable_cues([Cue(10.0, 40.0, said), Cue(41.0, 43.0, "Rest.")])
    assert len(cues) == 4
    for cue in cues:
        lines = cue.text.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 65 for line in lines), cue.text
    assert " ".join(" ".join(c.text.split("\n")) for c in cues[:3]) == said  # nothing lost, nothing added
    assert cues[0].text.endswith("completely.")  # cut at the end of a sentence
    assert [c.start for c in cues[:3]] == sorted(c.start for c in cues[:3]) and cues[0].start == 10.0
    assert all(a.end == pytest.approx(b.start) for a, b in zip(cues[:2], cues[1:3])) and cues[2].end == 40.0
    lengths = [len(c.text) for c in cues[:3]]  # time apportioned by characters
    spans = [c.end - c.start for c in cues[:3]]
    assert spans[0] / spans[1] == pytest.approx((lengths[0] + 1) / (lengths[1] + 1), rel=0.05)
    assert (cues[3].start, cues[3].end, cues[3].text) == (41.0, 43.0, "Rest.")


def test_published_captions_are_short_lines(tmp_path: Path) -> None:
    long_line = (
        "Breathe in slowly through the nose and feel the belly rise, then breathe out and let the "
        "shoulders drop away. Once more, in your own time, breathe in, and out."
    )
    make_track(tmp_path / "t", "long", "Long", [("One", 0.0)], seconds=8.0, lines=[(0.5, 7.5, long_line)])
    result = publish(tmp_path / "t", tmp_path / "site")
    text = (result.root / "media/long.vtt").read_text()
    cues = parse_vtt(text)
    assert len(cues) == 2 and " ".join(c.text for c in cues) == long_line
    body = [line for line in text.splitlines()[1:] if line and "-->" not in line]
    assert max(map(len, body)) <= 65


def test_base_url_is_percent_encoded(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", base_url="https://exämple.org/my clients/Zoë%20B/")
    assert result.feed_url == "https://xn--exmple-cua.org/my%20clients/Zo%C3%AB%20B/feed.xml"
    for item in items(result.feed):
        url = item.find("enclosure").get("url")
        assert re.fullmatch(r"[\x21-\x7e]+", url), url  # no space, nothing outside ASCII
    assert identity.encode_base_url("http://example.org:8080/a b") == "http://example.org:8080/a%20b"
    for bad in ("https://example.org:99999/x", "https://example.org/x?a=1", "ftp://example.org", "https://"):
        with pytest.raises(InputError, match="--base-url"):
            identity.encode_base_url(bad)


def test_feed_dates_are_the_files_times_and_never_in_the_future(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    folder = tmp_path / "t"
    for name in ("01-a", "02-b", "03-c", "04-d"):
        make_track(folder, name, name, [("One", 0.0)], seconds=1.0)
    times = {"01-a": 1_700_000_000, "02-b": 1_700_000_500, "03-c": 1_700_000_500, "04-d": 4_102_444_800}  # 04-d: 2100
    for name, seconds in times.items():
        os.utime(folder / f"{name}.mp3", (seconds, seconds))
    fixed_now = datetime(2030, 1, 1, tzinfo=timezone.utc)
    monkeypatch.setattr(identity, "now", lambda: fixed_now)
    result = publish(folder, tmp_path / "site")
    dates = {i.findtext("title"): parsedate_to_datetime(i.findtext("pubDate")) for i in items(result.feed)}
    stamp = lambda seconds: datetime.fromtimestamp(seconds, timezone.utc)  # noqa: E731
    assert dates["04-d"] == fixed_now  # a file dated in the future is published now, not later
    assert dates["03-c"] == stamp(1_700_000_500)  # the file's own time
    assert dates["02-b"] == stamp(1_700_000_499)  # same time as 03-c: a second earlier, to keep the order
    assert dates["01-a"] == stamp(1_700_000_000)
    assert all(d <= fixed_now for d in dates.values())


def test_a_placeholder_name_is_flagged_before_it_reaches_a_client(library: Path, tmp_path: Path) -> None:
    import yaml

    templates = Path(__file__).parents[1] / "generator/templates"
    scripts = [yaml.safe_load(p.read_text()) for p in templates.glob("*.yaml")]
    defaults = {s["variables"]["practitioner"] for s in scripts if "practitioner" in s.get("variables", {})}
    assert defaults and {d.casefold() for d in defaults} <= PLACEHOLDER_NAMES

    assert not any("placeholder" in n for n in publish(library, tmp_path / "fine").notes)
    tags = ID3(library / "02-evening.mp3")
    tags.add(TPE1(encoding=3, text="Your practitioner"))
    tags.save(library / "02-evening.mp3")
    notes = [n for n in publish(library, tmp_path / "tagged").notes if "placeholder" in n]
    assert len(notes) == 1 and "02-evening.mp3" in notes[0] and "'Your practitioner'" in notes[0]
    notes = [n for n in publish(library, tmp_path / "authored", author="Your practitioner").notes if "placeholder" in n]
    assert "feed's author" in notes[0] and "byline" in notes[0]


def test_a_track_that_cannot_become_an_mp3_stays_off_the_feed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import generator.publish as publishing

    folder = tmp_path / "t"
    make_track(folder, "fine", "Fine", [("One", 0.0)], seconds=2.0)
    soundfile.write(str(folder / "odd.flac"), np.zeros((RATE, 2), dtype=np.float32), RATE)

    def refuse(track, dest):  # as soundfile does for a codec it was built without
        raise RuntimeError("unsupported codec")

    monkeypatch.setattr(publishing, "to_mp3", refuse)
    result = publish(folder, tmp_path / "site")
    assert [i.findtext("title") for i in items(result.feed)] == ["Fine"]
    assert any("odd.flac" in n and "left out of the feed" in n for n in result.notes)
    assert (result.root / "media/odd.flac").is_file() and not (result.root / "media/odd.mp3").exists()
    assert len(outline(result.page).all("audio")) == 2  # still on the page


def test_the_page_is_an_installable_web_app(library: Path, tmp_path: Path) -> None:
    result = publish(library, tmp_path / "site", base_url="https://example.org")
    page = outline(result.page)
    (link,) = page.all("link", rel="manifest")
    manifest = json.loads((result.root / link["href"]).read_text())
    assert manifest["start_url"] == "./index.html" and manifest["display"] == "standalone"
    assert manifest["name"] == "Back Health"
    sizes = {icon["sizes"] for icon in manifest["icons"]}
    assert sizes == {"192x192", "512x512"}
    for icon in manifest["icons"]:
        side = int(icon["sizes"].split("x")[0])
        assert Image.open(result.root / icon["src"]).size == (side, side)
    worker = (result.root / "sw.js").read_text()
    shell = json.loads(re.search(r"var SHELL_FILES = (\[.*?\]);", worker)[1])
    assert shell[0] == "index.html" and all((result.root / rel).is_file() for rel in shell)
    csp = page.all("meta", **{"http-equiv": "Content-Security-Policy"})[0]["content"]
    assert "worker-src 'self'" in csp and "manifest-src 'self'" in csp and "connect-src 'self'" in csp
    before = worker
    make_track(library, "04-new", "A New Track", [("One", 0.0)], seconds=2.0)
    again = publish(library, tmp_path / "site", base_url="https://example.org")
    assert (again.root / "sw.js").read_text() != before  # a new version, so phones update their copy


def test_transcoded_mp3s_keep_the_loudness_and_the_length(tmp_path: Path) -> None:
    import pyloudnorm
    import soxr

    folder = tmp_path / "t"
    folder.mkdir()
    t = np.arange(RATE * 4) / RATE
    tone = 0.15 * np.sin(2 * np.pi * 220 * t) * (1 + 0.5 * np.sin(2 * np.pi * 0.7 * t))
    stereo = np.column_stack([tone, 0.9 * tone]).astype(np.float32)
    soundfile.write(str(folder / "calm.flac"), stereo, RATE)
    soundfile.write(str(folder / "studio.wav"), soxr.resample(stereo, RATE, 96_000), 96_000)  # no MP3 rate
    result = publish(folder, tmp_path / "site")
    source = pyloudnorm.Meter(RATE).integrated_loudness(stereo)
    for name, rate in (("calm", RATE), ("studio", 48_000)):
        decoded, decoded_rate = soundfile.read(str(result.root / f"media/{name}.mp3"))
        assert decoded_rate == rate
        assert len(decoded) == pytest.approx(4 * rate, abs=2)  # gapless: the encoder's padding is trimmed
        loudness = pyloudnorm.Meter(rate).integrated_loudness(decoded)
        assert loudness == pytest.approx(source, abs=0.3), name
