"""Built-in bell strikes are read from disk a block at a time, and sound exactly as the
whole arrays did; the mixer keeps only recent made sounds, and makes bells before its passes.

Each comparison is to the sample: the strike read in blocks against the levelled array,
with the fade where the track's end cuts it, the placement's gain and its planned length.
The memory test reads the peak resident set of child renders (no clock is read).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from generator.core import model
from generator.core.audio import db_to_gain
from generator.core.errors import Position
from generator.kinds.placing import BellStrike
from generator.kinds.steps.bell import bell_sound
from generator.mix.mixer import _Kept
from generator.sources import bells
from generator.sources.strikes import StrikeSource
from tests.childmem import peak

HERE = Position("test.yaml", 1, 1)


class _Context:
    base_dir = Path(".")
    speech = None

    def cached(self, key, make):
        return make()


def _array_path(samples: np.ndarray, cut: int | None, gain_db: float, length: int) -> np.ndarray:
    """The strike as the mixer made it from the whole array (bell_sound's fade, then the gain)."""
    if cut is not None and cut < samples.shape[0]:
        samples = samples[:cut].copy()
        fade = min(cut // 2, 44_100)
        if fade > 1:
            samples[cut - fade :] *= (0.5 + 0.5 * np.cos(np.linspace(0, np.pi, fade))).astype(np.float32)[:, None]
    gain = db_to_gain(gain_db)
    return samples[:length] * gain if gain != 1.0 else samples[:length]


def _read_in_blocks(source, total: int, block: int) -> np.ndarray:
    return np.concatenate([source.render(start, block) for start in range(0, total, block)])[:total]


@pytest.mark.parametrize(
    "cut, gain_db, length",
    [
        (None, 0.0, 10**9),  # whole, as made
        (None, -6.0, 10**9),  # at a placement's gain
        (150_000, -3.5, 10**9),  # the track ends mid-ring: the last second fades
        (50_000, 0.0, 40_000),  # cut short and planned shorter still
        (3, 0.0, 10**9),  # too short to fade
    ],
)
def test_a_strike_read_from_disk_is_the_array_to_the_sample(cut, gain_db, length):
    strike = BellStrike(model.Bell("chime", HERE), index=2, cut=cut)
    whole = bells.bell_clip(strike.bell, Path("."), 2)
    expected = _array_path(whole, cut, gain_db, length)
    source = bell_sound(strike, _Context())
    assert isinstance(source, StrikeSource)
    placed = source.placed(gain_db, length)
    assert len(placed) == expected.shape[0]
    for block in (4096, 32_768, 7):  # block edges anywhere, the fade's start included
        if block == 7 and expected.shape[0] > 1000:
            got = np.concatenate([placed.render(s, 7) for s in range(len(placed) - 700, len(placed), 7)])
            np.testing.assert_array_equal(got, expected[len(placed) - 700 :])
            continue
        np.testing.assert_array_equal(_read_in_blocks(placed, len(placed), block), expected)
    assert not placed.render(len(placed), 100).any()  # silent past its end


def test_a_file_bell_stays_an_array(tmp_path):
    import soundfile as sf

    t = np.arange(22_050) / 44_100
    sf.write(tmp_path / "ding.wav", 0.3 * np.sin(2 * np.pi * 880 * t) * np.exp(-4 * t), 44_100)
    context = _Context()
    context.base_dir = tmp_path
    sound = bell_sound(BellStrike(model.Bell("ding.wav", HERE)), context)
    assert isinstance(sound, np.ndarray) and sound.shape == (22_050, 2)


def test_the_mixer_lets_go_of_the_oldest_arrays_beyond_its_budget():
    kept = _Kept(budget=3 * 8000)
    made = []

    def make(n):
        def _make():
            made.append(n)
            return np.zeros((1000, 2), dtype=np.float32)  # 8000 bytes

        return _make

    disk = object()  # a clip on disk: small, always kept
    assert kept.get("disk", lambda: disk) is disk
    for n in range(5):
        kept.get(n, make(n))
    assert made == [0, 1, 2, 3, 4]
    kept.get(4, make(4))
    kept.get(2, make(2))
    assert made == [0, 1, 2, 3, 4]  # the latest three are still there
    kept.get(0, make(0))
    assert made == [0, 1, 2, 3, 4, 0]  # the oldest was let go
    assert kept.get("disk", lambda: None) is disk
    big = _Kept(budget=10)
    first = big.get("big", make(9))
    assert big.get("big", make(9)) is first  # the newest stays whatever its size


def test_bells_are_made_before_the_passes(tmp_path, monkeypatch):
    from generator.mix.mixer import Mixer
    from generator.pipeline.planning import plan_timeline
    from generator.load.loader import load_script
    from generator.voice.bank import SpeechBank

    script = tmp_path / "bells.yaml"
    script.write_text(
        "title: Bells\nsections:\n  - title: One\n    steps:\n"
        "      - bell: {sound: chime, strikes: 3}\n      - say: Rest here.\n      - bell: gong\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("MEDITATE_FAKE_TTS", "1")
    bells._builtin_on_disk.cache_clear()
    made: list[tuple[str, int]] = []
    real = bells.synthesize
    monkeypatch.setattr(bells, "synthesize", lambda design, index: made.append((design.seed, index)) or real(design, index))
    speech = SpeechBank(tmp_path / "cache")
    timeline = plan_timeline(load_script(script), speech)
    mixer = Mixer(timeline, speech)
    heard: list[tuple[str, int, int]] = []
    mixer.make_ahead(lambda stage, done, total: heard.append((stage, done, total)))
    assert len(made) == 4  # three chimes and a gong
    assert heard == [("sounds", done, 4) for done in range(1, 5)]
    for _ in mixer.blocks():
        pass
    assert len(made) == 4  # the passes only read them


def _peak_mb(tmp_path: Path, strikes: int) -> float:
    script = tmp_path / f"strikes-{strikes}.yaml"
    script.write_text(
        "title: Strikes\nsections:\n  - title: One\n    steps:\n      - say: Listen.\n"
        + "      - bell: gong\n      - pause: 2s\n" * strikes,
        encoding="utf-8",
    )
    code, megabytes, err = peak(["render", script.name, "-o", f"strikes-{strikes}.wav", "--cache-dir", "cache"], tmp_path)
    assert code == 0, err[-2000:]
    return megabytes


@pytest.mark.slow
def test_memory_does_not_grow_with_the_strikes(tmp_path):
    """Each gong strike is 9 MB as an array: held by the mixer (the last six besides), 14 strikes
    peaked 46 MB above 2 strikes; read from disk, 7 MB under."""
    few = _peak_mb(tmp_path, 2)
    many = _peak_mb(tmp_path, 14)
    assert many <= few + 20, f"2 gong strikes: {few:.0f} MB, 14: {many:.0f} MB"
