"""Narration in the practitioner's own voice: the recording sheet, the check that every
line has a good take (or a fallback voice), and the local recording page.

`sheet` reads and updates `DIR/takes.csv`; `resolve` runs when a script is loaded and
turns missing or bad takes into script errors; `recorder` serves the recording page.
The recordings themselves are spoken by the `recorded` engine in `generator.voice.bank`.
"""

__all__ = ["lines", "quality", "recorder", "resolve", "sheet"]
