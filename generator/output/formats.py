"""The output formats: one table, one entry per format.

Everything the rest of the program asks about a format is in its entry: the suffix a
file gets, the MIME type a web page or a feed announces, whether the coding is lossy
(lossy tracks are limited a little under the true-peak ceiling, since decoding adds
peaks), how it is encoded and how it is tagged. The command line's `--format` choices,
the renderer, batch and publish all read this table; none of them names a format.

Adding a format is one entry here plus, where it needs code of its own, one encoder in
:mod:`generator.output.encoders` and one tagger in :mod:`generator.output.tags`.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from generator.core.audiotypes import AUDIO_TYPES
from generator.core.cores import available_cores
from generator.core.errors import InputError
import generator.output.encoders as encoders
import generator.output.tags as tags
from generator.output.encoders import Encoder
from generator.output.mp3frames import MPEG1_RATES
from generator.output.mp3segments import SegmentedMp3Encoder
from generator.core.suggest import did_you_mean

MP3_PEAK_MARGIN = 1.0
"""dB the limiter aims under the true-peak ceiling for MP3 (so -2 dBTP by default, as
loudness guides advise for lossy coding): coding adds about 0.2 to 0.9 dB of true peak (a
bed-heavy 30-minute session limited to -1.09 dBTP decoded from 128 kbps MP3 at -0.20, and
at -0.51 with half this margin), so the decoded track stays under the ceiling."""

OGG_PEAK_MARGIN = 1.5
"""The same for Ogg Vorbis, which overshoots more on the voice chain's bright consonants:
a short voice-and-bell track limited to -2 dBTP decoded at -0.86 dBTP (1.14 dB over), so
it aims at -2.5."""

Opener = Callable[..., Encoder]
"""(path, *, rate, channels, bitrate, vbr_quality) -> an open encoder."""

Tagger = Callable[..., None]
"""(path, timeline, cover bytes or None, cover MIME) -> None: tags the finished file."""


@dataclass(frozen=True)
class OutputFormat:
    """One output format and everything the program needs to know about it."""

    name: str
    suffix: str
    mime: str
    peak_margin: float
    """dB under the true-peak ceiling the limiter aims at, so the decoded file stays under
    it (0 for lossless formats)."""
    open: Opener
    tag: Tagger
    podcast_ready: bool
    """Whether every common podcast app plays it as an enclosure (MP3 does; OGG does not play in Apple Podcasts)."""

    @property
    def lossy(self) -> bool:
        return self.peak_margin > 0


def _mp3(path: Path, *, rate: int, channels: int, bitrate: int, vbr_quality: int | None) -> Encoder:
    """LAME on every core at MPEG-1 rates (segments spliced into one stream), one LAME below them."""
    if rate in MPEG1_RATES:
        return SegmentedMp3Encoder(
            path, rate=rate, channels=channels, bitrate=bitrate, vbr_quality=vbr_quality, workers=available_cores()
        )
    return encoders.Mp3Encoder(path, rate=rate, channels=channels, bitrate=bitrate, vbr_quality=vbr_quality)


def _soundfile(fmt: str) -> Opener:
    def open_soundfile(path: Path, *, rate: int, channels: int, bitrate: int, vbr_quality: int | None) -> Encoder:
        return encoders.SoundFileEncoder(path, fmt, rate=rate, channels=channels)

    return open_soundfile


def _type(suffix: str) -> tuple[str, str]:
    """A format's suffix and MIME type, as the audio types table (generator.core.audiotypes) has them."""
    return suffix, AUDIO_TYPES[suffix].mime


FORMATS: dict[str, OutputFormat] = {
    f.name: f
    for f in (
        OutputFormat("mp3", *_type(".mp3"), MP3_PEAK_MARGIN, _mp3, tags.tag_id3_file, podcast_ready=True),
        OutputFormat("wav", *_type(".wav"), 0.0, _soundfile("wav"), tags.tag_wave, podcast_ready=False),
        OutputFormat("flac", *_type(".flac"), 0.0, _soundfile("flac"), tags.tag_flac, podcast_ready=False),
        OutputFormat("ogg", *_type(".ogg"), OGG_PEAK_MARGIN, _soundfile("ogg"), tags.tag_ogg, podcast_ready=False),
    )
}
"""Every output format by name; the first is the default."""

DEFAULT_FORMAT = next(iter(FORMATS))


def output_format(name: str) -> OutputFormat:
    """The format called `name`, or an InputError that suggests the closest one."""

    fmt = FORMATS.get(name.lower())
    if fmt is None:
        raise InputError(f"unknown format '{name}'{did_you_mean(name, FORMATS)}; choose one of {', '.join(FORMATS)}")
    return fmt


def open_encoder(
    path: Path,
    fmt: str,
    *,
    rate: int = 44_100,
    channels: int = 2,
    bitrate: int = 128,
    vbr_quality: int | None = None,
) -> Encoder:
    """An encoder writing `fmt` to `path`. MP3 is CBR `bitrate` kbps, or VBR when `vbr_quality` (0 best .. 9) is given."""
    chosen = output_format(fmt)
    if channels not in (1, 2):
        raise InputError(f"channels must be 1 or 2, got {channels}")
    return chosen.open(Path(path), rate=rate, channels=channels, bitrate=bitrate, vbr_quality=vbr_quality)


def write_tags(path: Path, fmt: str, timeline, cover: bytes | None, cover_mime: str = "image/png") -> None:
    """Tag the finished file at `path` (format `fmt`, whatever its suffix) from the timeline's session."""
    chosen = FORMATS.get(fmt)
    if chosen is None:
        raise ValueError(f"cannot tag format {fmt!r}")
    chosen.tag(Path(path), timeline, cover, cover_mime)


def by_suffix(suffix: str) -> OutputFormat | None:
    """The format whose files end in `suffix` (`.mp3`), if any."""
    return next((f for f in FORMATS.values() if f.suffix == suffix.lower()), None)
