"""`meditate say`: one sentence at once, to hear a word or check how it is pronounced.

The sentence is a one-step session rendered like any script (pronunciations, phrasing,
the voice chain, the room, -16 LUFS, a limiter, an atomic write), so what `say` plays is
what a render would. `say_phonemes` asks the voice's phonemizer only: nothing is
synthesized, so checking a word is instant.
"""

from __future__ import annotations

from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from generator.core import model
from generator.core.audio import SAMPLE_RATE
from generator.core.errors import InputError, Position
from generator.script.narration import split_narration
from generator.voice.pronounce import spoken_text
from generator.mix.room import tail_samples
from generator.voice.delivery import clauses
from generator.load.loader import load_script
from generator.master.mastering import Mastering, MixSource, loudness_gain, mastered
from generator.mix.mixer import Mixer
from generator.output.writing import Delivery, write_track
from generator.pipeline.rendering import chosen_format, plan_timeline
from generator.voice.bank import SpeechBank
from generator.voice.base import VoiceNameError
from generator.voice.engines import ENGINES
from generator.voice.piper_engine import PiperEngine

def say_voice(
    script: Path | None = None,
    name: str | None = None,
    speed: float | None = None,
    language: str | None = None,
) -> tuple[model.Voice, model.Room | None]:
    """The voice and room to speak with: the script's (or the defaults), then the options given."""
    if script is not None:

        session = load_script(script)
        voice, room = session.voice, session.room
    else:
        voice, room = model.Voice(), model.Room()
    if name is not None:
        voice = replace(voice, **_voice_name(name))
    if speed is not None:
        voice = replace(voice, speed=speed)
    if language is not None:
        voice = replace(voice, language=language)
    return voice, room


def _voice_name(name: str) -> dict:
    """`--voice NAME`: a Piper voice (bundled, installed or a .onnx file) or a gTTS accent such as co.uk."""

    problems = []
    for engine in ENGINES.values():
        try:
            return {"engine": engine.name, "name": engine.check_voice(name, Path.cwd())}
        except VoiceNameError as exc:
            problems.append(f"{engine.name}: {exc}")
    raise InputError(f"unknown voice '{name}' ({'; '.join(problems)})")


def say_phonemes(text: str, voice: model.Voice) -> str:
    """The phonemes the voice will speak for `text`, on one line; ' | ' marks a pause between clauses."""
    if voice.engine != "piper":
        raise InputError(f"the {voice.engine} voice reads text, not phonemes; --phonemes needs a piper voice")

    engine = PiperEngine()
    spoken = spoken_text(_one_line(text), voice.pronounce, phonemes=True)
    return " | ".join(engine.phonemes(clause, voice) for clause, _ in clauses(spoken))


def say(
    text: str,
    output: Path,
    voice: model.Voice,
    room: model.Room | None,
    *,
    cache_dir: Path | None = None,
    use_cache: bool = True,
) -> Path:
    """Speak `text` into `output` (format from its suffix) through the same chain and room as a render."""

    fmt = chosen_format(output, None)
    if not output.parent.is_dir():
        raise InputError(f"{output.parent}: the output folder does not exist")
    session = _session(_one_line(text), voice, room)
    master = Mastering(true_peak=-1.0 - fmt.peak_margin)
    speech = SpeechBank(cache_dir, use_cache=use_cache)
    try:
        timeline = plan_timeline(session, speech)
        source = MixSource(Mixer(timeline, speech), master.mono)
        _, gain_db = loudness_gain(timeline, source, master, session.loudness)
        write_track(mastered(source, master, gain_db), output, Delivery(timeline, fmt))
    finally:
        speech.close()
    return output


def _one_line(text: str) -> str:
    flat = " ".join(text.split())
    if not flat:
        raise InputError("say needs some text to speak")
    return flat


def _session(text: str, voice: model.Voice, room: model.Room | None) -> model.Session:
    """A session of one `say` step, followed by the room's tail so the last word rings out."""
    where = Position("say")
    parts, problems = split_narration(text, voice)
    if problems:
        raise InputError(problems[0].message)
    tail = Fraction(tail_samples(room), SAMPLE_RATE) if room is not None else Fraction(0)
    steps: tuple = (model.Say(parts, where), model.Pause(Fraction(1, 4) + tail, where))
    return model.Session(
        title=text[:80], sections=(model.Section("say", steps, where),), path=Path.cwd() / "say.yaml",
        voice=voice, room=room,
    )
