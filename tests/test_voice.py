"""The voice: pronunciations, phrasing, the voice chain, the room, trimming, dither and `say`.

These use the fake engine (fast) or no engine at all; tests/test_voice_piper.py measures
the real voice.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile
from click.testing import CliRunner
from scipy.signal import butter, sosfiltfilt

from generator.core.audio import SAMPLE_RATE, trim_silence
from generator.cli import cli
from generator.voice.pronounce import BUILTIN, spoken_text
from generator.voice.delivery import clauses

RATE = SAMPLE_RATE


def run(*args: str):
    return CliRunner().invoke(cli, list(args))


def db(x: np.ndarray) -> float:
    rms = float(np.sqrt(np.mean(np.square(x, dtype=np.float64)))) if x.size else 0.0
    return 20 * np.log10(rms) if rms > 0 else -200.0


def band(x: np.ndarray, low: float, high: float) -> np.ndarray:
    sos = butter(4, [low, high], btype="bandpass", fs=RATE, output="sos")
    return sosfiltfilt(sos, x)


# --- pronunciations -------------------------------------------------------------------------


def test_builtin_terms_are_replaced_on_whole_words_ignoring_case():
    said = spoken_text("Feel the qi in the lower DANTIAN; Qigong, Wei Qi and Chimney.")
    assert "[[tʃˈiː]]" in said and "[[dˈɑːntjˌɛn;]]" in said  # punctuation moves inside the brackets
    assert "[[tʃˈiːɡˌʌŋ,]]" in said  # Qigong is its own word, not Qi + gong
    assert "[[wˈeɪ tʃˈiː]]" in said  # the two-word term before the one-word one
    assert "Chimney" in said  # never inside another word


def test_inline_phonemes_are_left_alone_and_overrides_win():
    assert spoken_text("[[kˈaɪ]] and Qi", [("qi", "kee")]) == "[[kˈaɪ]] and kee"
    assert spoken_text("Yongquan", [("Yongquan", "[[jˈʊŋ]]")]) == "[[jˈʊŋ]]"


def test_a_text_only_engine_gets_respellings():
    assert spoken_text("Qigong and the Dantian.", phonemes=False) == "chee gung and the dahn tyen."
    assert spoken_text("Baihui", [("Baihui", "[[bˈaɪ]]")], phonemes=False) == "bye hway"


EXPECTED = {
    "Qi": "tʃˈiː", "Chi": "tʃˈiː", "Qigong": "tʃˈiːɡˌʌŋ", "Dantian": "dˈɑːntjˌɛn", "Tan Tien": "dˈɑːn tjˌɛn",
    "Laogong": "lˈaʊɡˌɔŋ", "Baihui": "bˈaɪhwˌeɪ", "Yongquan": "jˈɔŋtʃwˌɛn", "Huiyin": "hwˈeɪjˌɪn",
    "Mingmen": "mˈɪŋmˌʌn", "Taiji": "tˈaɪdʒˌiː", "Daoyin": "dˈaʊjˌɪn", "Zhan Zhuang": "dʒˈɑːn dʒwˈɑːŋ",
    "Wei Qi": "wˈeɪ tʃˈiː", "Xu": "ʃˈuː",
}
"""What a practitioner says, in espeak's IPA: chee, chee gung, dahn tyen, lao gong, bye hway ..."""


def test_say_phonemes_speaks_every_builtin_term_as_a_practitioner_does():
    text = ", ".join(f"the {term}" for term in EXPECTED) + "."
    result = run("say", text, "--phonemes")
    assert result.exit_code == 0, result.output
    line = result.output.strip()
    assert "\n" not in line
    spoken = [clause.strip().rstrip(",.").strip() for clause in line.split("|")]
    assert len(spoken) == len(EXPECTED)
    for (term, phonemes), clause in zip(EXPECTED.items(), spoken):
        assert clause.endswith(phonemes), (term, clause)
    assert set(EXPECTED) <= set(BUILTIN)


def test_say_phonemes_follows_the_scripts_pronounce_and_inline_phonemes(write_script):
    script = write_script(
        """
        title: T
        pronounce:
          Dantian: "[[dˈæntiən]]"
        sections:
          - title: A
            steps:
              - say: Hello.
        """
    )
    result = run("say", "[[kˈaɪ]] Qi in the Dantian", "--phonemes", "--script", str(script))
    assert result.exit_code == 0, result.output
    assert "kˈaɪ" in result.output and "tʃˈiː" in result.output and "dˈæntiən" in result.output
    missing = run("say", "Dantian", "--phonemes", "--script", "nonexistent.yaml")
    assert missing.exit_code == 2 and "Traceback" not in missing.output


def test_pronounce_overrides_in_a_script_and_captions_keep_the_word(tmp_path, write_script, fake_tts):
    script = write_script(
        """
        title: Words
        pronounce:
          Qigong: chee gung gung gung gung gung gung
        room: off
        sections:
          - title: A
            steps:
              - say: We practise Qigong.
        """
    )
    plain = write_script(
        """
        title: Words
        room: off
        sections:
          - title: A
            steps:
              - say: We practise Qigong.
        """,
        "plain.yaml",
    )
    out, plain_out = tmp_path / "w.wav", tmp_path / "p.wav"
    assert run("render", str(script), "-o", str(out)).exit_code == 0
    assert run("render", str(plain), "-o", str(plain_out)).exit_code == 0
    plan = json.loads(out.with_suffix(".json").read_text())
    plain_plan = json.loads(plain_out.with_suffix(".json").read_text())
    say = plan["sections"][0]["steps"][0]
    assert say["text"] == "We practise Qigong."
    assert "We practise Qigong." in out.with_suffix(".vtt").read_text()
    # The fake engine's length follows the text it reads: the longer respelling was spoken.
    assert say["end"] - say["start"] > plain_plan["sections"][0]["steps"][0]["end"] + 0.5


def test_pronounce_and_room_errors_name_their_place(write_script):
    script = write_script(
        """
        title: T
        pronounce:
          Qigong: chee gung
          "1x": y
          bad: "[[x"
        room: {size: hal, mix: 3dB}
        sections:
          - title: A
            steps:
              - say: Hello.
        """
    )
    result = run("check", str(script))
    assert result.exit_code == 2
    lines = result.output.strip().splitlines()
    assert any(":4:3: error: pronounce: '1x'" in line for line in lines)
    assert any(":5:8: error: pronounce: phonemes for 'bad'" in line for line in lines)
    assert any(":6:14: error: unknown room size 'hal' (did you mean 'hall'?)" in line for line in lines)
    assert any(":6:24: error: room mix must be at most 0dB" in line for line in lines)


# --- phrasing -----------------------------------------------------------------------------


def test_clauses_split_at_commas_and_breaks_but_not_inside_phonemes():
    assert clauses("Welcome, friend.") == [("Welcome,", 0.30), ("friend.", 0.0)]
    assert [c for c, _ in clauses("Relax: the forehead, the jaw — and rest.")] == ["Relax:", "the forehead,", "the jaw,", "and rest."]
    assert clauses("[[tʃˈiː, x]] flows") == [("[[tʃˈiː, x]] flows", 0.0)]
    assert [c for c, _ in clauses("the [[dˈɑːn;]] and more")] == ["the [[dˈɑːn;]]", "and more"]
    assert clauses("1,000 breaths") == [("1,000 breaths", 0.0)]


def test_a_comma_is_a_pause_inside_one_say_entry(tmp_path, write_script, fake_tts):
    script = write_script(
        """
        title: T
        room: off
        sections:
          - title: A
            steps:
              - say: Let the shoulders soften, and rest here.
        """
    )
    out = tmp_path / "c.wav"
    assert run("render", str(script), "-o", str(out)).exit_code == 0
    plan = json.loads(out.with_suffix(".json").read_text())
    says = [e for e in plan["sections"][0]["steps"] if e["kind"] == "say"]
    assert len(says) == 1
    audio, rate = soundfile.read(out)
    mono = audio.mean(axis=1)[int(says[0]["start"] * rate) : int(says[0]["end"] * rate)]
    frames = mono[: mono.size // 441 * 441].reshape(-1, 441)  # 10 ms frames
    quiet = np.array([db(f) for f in frames]) < db(mono) - 40
    runs = np.diff(np.flatnonzero(np.diff(np.concatenate([[0], quiet.astype(int), [0]]))))[::2]
    assert runs.max() >= 22  # a silence of at least 220 ms in the middle of the sentence


# --- the voice chain ------------------------------------------------------------------------


def speechlike(seconds: float, seed: int = 1) -> np.ndarray:
    rng = np.random.default_rng(seed)
    t = np.arange(int(seconds * RATE)) / RATE
    voiced = sum(np.sin(2 * np.pi * 140 * k * t) / k for k in range(1, 20))
    return (0.1 * voiced * (0.6 + 0.4 * np.sin(2 * np.pi * 4 * t) ** 2) + 0.003 * rng.standard_normal(t.size)).astype(np.float32)


def test_chain_high_pass_removes_rumble():
    from generator.voice.delivery import finish

    t = np.arange(2 * RATE) / RATE
    x = speechlike(2.0) + (0.1 * np.sin(2 * np.pi * 40 * t)).astype(np.float32)
    y = finish(x)
    before = db(band(x, 20, 60)) - db(band(x, 200, 3000))
    after = db(band(y, 20, 60)) - db(band(y, 200, 3000))
    assert after < before - 10


def test_de_esser_turns_down_a_sibilant_burst_only():
    from generator.voice.chain import de_ess

    rng = np.random.default_rng(5)
    x = speechlike(2.0)
    burst = slice(int(0.9 * RATE), int(1.1 * RATE))
    hiss = band(rng.standard_normal(burst.stop - burst.start), 5000, 9000)
    x[burst] += (0.3 * hiss / np.max(np.abs(hiss))).astype(np.float32)
    y = de_ess(x)
    assert db(band(y[burst], 5000, 9000)) < db(band(x[burst], 5000, 9000)) - 4
    calm = slice(int(0.2 * RATE), int(0.7 * RATE))
    assert abs(db(y[calm]) - db(x[calm])) < 0.2


def test_chain_keeps_length_and_level():
    from generator.core.audio import VOICE_RMS_DB
    from generator.voice.delivery import finish

    x = speechlike(1.5)
    y = finish(x)
    assert y.shape == x.shape
    assert abs(db(y) - VOICE_RMS_DB) < 1.5


# --- the room -------------------------------------------------------------------------------

ROOM_SCRIPT = """
title: Room
{room}
sections:
  - title: A
    steps:
      - say: Welcome, and let your eyes gently close.
      - pause: 2s
      - say: Rest in this stillness.
      - pause: 2s
"""


def tails(tmp_path, write_script, room: str) -> list[float]:
    """The voice-band level 50 to 250 ms after each sentence, in dB against the sentence."""
    script = write_script(ROOM_SCRIPT.format(room=room), f"room-{len(room)}.yaml")
    out = tmp_path / f"room-{len(room)}.wav"
    result = run("render", str(script), "-o", str(out))
    assert result.exit_code == 0, result.output
    audio, rate = soundfile.read(out)
    voice = band(audio.mean(axis=1), 150, 5000)
    plan = json.loads(out.with_suffix(".json").read_text())
    levels = []
    for entry in plan["sections"][0]["steps"]:
        if entry["kind"] == "say":
            start, end = int(entry["start"] * rate), int(entry["end"] * rate)
            levels.append(db(voice[end + int(0.05 * rate) : end + int(0.25 * rate)]) - db(voice[start:end]))
    return levels


def test_the_default_room_rings_on_after_each_sentence_and_off_is_dry(tmp_path, write_script, fake_tts):
    room = tails(tmp_path, write_script, "")
    dry = tails(tmp_path, write_script, "room: off")
    assert all(-40 <= level <= -25 for level in room), room
    assert all(level < -60 for level in dry), dry


def test_a_larger_room_rings_longer(tmp_path, write_script, fake_tts):
    small = tails(tmp_path, write_script, "room: small")
    hall = tails(tmp_path, write_script, "room: {size: hall, mix: -18dB}")
    assert min(hall) > max(small)


def test_room_windows_are_exact(write_script, fake_tts):
    """A window rendered on its own equals that stretch of the whole track (tails included)."""
    from generator.mix.mixer import Mixer
    from generator.load.loader import load_script as load
    from generator.pipeline.rendering import plan_timeline
    from generator.voice.bank import SpeechBank

    session = load(write_script(ROOM_SCRIPT.format(room="room: medium")))
    speech = SpeechBank()
    timeline = plan_timeline(session, speech)
    whole = np.concatenate(list(Mixer(timeline, speech).blocks()))
    cut = timeline.entries()[0].end + 2000  # inside the first sentence's tail
    part = np.concatenate(list(Mixer(timeline, speech).blocks(cut, cut + 30000)))
    assert np.abs(whole[cut : cut + 30000] - part).max() < 1e-6
    assert db(part[:4410]) > -80  # and the tail is really there


# --- trimming and dither --------------------------------------------------------------------


def test_trimming_keeps_a_word_tail_at_minus_50_db():
    from generator.voice.base import TRIM_KEEP_MS, TRIM_THRESHOLD_DB

    t = np.arange(RATE) / RATE
    word = np.sin(2 * np.pi * 200 * t[: RATE // 2]).astype(np.float32)
    tail = (10 ** (-50 / 20) * np.sin(2 * np.pi * 3000 * t[: RATE // 10])).astype(np.float32)  # a soft final 's'
    clip = np.concatenate([np.zeros(4410, np.float32), word, tail, np.zeros(8820, np.float32)])
    kept = trim_silence(clip, RATE, threshold_db=TRIM_THRESHOLD_DB, keep_ms=TRIM_KEEP_MS)
    assert kept.shape[0] >= word.shape[0] + tail.shape[0]
    assert abs(kept[-1]) < 1e-4  # faded out, no click


def test_16_bit_output_is_dithered_and_repeatable(tmp_path):
    from generator.output.formats import open_encoder

    t = np.arange(RATE) / RATE
    quiet = (0.4 / 32767 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32)  # under half a step of 16 bits
    block = np.stack([quiet, quiet], axis=1)
    for name in ("a.wav", "b.wav", "c.flac"):
        with open_encoder(tmp_path / name, name.split(".")[1], channels=2) as encoder:
            encoder.write(block)
    a, _ = soundfile.read(tmp_path / "a.wav", dtype="int16")
    b, _ = soundfile.read(tmp_path / "b.wav", dtype="int16")
    c, _ = soundfile.read(tmp_path / "c.flac", dtype="int16")
    assert np.count_nonzero(a) > RATE // 4  # plain rounding would give all zeros
    assert np.abs(a).max() <= 2
    assert np.corrcoef(a[:, 0], quiet)[0, 1] > 0.1  # the signal survives, under the noise
    assert np.array_equal(a, b) and np.array_equal(a, c)


# --- say ------------------------------------------------------------------------------------


def test_say_writes_a_file_with_the_room(tmp_path, fake_tts, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run("say", "Rest your attention in the lower Dantian.")
    assert result.exit_code == 0, result.output
    audio, rate = soundfile.read(tmp_path / "say.wav")
    assert rate == RATE and audio.shape[1] == 2
    import pyloudnorm

    assert abs(pyloudnorm.Meter(rate).integrated_loudness(audio) + 16) < 1.0
    assert not list(tmp_path.glob("*.json")) and not list(tmp_path.glob(".*partial"))


def test_say_takes_the_scripts_voice_and_room(tmp_path, write_script, fake_tts):
    script = write_script(
        """
        title: T
        room: off
        voice: {speed: 1.5}
        sections:
          - title: A
            steps:
              - say: Hello.
        """
    )
    slow, fast = tmp_path / "slow.wav", tmp_path / "fast.wav"
    assert run("say", "Breathe in gently.", "-o", str(slow)).exit_code == 0
    assert run("say", "Breathe in gently.", "-o", str(fast), "--script", str(script)).exit_code == 0
    assert soundfile.info(fast).frames < soundfile.info(slow).frames * 0.8


@pytest.mark.parametrize(
    "args, message",
    [
        (["say", "   "], "say needs some text"),
        (["say", "Hello", "--voice", "nobody"], "unknown voice 'nobody'"),
        (["say", "Hello", "--phonemes", "--voice", "co.uk"], "needs a piper voice"),
        (["say", "Hello", "-o", "missing/x.wav"], "does not exist"),
    ],
)
def test_say_refuses_bad_input_in_one_line(args, message, fake_tts, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.output and "Traceback" not in result.output
    assert not list(tmp_path.glob("*.wav"))
