"""`meditate say`: one sentence at once, to hear a word or check how it is pronounced.

The sentence is a one-step session rendered like any script (pronunciations, phrasing,
the voice chain, the room, -16 LUFS, a limiter, an atomic write), so what `say` plays is
what a render would. `say_phonemes` asks the voice's phonemizer only: nothing is
synthesized, so checking a word is instant.
"""

from __future__ import annotations

import re
from dataclasses import replace
from fractions import Fraction
from pathlib import Path

from generator import model
from generator.audio import SAMPLE_RATE
from generator.errors import InputError, Position
from generator.narration import split_narration
from generator.pronounce import spoken_text
from generator.room import tail_samples
from generator.tts.delivery import clauses

_GTTS_ACCENT = re.compile(r"[a-z]{2,3}(\.[a-z]{2,3})?")


def say_voice(
    script: Path | None = None,
    name: str | None = None,
    speed: float | None = None,
    language: str | None = None,
) -> tuple[model.Voice, model.Room | None]:
    """The voice and room to speak with: the script's (or the defaults), then the options given."""
    if script is not None:
        from generator.render import load

        session = load(script)
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
    """`--voice NAME`: the built-in Piper voice, a Piper .onnx file, or a gTTS accent such as co.uk."""
    from generator.tts.piper_engine import BUILTIN_VOICE

    if name == BUILTIN_VOICE:
        return {"engine": "piper", "name": name}
    if name.endswith(".onnx"):
        path = Path(name).expanduser().resolve()
        if not path.is_file():
            raise InputError(f"piper voice file '{name}' not found")
        return {"engine": "piper", "name": str(path)}
    if _GTTS_ACCENT.fullmatch(name):
        return {"engine": "gtts", "name": name}
    raise InputError(f"unknown voice '{name}': use {BUILTIN_VOICE}, a path to a Piper .onnx voice, or a gtts accent such as com or co.uk")


def say_phonemes(text: str, voice: model.Voice) -> str:
    """The phonemes the voice will speak for `text`, on one line; ' | ' marks a pause between clauses."""
    if voice.engine != "piper":
        raise InputError(f"the {voice.engine} voice reads text, not phonemes; --phonemes needs a piper voice")
    from generator.tts.piper_engine import PiperEngine

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
    from generator.mixer import Mixer
    from generator.render import (
        LOSSY_PEAK_MARGIN, RenderOptions, loudness_gain, output_format, plan_timeline, write_track,
    )
    from generator.tts import SpeechBank

    fmt = output_format(output, None)
    if not output.parent.is_dir():
        raise InputError(f"{output.parent}: the output folder does not exist")
    session = _session(_one_line(text), voice, room)
    options = RenderOptions(output=output, sidecars=False, cache_dir=cache_dir, use_cache=use_cache)
    if fmt in ("mp3", "ogg"):
        options = replace(options, true_peak=options.true_peak - LOSSY_PEAK_MARGIN)
    speech = SpeechBank(cache_dir, use_cache=use_cache)
    try:
        timeline = plan_timeline(session, speech)
        mixer = Mixer(timeline, speech)
        _, gain_db = loudness_gain(timeline, speech, options, session.loudness, mixer=mixer)
        write_track(timeline, speech, output, fmt, gain_db, options, mixer=mixer, cover=(None, "image/png"))
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
