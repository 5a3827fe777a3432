""""Did you mean": the closest spelling a user may have meant, for every refusal that names a choice."""

from __future__ import annotations

import difflib


def did_you_mean(word: str, choices: list[str] | tuple[str, ...] | set[str]) -> str:
    """`" (did you mean 'say'?)"` when a close choice exists, else an empty string."""
    close = difflib.get_close_matches(word, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""
