"""Tags, cover and chapters read back with mutagen from every format."""

from __future__ import annotations

import base64
import shutil
import struct
import time
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from mutagen.flac import FLAC, Picture
from mutagen.id3 import ID3, CTOCFlags, PictureType
from mutagen.oggvorbis import OggVorbis
from mutagen.wave import WAVE

from generator.core import model
from generator.output import open_encoder
from generator.core.images import image_mime, image_size
from generator.output import write_tags
from generator.output.tags import GENRE, language_code
from generator.plan.timeline import Entry, SectionPlan, Timeline

RATE = 44_100


@pytest.fixture(autouse=True)
def _this_year(monkeypatch):
    """Tags carry the current year unless SOURCE_DATE_EPOCH says otherwise; start without it."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def make_timeline(**session_fields) -> Timeline:
    """Three sections with starts that do not fall on whole milliseconds."""
    fields = dict(
        title="Evening Relaxation for the Back",
        artist="Infinite Mind",
        album="Back Health",
        description="A short guided relaxation — for testing.",
        language="en",
    )
    fields.update(session_fields)
    session = model.Session(sections=(), path=Path("evening.yaml"), **fields)
    bounds = [0, 44_123, 97_777, 132_300]
    titles = ["Arriving", "Breathing — slowly", "Integration"]
    sections = tuple(
        SectionPlan(title, start, end, (Entry("say", start, end - 1_000, f"Words of {title}."),), model.Background())
        for title, start, end in zip(titles, bounds, bounds[1:])
    )
    return Timeline(session.title, bounds[-1], sections, (), session, RATE)


def png_bytes(width: int = 3, height: int = 2) -> bytes:
    """Enough of a PNG for tagging: the signature and an IHDR chunk."""
    return b"\x89PNG\r\n\x1a\n" + struct.pack(">I4sII5B", 13, b"IHDR", width, height, 8, 2, 0, 0, 0) + b"\0" * 8


def jpeg_bytes(width: int = 640, height: int = 480) -> bytes:
    """Enough of a JPEG for tagging: SOI, an APP0 segment, then SOF0 with the size."""
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\0" + b"\x01\x02\0\0\x01\0\x01\0\0"
    sof0 = b"\xff\xc0" + struct.pack(">HBHHB", 11, 8, height, width, 1) + b"\x01\x11\x00"
    return b"\xff\xd8" + app0 + sof0 + b"\xff\xd9"


def encode(path: Path, fmt: str, timeline: Timeline) -> None:
    t = np.arange(timeline.length) / RATE
    tone = (0.2 * np.sin(2 * np.pi * 330 * t)).astype(np.float32)
    encoder = open_encoder(path, fmt, rate=RATE, channels=2)
    encoder.write(np.stack([tone, tone], axis=1))
    encoder.close()


def expected_ms(samples: int) -> int:
    return round(samples * 1000 / RATE)


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_id3_tags_cover_and_chapters(tmp_path, fmt):
    timeline = make_timeline()
    cover = png_bytes()
    path = tmp_path / f"evening.{fmt}.part"  # the renderer tags a temporary name
    encode(path, fmt, timeline)
    write_tags(path, fmt, timeline, cover)

    tags = ID3(str(path)) if fmt == "mp3" else WAVE(str(path)).tags
    assert tags.version[:2] == (2, 4)
    assert tags["TIT2"].text == ["Evening Relaxation for the Back"]
    assert tags["TPE1"].text == ["Infinite Mind"]
    assert tags["TALB"].text == ["Back Health"]
    comments = tags.getall("COMM")
    assert [c.text for c in comments] == [["A short guided relaxation — for testing."]]
    assert comments[0].lang == "eng"
    assert str(tags["TDRC"].text[0]) == str(time.gmtime().tm_year)
    assert tags["TCON"].text == [GENRE]
    assert tags["TLAN"].text == ["eng"]
    (picture,) = tags.getall("APIC")
    assert picture.data == cover and picture.mime == "image/png" and picture.type == PictureType.COVER_FRONT

    chapters = sorted(tags.getall("CHAP"), key=lambda c: c.element_id)
    assert [c.element_id for c in chapters] == ["chp0", "chp1", "chp2"]
    for chapter, section in zip(chapters, timeline.sections):
        assert chapter.start_time == expected_ms(section.start)
        assert chapter.end_time == expected_ms(section.end)
        assert chapter.sub_frames["TIT2"].text == [section.title]
    (toc,) = tags.getall("CTOC")
    assert toc.flags & CTOCFlags.TOP_LEVEL and toc.flags & CTOCFlags.ORDERED
    assert toc.child_element_ids == ["chp0", "chp1", "chp2"]

    decoded, _ = sf.read(str(path), always_2d=True)  # still plays, to the sample
    assert decoded.shape == (timeline.length, 2)


def test_chapter_times_are_the_section_starts_to_the_millisecond(tmp_path):
    timeline = make_timeline()
    path = tmp_path / "evening.mp3"
    encode(path, "mp3", timeline)
    write_tags(path, "mp3", timeline, None)
    starts = [c.start_time for c in sorted(ID3(str(path)).getall("CHAP"), key=lambda c: c.element_id)]
    assert starts == [0, 1001, 2217]  # 44,123 and 97,777 samples at 44.1 kHz, rounded
    assert starts == [round(s.to_json()["start"] * 1000) for s in timeline.sections]


@pytest.mark.parametrize("fmt", ["flac", "ogg"])
def test_vorbis_comments_picture_and_chapters(tmp_path, fmt):
    timeline = make_timeline()
    cover = jpeg_bytes()
    path = tmp_path / f"evening.{fmt}"
    encode(path, fmt, timeline)
    write_tags(path, fmt, timeline, cover, cover_mime="image/jpeg")

    audio = FLAC(str(path)) if fmt == "flac" else OggVorbis(str(path))
    assert audio["TITLE"] == ["Evening Relaxation for the Back"]
    assert audio["ARTIST"] == ["Infinite Mind"]
    assert audio["ALBUM"] == ["Back Health"]
    assert audio["DESCRIPTION"] == audio["COMMENT"] == ["A short guided relaxation — for testing."]
    assert audio["DATE"] == [str(time.gmtime().tm_year)]
    assert audio["GENRE"] == [GENRE]
    assert audio["LANGUAGE"] == ["en"]
    assert audio["CHAPTER001"] == ["00:00:00.000"]
    assert audio["CHAPTER002"] == ["00:00:01.001"]
    assert audio["CHAPTER003"] == ["00:00:02.217"]
    assert [audio[f"CHAPTER00{i}NAME"][0] for i in (1, 2, 3)] == [s.title for s in timeline.sections]
    if fmt == "flac":
        (picture,) = audio.pictures
    else:
        (block,) = audio["METADATA_BLOCK_PICTURE"]
        picture = Picture(base64.b64decode(block))
    assert picture.data == cover and picture.mime == "image/jpeg" and picture.type == PictureType.COVER_FRONT
    assert (picture.width, picture.height) == (640, 480)
    decoded, _ = sf.read(str(path), always_2d=True)
    assert decoded.shape == (timeline.length, 2)


def test_missing_fields_and_cover_are_left_out(tmp_path):
    timeline = make_timeline(artist=None, album=None, description=None, language="xx")
    path = tmp_path / "bare.mp3"
    encode(path, "mp3", timeline)
    write_tags(path, "mp3", timeline, None)
    tags = ID3(str(path))
    for frame in ("TPE1", "TALB", "COMM", "APIC"):
        assert not tags.getall(frame), frame
    assert tags["TLAN"].text == ["und"]
    assert tags["TIT2"].text == ["Evening Relaxation for the Back"]


def test_a_mislabelled_cover_is_tagged_by_its_content(tmp_path):
    timeline = make_timeline()
    path = tmp_path / "evening.mp3"
    encode(path, "mp3", timeline)
    write_tags(path, "mp3", timeline, jpeg_bytes(), cover_mime="image/png")
    assert ID3(str(path)).getall("APIC")[0].mime == "image/jpeg"


def test_year_follows_source_date_epoch(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "946684800")  # 2000-01-01
    timeline = make_timeline()
    path = tmp_path / "evening.flac"
    encode(path, "flac", timeline)
    write_tags(path, "flac", timeline, None)
    assert FLAC(str(path))["DATE"] == ["2000"]


def test_helpers():
    assert language_code("en") == "eng" and language_code("de-AT") == "deu" and language_code("fra") == "fra"
    assert language_code("??") == "und"
    assert image_mime(png_bytes()) == "image/png" and image_mime(jpeg_bytes()) == "image/jpeg"
    assert image_mime(b"GIF89a", "image/gif") == "image/gif"
    assert image_size(png_bytes(1400, 1400)) == (1400, 1400)
    assert image_size(jpeg_bytes(300, 200)) == (300, 200)
    assert image_size(b"nothing") is None
    with pytest.raises(ValueError):
        write_tags(Path("x.aac"), "aac", make_timeline(), None)


def five_sections() -> Timeline:
    """Five sections whose titles shrink and grow, so frames sorted by size would be out of time order."""
    timeline = make_timeline()
    titles = ["A", "Breathing into the belly, slowly and gently", "Rest", "Integration of the whole body", "Closing"]
    bounds = [0, 30_000, 61_000, 90_500, 120_000, 150_000]
    sections = tuple(
        SectionPlan(title, start, end, (Entry("say", start, end - 1_000, f"Words of {title}."),), model.Background())
        for title, start, end in zip(titles, bounds, bounds[1:])
    )
    return Timeline(timeline.title, bounds[-1], sections, (), timeline.session, RATE)


def _ffprobe_chapters(path: Path) -> list[tuple[str, float, float]]:
    import json
    import subprocess

    out = subprocess.run(
        ["ffprobe", "-v", "error", "-print_format", "json", "-show_chapters", str(path)],
        check=True, capture_output=True, text=True,
    ).stdout
    return [(c["tags"]["title"], float(c["start_time"]), float(c["end_time"])) for c in json.loads(out)["chapters"]]


@pytest.mark.parametrize("fmt", ["mp3", "wav"])
def test_chap_frames_are_stored_in_time_order(tmp_path, fmt):
    timeline = five_sections()
    path = tmp_path / f"evening.{fmt}"
    encode(path, fmt, timeline)
    write_tags(path, fmt, timeline, png_bytes())
    data = path.read_bytes()
    # Frame IDs in file order: the CTOC before the chapters, then chp0..chp4, the picture last.
    ids = [data[at + 10 : at + 14] for at in range(len(data)) if data[at : at + 4] == b"CHAP"]
    assert ids == [b"chp0", b"chp1", b"chp2", b"chp3", b"chp4"]
    assert data.index(b"CTOC") < data.index(b"CHAP") < data.index(b"APIC")
    tags = ID3(str(path)) if fmt == "mp3" else WAVE(str(path)).tags
    assert [c.element_id for c in tags.getall("CHAP")] == ["chp0", "chp1", "chp2", "chp3", "chp4"]


@pytest.mark.skipif(shutil.which("ffprobe") is None, reason="no ffprobe (Debian: apt-get install ffmpeg)")
def test_ffprobe_lists_the_chapters_in_order_and_an_ffmpeg_remux_keeps_them(tmp_path):
    import subprocess

    timeline = five_sections()
    path = tmp_path / "evening.mp3"
    encode(path, "mp3", timeline)
    write_tags(path, "mp3", timeline, png_bytes())
    expected = [(s.title, expected_ms(s.start) / 1000, expected_ms(s.end) / 1000) for s in timeline.sections]
    probed = _ffprobe_chapters(path)
    assert [t for t, _, _ in probed] == [t for t, _, _ in expected]
    assert [x for _, a, b in probed for x in (a, b)] == pytest.approx([x for _, a, b in expected for x in (a, b)])
    for suffix in (".mka", ".m4a"):
        copy = tmp_path / f"converted{suffix}"
        codec = ["-c", "copy"] if suffix == ".mka" else ["-c:a", "aac", "-b:a", "64k"]
        subprocess.run(["ffmpeg", "-v", "error", "-i", str(path), "-vn", *codec, str(copy)], check=True)
        remuxed = _ffprobe_chapters(copy)
        assert [t for t, _, _ in remuxed] == [s.title for s in timeline.sections], suffix
        # Within the encoder's start padding, which a remux may subtract from every time.
        assert [a for _, a, _ in remuxed] == pytest.approx([a for _, a, _ in expected], abs=0.05), suffix


def test_a_placeholder_artist_is_warned_about(tmp_path):
    path = tmp_path / "evening.mp3"
    timeline = make_timeline(artist="Your practitioner")
    encode(path, "mp3", timeline)
    with pytest.warns(UserWarning, match="'Your practitioner', the templates' placeholder"):
        write_tags(path, "mp3", timeline, None)
    import warnings

    with warnings.catch_warnings():
        warnings.simplefilter("error")
        write_tags(path, "mp3", make_timeline(artist="Dr. Mei Lin"), None)  # a real name: no warning
