"""Every container the product reads (WAV, AIFF, FLAC, OGG, MP3; 16 and 24 bit where the
container has a bit depth; mono and stereo) works as a background layer, a `bell` and a
`play`, and is heard in the track.

Only uncompressed containers are held to the forged-length check (frames times sample
width must fit in the file): FLAC reports its decoded width as its subtype, so a genuine
20-second FLAC was once refused as "damaged".
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner

from generator.script import bounds
from generator.cli import cli

RATE = 44_100
TONES = {"layer": 440.0, "bell": 660.0, "play": 990.0}
"""Each use gets its own tone, so each can be found in the track by its frequency."""

CONTAINERS = [  # (suffix, libsndfile format, subtype)
    ("wav", "WAV", "PCM_16"), ("wav", "WAV", "PCM_24"),
    ("aiff", "AIFF", "PCM_16"), ("aiff", "AIFF", "PCM_24"),
    ("flac", "FLAC", "PCM_16"), ("flac", "FLAC", "PCM_24"),
    ("ogg", "OGG", "VORBIS"), ("mp3", "MP3", "MPEG_LAYER_III"),
]


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(cli, list(args))


def tone(path: Path, frequency: float, seconds: float, channels: int, fmt: str, subtype: str) -> Path:
    """A real sound file: a sine at `frequency`, written by libsndfile in `fmt`/`subtype`."""
    t = np.arange(int(seconds * RATE)) / RATE
    wave = (0.3 * np.sin(2 * np.pi * frequency * t)).astype(np.float32)
    samples = wave if channels == 1 else np.stack([wave, 0.8 * wave], axis=1)
    soundfile.write(path, samples, RATE, format=fmt, subtype=subtype)
    return path


def peak_over_floor_db(segment: np.ndarray, frequency: float) -> float:
    """How far the spectrum's peak near `frequency` stands above its median (dB)."""
    mono = segment.mean(axis=1) if segment.ndim > 1 else segment
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(len(mono))))
    freqs = np.fft.rfftfreq(len(mono), 1 / RATE)
    near = spectrum[(freqs > frequency - 3) & (freqs < frequency + 3)]
    return float(20 * np.log10(near.max() / np.median(spectrum)))


SCRIPT = """title: Containers
background:
  layers:
    - file: layer.{suffix}
sections:
  - title: A
    steps:
      - say: Hello.
      - bell: bell.{suffix}
      - play: play.{suffix}
      - say: Done.
"""


@pytest.mark.parametrize("channels", [1, 2])
@pytest.mark.parametrize(("suffix", "fmt", "subtype"), CONTAINERS)
def test_each_container_is_heard_as_layer_bell_and_play(tmp_path, fake_tts, suffix, fmt, subtype, channels):
    for use, frequency in TONES.items():
        tone(tmp_path / f"{use}.{suffix}", frequency, 6.0, channels, fmt, subtype)
    script = tmp_path / "s.yaml"
    script.write_text(SCRIPT.format(suffix=suffix), encoding="utf-8")
    out = tmp_path / "out.wav"
    result = run("render", str(script), "-o", str(out), "--no-sidecars")
    assert result.exit_code == 0, result.stderr
    steps = json.loads(run("plan", "--json", str(script)).stdout)["sections"][0]["steps"]
    windows = {step["kind"]: (step["start"], step["end"]) for step in steps if step["kind"] in ("bell", "play")}
    samples, rate = soundfile.read(out)
    assert rate == RATE
    for use, (start, end) in windows.items():
        segment = samples[int((start + 0.2) * RATE) : int((end - 0.2) * RATE)]
        other = "play" if use == "bell" else "bell"
        own = peak_over_floor_db(segment, TONES[use])
        assert own > 60, (use, "not heard in its own window")
        assert peak_over_floor_db(segment, TONES["layer"]) > 40, (use, "the layer is not heard under it")
        assert peak_over_floor_db(segment, TONES[other]) < own - 50, (use, f"the {other} leaks into this window")
        assert end - start == pytest.approx(6.0, abs=0.01)


@pytest.mark.parametrize("subtype", ["PCM_16", "PCM_24"])
def test_a_twenty_second_flac_recording_is_accepted_in_every_use(tmp_path, subtype):
    """The reported case: 882,000 frames in far fewer bytes than 882,000 PCM samples take."""
    for use, frequency in TONES.items():
        path = tone(tmp_path / f"{use}.flac", frequency, 20.0, 1, "FLAC", subtype)
        assert path.stat().st_size < 882_000 * int(subtype[-2:]) // 8  # compressed below its PCM size
    script = tmp_path / "s.yaml"
    script.write_text(SCRIPT.format(suffix="flac"), encoding="utf-8")
    result = run("check", str(script))
    assert result.exit_code == 0, result.stderr
    assert "damaged" not in result.stderr


@pytest.mark.parametrize(("suffix", "fmt", "subtype", "checked"), [
    ("wav", "WAV", "PCM_16", True), ("wav", "WAV", "PCM_24", True), ("wav", "WAV", "FLOAT", True),
    ("aiff", "AIFF", "PCM_16", True), ("aiff", "AIFF", "PCM_24", True),
    ("flac", "FLAC", "PCM_16", False), ("flac", "FLAC", "PCM_24", False),
    ("ogg", "OGG", "VORBIS", False), ("mp3", "MP3", "MPEG_LAYER_III", False),
])
def test_only_uncompressed_containers_are_held_to_their_size(tmp_path, suffix, fmt, subtype, checked):
    info = bounds.sound_info(tone(tmp_path / f"t.{suffix}", 440.0, 1.0, 2, fmt, subtype))
    assert info is not None and info.frames > 0
    widths = {"PCM_16": 2, "PCM_24": 3, "FLOAT": 4}
    assert info.pcm_bytes == (widths[subtype] if checked else None)
    assert bounds.claim_problem(info) is None


def test_a_wav_whose_header_claims_more_than_its_bytes_is_still_refused(tmp_path, monkeypatch):
    """libsndfile trims a WAV's data length to the file today; should it ever believe the
    header, the forged length is still refused at its place in the script."""
    path = tone(tmp_path / "forged.wav", 440.0, 1.0, 1, "WAV", "PCM_16")
    real_info = soundfile.info

    class Forged:
        def __init__(self, name: str):
            info = real_info(name)
            self.samplerate, self.channels, self.format, self.subtype = info.samplerate, info.channels, info.format, info.subtype
            self.frames = info.frames * 1000 if name.endswith("forged.wav") else info.frames

    monkeypatch.setattr(soundfile, "info", Forged)
    script = tmp_path / "s.yaml"
    script.write_text("title: T\nsections:\n  - title: A\n    steps:\n      - say: Hi.\n      - play: forged.wav\n", encoding="utf-8")
    result = run("check", str(script))
    assert result.exit_code == 2
    size = path.stat().st_size
    assert f"{script}:6:15: error: play file 'forged.wav' claims 44100000 frames, more than its {size} bytes can hold; the file is damaged" in result.stderr
