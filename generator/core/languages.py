"""Language codes and the words the product itself speaks, in each language it knows.

A script's `language:` is a tag such as `de`, `en-GB` or `pt_BR`; Piper names its voices
`de_DE`, ID3 wants three letters (`deu`), RSS and HTML two. Everything that compares or
converts these codes goes through this one table, so `en-GB`, `en_US` and `eng` are
known to be the same language everywhere.

The breathing cue words are ours: short, calm imperatives a teacher would say at the
start of a phase, the same register in every language (informal where the language
guides breathing informally, as Spanish and Italian teachers do). `words:` in a script
still overrides any of them.
"""

from __future__ import annotations

LANGUAGE_NAMES = {
    "ar": "Arabic", "ca": "Catalan", "cs": "Czech", "cy": "Welsh", "da": "Danish", "de": "German",
    "el": "Greek", "en": "English", "es": "Spanish", "fa": "Persian", "fi": "Finnish", "fr": "French",
    "he": "Hebrew", "hi": "Hindi", "hu": "Hungarian", "is": "Icelandic", "it": "Italian", "ja": "Japanese",
    "ka": "Georgian", "kk": "Kazakh", "ko": "Korean", "lb": "Luxembourgish", "lv": "Latvian",
    "ne": "Nepali", "nl": "Dutch", "no": "Norwegian", "pl": "Polish", "pt": "Portuguese",
    "ro": "Romanian", "ru": "Russian", "sk": "Slovak", "sl": "Slovenian", "sr": "Serbian",
    "sv": "Swedish", "sw": "Swahili", "tr": "Turkish", "uk": "Ukrainian", "vi": "Vietnamese",
    "zh": "Chinese",
}  # fmt: skip

_ALIASES = {"nb": "no", "nn": "no", "iw": "he", "in": "id", "ji": "yi", "jw": "jv"}
"""Old or narrower codes for the same language (gTTS still says `iw`; Piper says `no`)."""

_TWO_TO_THREE = {
    "ar": "ara", "cs": "ces", "da": "dan", "de": "deu", "el": "ell", "en": "eng", "es": "spa",
    "fi": "fin", "fr": "fra", "he": "heb", "hi": "hin", "hu": "hun", "it": "ita", "ja": "jpn",
    "ko": "kor", "nb": "nob", "nl": "nld", "no": "nor", "pl": "pol", "pt": "por", "ro": "ron",
    "ru": "rus", "sv": "swe", "tr": "tur", "uk": "ukr", "zh": "zho",
}  # fmt: skip
"""ISO 639-1 to ISO 639-2/T, for ID3's TLAN frame."""

_THREE_TO_TWO = {three: two for two, three in _TWO_TO_THREE.items()} | {
    "ger": "de", "fre": "fr", "dut": "nl", "chi": "zh", "cze": "cs", "gre": "el",
}
"""The way back (RSS and HTML want two letters), with the older bibliographic codes."""

CUE_KINDS = ("inhale", "hold", "exhale", "rest")

CUE_WORDS: dict[str, dict[str, str]] = {
    "en": {"inhale": "Breathe in", "hold": "Hold", "exhale": "Breathe out", "rest": "Rest"},
    "de": {"inhale": "Einatmen", "hold": "Halten", "exhale": "Ausatmen", "rest": "Ruhen"},
    "es": {"inhale": "Inhala", "hold": "Mantén", "exhale": "Exhala", "rest": "Descansa"},
    "fr": {"inhale": "Inspirez", "hold": "Retenez", "exhale": "Expirez", "rest": "Pause"},
    "it": {"inhale": "Inspira", "hold": "Trattieni", "exhale": "Espira", "rest": "Pausa"},
    "pt": {"inhale": "Inspire", "hold": "Segure", "exhale": "Expire", "rest": "Pausa"},
    "nl": {"inhale": "Adem in", "hold": "Vasthouden", "exhale": "Adem uit", "rest": "Rust"},
    "pl": {"inhale": "Wdech", "hold": "Zatrzymaj", "exhale": "Wydech", "rest": "Odpocznij"},
    "ru": {"inhale": "Вдох", "hold": "Задержка", "exhale": "Выдох", "rest": "Пауза"},
    "uk": {"inhale": "Вдих", "hold": "Затримка", "exhale": "Видих", "rest": "Пауза"},
    "zh": {"inhale": "吸气", "hold": "屏息", "exhale": "呼气", "rest": "休息"},
    "ja": {"inhale": "吸って", "hold": "止めて", "exhale": "吐いて", "rest": "休んで"},
    "sv": {"inhale": "Andas in", "hold": "Håll", "exhale": "Andas ut", "rest": "Vila"},
    "da": {"inhale": "Ånd ind", "hold": "Hold", "exhale": "Ånd ud", "rest": "Hvil"},
    "no": {"inhale": "Pust inn", "hold": "Hold", "exhale": "Pust ut", "rest": "Hvil"},
    "tr": {"inhale": "Nefes al", "hold": "Tut", "exhale": "Nefes ver", "rest": "Dinlen"},
}
"""The pacer's words at the start of each phase; `rest` is the hold after the breath out."""


def base_language(code: str) -> str:
    """The primary language of a tag, lower case: `en-GB`, `en_US` and `EN` are all `en`.

    Three-letter ISO 639-2 codes (`deu`, `ger`) become their two-letter form when known,
    and old aliases (`iw`, `nb`) the code the rest of the table uses (`he`, `no`).
    """
    base = code.strip().replace("_", "-").split("-")[0].lower()
    base = _THREE_TO_TWO.get(base, base)
    return _ALIASES.get(base, base)


def same_language(a: str, b: str) -> bool:
    """Whether two tags name the same language, whatever the region (`en-GB`, `en_US`)."""
    return base_language(a) == base_language(b)


def language_name(code: str) -> str:
    """`German (de_DE)`: the English name and the code as written, for messages."""
    name = LANGUAGE_NAMES.get(base_language(code))
    return f"{name} ({code})" if name else f"'{code}'"


def three_letter_code(language: str) -> str:
    """An ISO 639-2 code for ID3 (`en` and `en-GB` become `eng`; `und` when unknown)."""
    base = language.strip().lower().replace("_", "-").split("-")[0]
    if len(base) == 3 and base.isalpha():
        return base
    return _TWO_TO_THREE.get(base, "und")


def two_letter_code(value: str) -> str:
    """The two-letter (or `xx-YY`) code RSS and HTML expect, from an ID3 or Vorbis tag value."""
    value = value.strip()
    return _THREE_TO_TWO.get(value.lower(), value if len(value) in (2, 5) else "")


def cue_words(language: str) -> dict[str, str] | None:
    """The built-in breathing cue words for a language, or None when there are none."""
    words = CUE_WORDS.get(base_language(language))
    return dict(words) if words else None
