"""gTTS, the online engine: Google Translate's voice, in many languages and accents."""

from __future__ import annotations

import io
import re
import time
from pathlib import Path

from generator.audio import Clip
from generator.errors import EngineError
from generator.model import Voice

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

        lang = voice.language.split("-")[0].split("_")[0].lower()
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
        raise EngineError(
            f"the online gtts engine could not be reached ({reason}); use --engine piper to render offline"
        )


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
    from generator.tts.engines import VoiceNameError

    if not _ACCENT_DOMAIN.fullmatch(name):
        raise VoiceNameError(f"a gtts voice name is an accent's domain such as com, co.uk or com.au, got '{name}'")
    return name


def voice_rows() -> list[str]:
    """What `meditate voices` lists for gTTS."""
    return [
        f"gtts   {tld:<18} online   English as spoken in {where} (language: from the script)"
        for tld, where in ACCENTS.items()
    ]
