"""The proof as a person reads it (the sentences worth a listen) and as JSON for tools.

Each flagged sentence shows its time in the track (`3:42`, where a player's scrubber can
find it), what was written and what was heard with the differing words in [brackets],
and its score (the share of its phonemes that differ: 0 the same sounds, 1 nothing heard).
"""

from __future__ import annotations

from pathlib import Path

from generator.core.errors import display_path
from generator.proof.proofing import SentenceProof, TrackProof


def clock(seconds: float) -> str:
    """A time in a track as players show it: 3:42, or 1:03:42 past an hour."""
    whole = max(0, int(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def sentence_lines(proof: SentenceProof, indent: str = "  ") -> list[str]:
    """One flagged sentence: time, score, section, written and heard, and any note."""
    where = f"  ({proof.sentence.section})" if proof.sentence.section else ""
    lines = [
        f"{indent}{clock(proof.sentence.start)}  score {proof.score:.2f}{where}",
        f"{indent}  written: {proof.written_marked}",
        f"{indent}  heard:   {proof.heard_marked or '(nothing)'}",
    ]
    if proof.note:
        lines.append(f"{indent}  note:    {proof.note}")
    return lines


def track_lines(result: TrackProof, label: str | None = None) -> list[str]:
    """A track's headline and its flagged sentences."""
    name = label or display_path(result.track)
    total, flagged = len(result.sentences), result.flagged
    if not flagged:
        return [f"{name}: all {total} sentences heard as written"]
    head = f"{name}: {len(flagged)} of {total} sentences worth a listen"
    lines = [head]
    for proof in flagged:
        lines += sentence_lines(proof)
    return lines


def text_report(results: list[tuple[str | None, TrackProof]]) -> str:
    """The whole report: each track (with its label, such as a roster row), then a summary line."""
    lines: list[str] = []
    for label, result in results:
        lines += track_lines(result, label)
        lines.append("")
    sentences = sum(len(r.sentences) for _, r in results)
    flagged = sum(len(r.flagged) for _, r in results)
    tracks = sum(1 for _, r in results if r.flagged)
    model = results[0][1].model if results else "-"
    lines.append(
        f"{flagged} of {sentences} sentences in {tracks} of {len(results)} track{'s' if len(results) != 1 else ''} "
        f"worth a listen (heard with {display_path(model) if Path(model).is_dir() else model})"
    )
    return "\n".join(lines) + "\n"


def sentence_json(proof: SentenceProof) -> dict:
    s = proof.sentence
    return {
        "time": clock(s.start),
        "start": round(s.start, 3),
        "end": round(s.end, 3),
        "section": s.section,
        "written": s.text,
        "heard": proof.heard,
        "written_marked": proof.written_marked,
        "heard_marked": proof.heard_marked,
        "score": proof.score,
        "flagged": proof.flagged,
        **({"note": proof.note} if proof.note else {}),
    }


def track_json(result: TrackProof, label: str | None = None) -> dict:
    out = {
        "track": str(result.track),
        "seconds": round(result.seconds, 3),
        "sentences": len(result.sentences),
        "flagged": len(result.flagged),
        "results": [sentence_json(p) for p in result.sentences],
    }
    return {"label": label, **out} if label else out


def json_report(results: list[tuple[str | None, TrackProof]]) -> dict:
    """Every sentence of every track, flagged or not, with the model and threshold used."""
    first = results[0][1] if results else None
    return {
        "model": first.model if first else None,
        "threshold": first.threshold if first else None,
        "flagged": sum(len(r.flagged) for _, r in results),
        "tracks": [track_json(r, label) for label, r in results],
    }
