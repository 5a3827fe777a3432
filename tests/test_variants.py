"""`render --variants`: the softer and voice-only mixes, measured on the files written.

A short script with speech, a pause over a pink-noise bed and a bowl bell is rendered to
WAV (lossless, so the mixes can be compared sample for sample); then `publish` is shown
to offer the mixes on the page and to keep them out of the feed and out of the tracks.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
import soundfile as sf
from click.testing import CliRunner

from generator.core.audio import SAMPLE_RATE as RATE
from generator.cli import cli
from generator.publish import publish
from generator.pipeline.rendering import RenderOptions, render
from generator.output.variants import SOFTER_DB, variant_of, variant_path

SCRIPT = """
title: Mixes
background:
  fade_in: 0.5s
  fade_out: 0.5s
  duck: 6dB
  layers:
    - noise: pink
      volume: -20dB
sections:
  - title: One
    steps:
      - say: Breathe in slowly and let the shoulders soften.
      - pause: 6s
      - bell: bowl
      - pause: 2s
      - say: And rest.
"""


def rms_db(x: np.ndarray) -> float:
    return float(20 * np.log10(np.sqrt(np.mean(np.square(x, dtype=np.float64))) + 1e-20))


@pytest.fixture(scope="module")
def mixes(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, np.ndarray], object]:
    folder = tmp_path_factory.mktemp("variants")
    script = folder / "mixes.yaml"
    script.write_text(SCRIPT.lstrip(), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("MEDITATE_FAKE_TTS", "1")
        result = render(script, RenderOptions(output=folder / "mixes.wav", variants=True))
    audio = {name: sf.read(str(folder / f"mixes{name}.wav"), dtype="float64")[0] for name in ("", ".softer", ".voice")}
    return audio, result


def spans(result, kind: str) -> list[tuple[int, int]]:
    rate = result.timeline.rate
    return [(e.start * RATE // rate, e.end * RATE // rate) for e in result.timeline.entries() if e.kind == kind]


def test_the_bed_is_8_db_lower_in_softer_and_gone_in_voice_only(mixes) -> None:
    audio, result = mixes
    (pause_start, pause_end), _ = spans(result, "pause")
    # The middle of the first pause, clear of the voice's room tail: the bed alone.
    lo, hi = pause_start + RATE, pause_end - RATE // 2
    made, softer, voice = (rms_db(audio[n][lo:hi]) for n in ("", ".softer", ".voice"))
    print(f"\nbed in a pause: as made {made:.2f} dBFS, softer {softer:.2f}, voice only {voice:.2f}")
    assert made > -50
    assert made - softer == pytest.approx(-SOFTER_DB, abs=1.0)
    assert voice < made - 50  # no bed at all (what is left is the 16-bit floor)
    # The bell is still there in every mix, at the same level where it rings loudest.
    (bell_start, bell_end), = spans(result, "bell")
    strike = slice(bell_start, bell_start + RATE)
    levels = [rms_db(audio[n][strike]) for n in ("", ".softer", ".voice")]
    print(f"bell's first second: {', '.join(f'{v:.2f}' for v in levels)} dBFS")
    assert levels[2] > -40 and levels[0] - levels[2] < 1.0


def test_voice_and_bell_are_the_same_in_every_mix(mixes) -> None:
    """Whatever differs between the mixes is the bed and only the bed, scaled: softer minus
    voice-only is the bed at -8 dB, as made minus voice-only is the bed, so the first is
    the second times 10^(-8/20) to within the 16-bit rounding, in the voice's windows
    and everywhere else."""
    audio, result = mixes
    made, softer, voice = audio[""], audio[".softer"], audio[".voice"]
    assert made.shape == softer.shape == voice.shape
    factor = 10 ** (SOFTER_DB / 20)
    for lo, hi in spans(result, "say"):
        residual = (softer[lo:hi] - voice[lo:hi]) - factor * (made[lo:hi] - voice[lo:hi])
        assert rms_db(voice[lo:hi]) > -30  # the voice is there
        assert rms_db(residual) < rms_db(voice[lo:hi]) - 60, "the voice differs between the mixes"
        # The same loudness gain in all three: the voice's level agrees to a small fraction of a dB.
        assert abs(rms_db(made[lo:hi]) - rms_db(voice[lo:hi])) < 0.5
    residual = (softer - voice) - factor * (made - voice)
    assert rms_db(residual) < rms_db(made) - 60


def test_the_cli_names_the_mixes_and_publish_offers_them(mixes, tmp_path: Path, fake_tts, write_script) -> None:
    script = write_script(SCRIPT)
    out = tmp_path / "tracks"
    out.mkdir()
    run = CliRunner().invoke(cli, ["render", str(script), "-o", str(out / "mixes.mp3"), "--variants"])
    assert run.exit_code == 0, run.output
    assert sorted(p.name for p in out.iterdir()) == [
        "mixes.json", "mixes.mp3", "mixes.softer.mp3", "mixes.voice.mp3", "mixes.vtt"]
    assert variant_of(out / "mixes.softer.mp3") == ("mixes", "softer") and variant_of(out / "mixes.mp3") is None
    assert variant_path(out / "mixes.mp3", "voice") == out / "mixes.voice.mp3"

    site = publish(out, tmp_path / "site", base_url="https://example.org")
    assert site.tracks == 1  # the mixes are not tracks of their own
    items = ET.parse(site.feed).getroot().findall("./channel/item")
    assert [i.find("enclosure").get("url") for i in items] == ["https://example.org/media/mixes.mp3"]  # as made only
    page = site.page.read_text(encoding="utf-8")
    assert 'data-src="media/mixes.softer.mp3"' in page and 'data-src="media/mixes.voice.mp3"' in page
    for name in ("mixes.softer.mp3", "mixes.voice.mp3"):
        assert (site.root / "media" / name).read_bytes() == (out / name).read_bytes()


def test_publish_says_which_tracks_lack_the_other_mixes(tmp_path: Path) -> None:
    from test_publish import encode_mp3

    tracks = tmp_path / "tracks"
    tracks.mkdir()
    for name in ("evening.mp3", "evening.softer.mp3", "evening.voice.mp3", "morning.mp3"):
        encode_mp3(tracks / name, 2.0)
    site = publish(tracks, tmp_path / "site")
    assert site.tracks == 2
    lacking = [n for n in site.notes if "no softer or voice-only mix" in n]
    assert len(lacking) == 1 and "morning.mp3" in lacking[0] and "evening" not in lacking[0]
    assert "--variants" in lacking[0]
    page = site.page.read_text(encoding="utf-8")
    assert page.count('class="mixes"') == 1  # the choice only where there is one
