"""`meditate batch --proof`: every track of a batch heard, one report for the whole batch.

A practitioner sending thirty personalised tracks reads one report, `DIR/proof-report.txt`
(and `proof-report.json` for tools): which client, which sentence, at what time. The
model is loaded once; each row is proofed against its own timeline sidecar, with the
voice and `pronounce:` entries of the script as loaded with that row's values (or, when
the batch wrote no sidecars, against the script planned again with those values).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from generator.core.atomic import write_atomic
from generator.core.errors import InputError, MeditateError
from generator.batch.run import RowResult
from generator.pipeline.rendering import RenderOptions
from generator.proof.proofing import Judge, TrackProof, proof_track
from generator.proof.report import json_report, text_report
from generator.load.loader import load_script
from generator.proof.phonemes import Phonemizer
from generator.proof.transcribe import DEFAULT_MODEL, Recogniser

REPORT = "proof-report"
"""The report's name in the output folder (.txt and .json)."""


@dataclass(frozen=True)
class RowToProof:
    """A finished row: its roster line, the client's label, its variables and its track."""

    line: int
    label: str
    variables: dict[str, str]
    track: Path


@dataclass
class BatchProof:
    """The proofs of a batch's rows, in roster order, and the report files written."""

    proofs: list[tuple[str, TrackProof]]
    failures: list[str]
    text_path: Path
    json_path: Path

    @property
    def flagged(self) -> int:
        return sum(len(p.flagged) for _, p in self.proofs)


def proof_rows(
    script: Path,
    rows: list[RowToProof],
    out_dir: Path,
    *,
    model_name: str | Path | None = None,
    cache_dir: Path | None = None,
    on_row: Callable[[str, TrackProof], None] | None = None,
) -> BatchProof:
    """Proof each row's track with one recogniser; write DIR/proof-report.txt and .json."""

    if any(row.track.stem == REPORT for row in rows):  # its timeline sidecar would be the report's .json
        raise InputError(f"a track named {REPORT}.* would share its name with the proof report; rename it in the roster")
    recogniser = None
    phonemizers: dict[tuple[str, str], Phonemizer] = {}
    proofs: list[tuple[str, TrackProof]] = []
    failures: list[str] = []
    for row in rows:
        label = f"row {row.line} ({row.label}): {row.track.name}" if row.label else f"row {row.line}: {row.track.name}"
        try:
            voice = load_script(script, row.variables).voice
            recogniser = recogniser or Recogniser(model_name or DEFAULT_MODEL, voice.language)
            phonemizer = phonemizers.setdefault((voice.engine, voice.name), Phonemizer(voice))
            has_timeline = row.track.with_suffix(".json").is_file()
            proof = proof_track(
                row.track, script=None if has_timeline else script, variables=row.variables, voice=voice,
                recogniser=recogniser, judge=Judge(voice, phonemizer), cache_dir=cache_dir,
            )
        except MeditateError as exc:
            if recogniser is None:
                raise  # no recogniser, no proof of any row: one line, as `meditate proof` says it
            failures.append(f"{label}: not proofed: {exc}")
            continue
        proofs.append((label, proof))
        if on_row:
            on_row(label, proof)
    return _write(out_dir, proofs, failures)


def _write(out_dir: Path, proofs: list[tuple[str, TrackProof]], failures: list[str]) -> BatchProof:
    text = text_report(proofs) if proofs else "no track was proofed\n"
    if failures:
        text += "\n" + "\n".join(failures) + "\n"
    data = {**json_report(proofs), "not_proofed": failures}
    text_path, json_path = out_dir / f"{REPORT}.txt", out_dir / f"{REPORT}.json"
    write_atomic(text_path, text)
    write_atomic(json_path, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return BatchProof(proofs, failures, text_path, json_path)


def proof_results(script: Path, results: list[RowResult], out_dir: Path, options: RenderOptions, *, model_name: str | None = None, on_row=None):
    """`batch --proof`: every rendered or up-to-date track heard, one report in `out_dir`
    ; failed rows have no track to hear."""
    rows = [
        RowToProof(r.row.line, r.row.label, {**options.variables, **r.row.variables}, r.output)
        for r in results
        if r.status in ("rendered", "skipped")
    ]
    return proof_rows(Path(script), rows, Path(out_dir), model_name=model_name, cache_dir=options.cache_dir, on_row=on_row)
