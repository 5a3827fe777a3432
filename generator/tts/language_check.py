"""Whether a voice can speak the script's language, asked at `check` before anything is synthesized.

gTTS either knows a language or fails at render, so a language it does not know is an
error. A Piper voice speaks whatever text it gets with its own language's sounds, so a
voice of another language than the script's is only a warning (a German script read by
an English voice is rarely what was meant, but an English word list read by it may be).
"""

from __future__ import annotations

from pathlib import Path

from generator.languages import language_name
from generator.model import Voice
from generator.tts import voice_store
from generator.yamlnodes import did_you_mean


def language_problem(voice: Voice, base: Path) -> tuple[str, str] | None:
    """("error" or "warning", message) when `voice` does not speak `voice.language`, else None."""
    if voice.engine == "gtts":
        from generator.tts.gtts_engine import gtts_language, gtts_languages

        if gtts_language(voice.language) is not None:
            return None
        known = gtts_languages()
        return "error", (
            f"the gtts engine cannot speak {language_name(voice.language)}{did_you_mean(voice.language, known)}; "
            f"it speaks {', '.join(known)}"
        )
    if voice.engine != "piper":
        return None
    try:
        info = voice_store.find_voice(voice.name, base)
    except (voice_store.VoiceNotFound, ImportError, OSError):
        return None  # already reported where the name was read
    message = voice_store.language_mismatch(info, voice.language)
    return None if message is None else ("warning", message)
