"""Every resource a script can ask for is bounded when it is loaded, before any synthesis.

Sound files whose header cannot be believed, too many layers, sections or includes, and
text the voice would have to speak in one breath are refused by `check` at their place,
or (long sentences) split into pieces the voice can take.
"""

from __future__ import annotations

import struct
from fractions import Fraction
from pathlib import Path

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.script import bounds, yamlnodes
from generator.core import model
from generator.cli import cli
from generator.load.loader import load_script
from generator.script.narration import split_narration


def run(*args: str):
    return CliRunner(mix_stderr=False).invoke(cli, list(args))


def one_hertz_wav(path: Path, frames: int = 40_000) -> Path:
    """An 80 kB WAV whose header says 1 Hz: 11 hours, some 14 GB once resampled."""
    data = b"\x00\x01" * frames
    fmt = struct.pack("<IHHIIHH", 16, 1, 1, 1, 2, 2, 16)
    path.write_bytes(b"RIFF" + struct.pack("<I", 36 + len(data)) + b"WAVEfmt " + fmt + b"data" + struct.pack("<I", len(data)) + data)
    return path


def script(tmp_path: Path, body: str, name: str = "s.yaml") -> Path:
    path = tmp_path / name
    path.write_text(body, encoding="utf-8")
    return path


def errors_of(path: Path) -> list[str]:
    result = run("check", str(path))
    assert result.exit_code == 2, result.stdout
    assert "Traceback" not in result.stderr
    return result.stderr.splitlines()


STEPS = "title: T\nsections:\n  - title: A\n    steps:\n"


@pytest.mark.parametrize("kind", ["play", "bell", "layer"])
def test_a_sound_file_claiming_one_hertz_is_refused_at_its_place(tmp_path, kind):
    one_hertz_wav(tmp_path / "tiny.wav")
    if kind == "layer":
        body = "title: T\nbackground:\n  layers:\n    - file: tiny.wav\nsections:\n  - title: A\n    steps:\n      - say: Hi.\n"
        where = "4:13"
    else:
        body = STEPS + f"      - {kind}: tiny.wav\n"
        where = "5:" + str(9 + len(kind) + 2)
    lines = errors_of(script(tmp_path, body))
    shown = str(tmp_path / "s.yaml")
    assert any(
        line.startswith(f"{shown}:{where}: error:") and "claims a sample rate of 1 Hz; sound files must be 8000 to 384000 Hz" in line
        for line in lines
    ), lines


def test_claims_are_checked_against_the_file_size():
    ok = bounds.SoundInfo(44_100, 2, 1000, 44 + 4000, 2)
    assert bounds.claim_problem(ok) is None
    assert "more than its 4044 bytes can hold" in bounds.claim_problem(bounds.SoundInfo(44_100, 2, 10**9, 4044, 2))
    assert "claims 64 channels" in bounds.claim_problem(bounds.SoundInfo(44_100, 64, 10, 10**6, 2))
    assert bounds.claim_problem(bounds.SoundInfo(44_100, 2, 10**9, 4044, None)) is None  # compressed: by length


def test_a_sound_file_longer_than_its_use_allows_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr(bounds, "MAX_STREAMED_SECONDS", 60)
    soundfile.write(tmp_path / "talk.wav", np.zeros(90 * 8_000, dtype=np.int16), 8_000, subtype="PCM_U8")
    lines = errors_of(script(tmp_path, STEPS + "      - play: talk.wav\n      - bell: talk.wav\n"))
    assert any(":5:15: error: play file 'talk.wav' lasts 1m30s; a play file may last at most 1m00s" in line for line in lines), lines
    assert any(":6:15: error: bell file 'talk.wav' lasts 1m30s; a bell file may last at most 1m00s; a longer sound can be played with play" in line for line in lines), lines
    assert bounds.length_problem("play", Fraction(601), streamed=False).endswith("when only ffmpeg can read it; save it as WAV or FLAC")
    assert bounds.length_problem("layer", Fraction(60)) is None
    assert bounds.length_problem("layer", Fraction(61)) == "lasts 1m01s; a layer file may last at most 1m00s"


def test_too_many_layers_are_refused(tmp_path):
    eight = "".join("    - noise: pink\n" for _ in range(bounds.MAX_LAYERS_PER_BACKGROUND + 1))
    lines = errors_of(script(tmp_path, "title: T\nbackground:\n  layers:\n" + eight + "sections:\n  - title: A\n    steps:\n      - say: Hi.\n"))
    assert any(":4:5: error: a background may have at most 8 layers, this one has 9" in line for line in lines), lines
    sections = "".join(
        f"  - title: S{i}\n    background:\n      layers:\n" + "        - noise: brown\n" * 6 + "    steps:\n      - say: Hi.\n"
        for i in range(3)
    )
    lines = errors_of(script(tmp_path, "title: T\nsections:\n" + sections, "many.yaml"))
    assert any("the script's backgrounds have 18 layers so far; at most 16 in all" in line for line in lines), lines


def test_more_sections_than_a_chapter_list_holds_are_refused_by_check(tmp_path):
    def sections(n: int) -> str:
        return "title: T\nsections:\n" + "".join(f"  - title: S{i}\n    steps:\n      - pause: 1s\n" for i in range(n))

    assert run("check", str(script(tmp_path, sections(bounds.MAX_SECTIONS), "ok.yaml"))).exit_code == 0
    lines = errors_of(script(tmp_path, sections(bounds.MAX_SECTIONS + 1)))
    assert lines == [f"{tmp_path / 's.yaml'}:3:3: error: a script may have at most 255 sections (a track's chapter list holds no more), this one has 256"]


def test_an_include_reached_through_aliases_is_refused_after_a_bounded_number_of_reads(tmp_path, monkeypatch):
    """Nine aliases a level, five levels: 59,049 includes from a 512-byte script. The
    refusal reads the included file at most MAX_INCLUDES times (a bound on work, not time)."""
    (tmp_path / "inc.yaml").write_text("steps:\n  - pause: 1s\n")
    lines = ["title: T", "sections:", "  - title: A", "    steps:", "      - &s0 {include: inc.yaml}"]
    for level in range(1, 6):
        inner = ", ".join([f"*s{level - 1}"] * 9)
        lines.append(f"      - &s{level} {{repeat: {{times: 1, steps: [{inner}]}}}}")
    path = script(tmp_path, "\n".join(lines) + "\n")
    reads: list[Path] = []
    real = yamlnodes.compose

    def counting(file, shown, errors):
        reads.append(file)
        return real(file, shown, errors)

    monkeypatch.setattr("generator.load.loader.compose", counting)
    with pytest.raises(Exception) as caught:
        load_script(path)
    assert "reaches more than 500 includes (repeats and aliases counted)" in str(caught.value)
    assert len(reads) <= bounds.MAX_INCLUDES + 1


def test_a_long_sentence_is_split_at_commas_then_spaces():
    voice = model.Voice()
    clause = "breathing slowly and gently into the belly"
    text = ", ".join([clause] * 12) + "."
    parts, problems = split_narration(text, voice)
    assert problems == []
    said = [p.text for p in parts if isinstance(p, model.Utterance)]
    assert len(said) > 1 and all(len(s) <= bounds.MAX_UTTERANCE_CHARS for s in said)
    assert all(s.endswith(",") for s in said[:-1])  # cut after a comma
    assert " ".join(said).split() == text.split()
    gaps = [p.seconds for p in parts if isinstance(p, model.Gap)]
    assert gaps == [bounds.CLAUSE_PAUSE] * (len(said) - 1)
    unpunctuated = " ".join(["and breathing"] * 200)
    said = [p.text for p in split_narration(unpunctuated, voice)[0] if isinstance(p, model.Utterance)]
    assert all(len(s) <= bounds.MAX_UTTERANCE_CHARS for s in said) and " ".join(said) == unpunctuated


def test_a_word_longer_than_the_voice_takes_is_refused_at_its_place(tmp_path):
    lines = errors_of(script(tmp_path, STEPS + "      - say: Now " + "a" * 300 + "\n"))
    assert lines == [f"{tmp_path / 's.yaml'}:5:18: error: a word of 300 characters without a space; the voice takes at most 150 at once"]


def test_a_breathing_word_is_bounded_too(tmp_path):
    body = STEPS + "      - breathe: {pattern: box, cycles: 1, words: {inhale: " + "in " * 100 + "}}\n"
    lines = errors_of(script(tmp_path, body))
    assert any("the inhale word is 299 characters long; at most 150" in line for line in lines), lines


@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=st.sampled_from("ab ,;:—."), max_size=2000), st.integers(20, 300))
def test_pieces_never_exceed_the_limit_and_keep_every_word(text, limit):
    flat = " ".join(text.split())
    cut = bounds.pieces(flat, limit)
    if cut is None:
        assert any(len(word) > limit for word in flat.split())
        return
    assert all(0 < len(piece) <= limit for piece in cut)
    assert " ".join(cut).split() == flat.split()


def test_the_total_of_sound_files_is_bounded(tmp_path, monkeypatch):
    monkeypatch.setattr(bounds, "MAX_AUDIO_SECONDS", 1)
    for name in ("a.wav", "b.wav"):
        soundfile.write(tmp_path / name, np.zeros(30_000, dtype=np.float32), 44_100)
    lines = errors_of(script(tmp_path, STEPS + "      - play: a.wav\n      - play: b.wav\n"))
    assert any(":6:15: error: play file 'b.wav' brings the script's sound files to 0:01.4" in line for line in lines), lines


def test_sound_seconds_are_exact():
    assert bounds.SoundInfo(8_000, 1, 12_000, 12_044, 1).seconds == Fraction(3, 2)
