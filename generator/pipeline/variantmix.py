"""`render --variants`: the softer and voice-only mixes, staged beside the track.

They are mixed from the very timeline of the track (same speech from the cache, same bed
seed) with only the bed's gain changed (:class:`generator.mix.mixer.Mixer`'s `bed_db`), and
through the main mix's loudness gain, so the voice is at the same level in every mix. Each
is encoded to a temporary file and renamed into place together with the track and its
sidecars, or not at all.
"""

from __future__ import annotations

from pathlib import Path

from generator.core.atomic import temporary_beside
from generator.master.mastering import Mastering, MixSource, mastered
from generator.mix.mixer import Mixer
from generator.output import leftovers
from generator.output.writing import Delivery, discard, write_track
from generator.plan.timeline import Timeline
from generator.voice.bank import SpeechBank
from generator.output.variants import VARIANTS, variant_path


def variant_targets(output: Path) -> list[Path]:
    """The files `--variants` writes beside `output`."""
    return [variant_path(output, name) for name in VARIANTS]


def stage_variants(
    output: Path,
    full: Timeline,
    speech: SpeechBank,
    master: Mastering,
    gain_db: float,
    delivery: Delivery,
    window: tuple[int, int] | None = None,
) -> list[tuple[Path, Path]]:
    """Each other mix written and tagged in a temporary file beside its target, as
    (temporary, final) pairs for :func:`write_track` to rename with the track."""
    staged: list[tuple[Path, Path]] = []
    try:
        for name, bed_db in VARIANTS.items():
            final = variant_path(output, name)
            temp = temporary_beside(final)
            temp.unlink(missing_ok=True)  # write_track makes its own temporary beside this name
            staged.append((temp, final))
            source = MixSource(Mixer(full, speech, bed_db=bed_db), master.mono)
            write_track(mastered(source, master, gain_db, window=window), temp, delivery)
            leftovers.hold(temp)  # a later render's sweep leaves it alone while this one lives
    except BaseException:
        discard(staged)
        raise
    return staged
