"""gTTS, the online engine: Google Translate's voice, in many languages and accents."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

from generator.core.audio import Clip
from generator.core.errors import EngineError
from generator.core.languages import base_language
from generator.core.model import Voice
from generator.voice.base import VoiceNameError
from generator.core.languages import language_name
from generator.core.suggest import did_you_mean
from generator.voice.voice_store import offline_advice, voices_for

DEFAULT_ACCENT = "com"

ACCENTS = {
    "com": "United States",
    "co.uk": "United Kingdom",
    "com.au": "Australia",
    "ca": "Canada",
    "co.in": "India",
    "ie": "Ireland",
    "co.za": "South Africa",
}
"""The Google domains gTTS can speak through, and the English accent each gives."""

_ACCENT_DOMAIN = re.compile(r"[a-z]{2,3}(\.[a-z]{2,3})?")

ATTEMPTS = 3
BACKOFF_SECONDS = 0.5
TIMEOUT_SECONDS = 10


class GttsEngine:
    """Speaks through the real gTTS library; network trouble becomes one clear error."""

    name = "gtts"
    offline = False

    def voice_id(self, voice: Voice) -> str:
        return f"gtts:{voice.language}:{voice.name}:{'slow' if voice.speed < 0.75 else 'normal'}"

    def synthesize(self, text: str, voice: Voice) -> Clip:
        from gtts import gTTS
        from gtts.tts import gTTSError

        lang = gtts_language(voice.language) or base_language(voice.language)
        last: Exception | None = None
        for attempt in range(ATTEMPTS):
            buffer = io.BytesIO()
            try:
                gTTS(text, lang=lang, tld=voice.name, slow=voice.speed < 0.75, timeout=TIMEOUT_SECONDS).write_to_fp(buffer)
                return _decode_mp3(buffer.getvalue())
            except gTTSError as exc:
                last = exc
                status = getattr(getattr(exc, "rsp", None), "status_code", None)
                if status is not None and 400 <= status < 500 and status != 429:
                    break  # a client error will not go away by asking again
            except ValueError as exc:  # gTTS rejects unknown languages this way
                raise EngineError(f"gtts cannot speak language '{voice.language}': {exc}") from exc
            if attempt < ATTEMPTS - 1:
                time.sleep(BACKOFF_SECONDS * (2**attempt))
        reason = str(last).splitlines()[0] if last else "no answer"
        raise EngineError(f"the online gtts engine could not be reached ({reason}); {offline_hint(voice.language)}")


def gtts_language(language: str) -> str | None:
    """The code gTTS knows for a script's language (`pt-PT`, else `pt`), or None if it has none.

    gTTS's own list is read offline, so `meditate check` can refuse a language before any
    request is made. Old aliases count (`he` is gTTS's `iw`, `nb` its `no`).
    """
    from gtts.lang import tts_langs

    known = {code.lower(): code for code in tts_langs()}
    full = language.strip().replace("_", "-").lower()
    base = base_language(language)
    for candidate in (full, base, {"he": "iw", "jv": "jw"}.get(base, "")):
        if candidate in known:
            return known[candidate]
    return None


def gtts_languages() -> list[str]:
    from gtts.lang import tts_langs

    return sorted(tts_langs())


def offline_hint(language: str) -> str:
    """What to do without the network: render with an offline voice of the script's language."""

    have = voices_for(language)
    if have:
        extra = "" if have[0] == "en_US-joe-medium" else f" and voice: {{name: {have[0]}}}"
        return f"use --engine piper{extra} to render offline"
    return f"to render offline, {offline_advice(language)}"


def _decode_mp3(data: bytes) -> Clip:
    import soundfile

    if not data:
        raise EngineError("the gtts service answered without audio; use --engine piper to render offline")
    try:
        samples, rate = soundfile.read(io.BytesIO(data), dtype="float32", always_2d=False)
    except Exception as exc:  # libsndfile raises its own error type for undecodable data
        raise EngineError(f"the gtts service sent audio that cannot be decoded ({exc})") from exc
    return Clip(samples, rate)


def check_voice_name(name: str, base: Path) -> str:
    """A gTTS voice name is the domain of the accent (`com`, `co.uk`, `com.au`, ...)."""

    if not _ACCENT_DOMAIN.fullmatch(name):
        raise VoiceNameError(f"a gtts voice name is an accent's domain such as com, co.uk or com.au, got '{name}'")
    return name


def voice_rows() -> list[tuple[str, ...]]:
    """What `meditate voices` lists for gTTS: one row per accent."""
    return [
        ("gtts", tld, "the script's", "", "", "online", f"Google Translate's voice; accent of {where}")
        for tld, where in ACCENTS.items()
    ]


def check_speaker(name: str, speaker: str, base: Path) -> int:

    raise VoiceNameError("speaker: chooses a speaker of a multi-speaker piper voice; gtts has none")


def check_language(voice: Voice, base: Path) -> tuple[str, str] | None:
    """An error when gTTS does not speak the script's language (it would fail only at render)."""

    if gtts_language(voice.language) is not None:
        return None
    known = gtts_languages()
    return "error", (
        f"the gtts engine cannot speak {language_name(voice.language)}{did_you_mean(voice.language, known)}; "
        f"it speaks {', '.join(known)}"
    )
