"""A render's production, once it is prepared: plan (synthesizing speech), choose the one
loudness gain, and write the mastered track with its sidecars, all in place or none."""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

from generator.core.heap import give_back, map_large_blocks
from generator.master.mastering import Mastering, MixSource, levels, mastered
from generator.mix.mixer import Mixer
from generator.output import leftovers
from generator.output.cover import cover_art
from generator.output.diskfull import full_disk_reported
from generator.output.writing import Delivery, discard, stage_sidecars, write_track
from generator.pipeline.options import RenderResult
from generator.pipeline.planning import plan_timeline
from generator.pipeline.prepare import Prepared
from generator.pipeline.variantmix import stage_variants
from generator.voice.bank import SpeechBank


def produce(prepared: Prepared, *, started: float | None = None) -> RenderResult:
    """The track `prepared` describes, written; `started` is when the caller began (for the result's wall time)."""
    started = time.perf_counter() if started is None else started
    map_large_blocks()  # a render's large arrays come and go: their memory goes back when they do
    session, options, output, fmt = prepared.session, prepared.options, prepared.output, prepared.format
    leftovers.sweep(output, options.sidecars)  # what a killed render of this output left
    master = Mastering(options.mono, options.true_peak - fmt.peak_margin, options.progress)
    speech = SpeechBank(options.cache_dir, use_cache=options.use_cache)
    try:
        # The cover (a generated image unless the script names one) is made on the other
        # core while speech is synthesized (Piper keeps one core busy). The passes wait for
        # it: the default cover's arrays are the largest allocation of a render, and
        # overlapping them with the mixing raised the peak memory by up to 30 MB, at random.
        # Speech is synthesized on a thread of its own, so glibc gives what Piper and
        # onnxruntime allocate there an arena of its own too: released and trimmed, it
        # leaves no holes in the main heap for the passes to sit beside (a cold render of
        # the breathing session peaked at 312 MB with synthesis on this thread, 284 without).
        with ThreadPoolExecutor(max_workers=2, thread_name_prefix="meditate-prepare") as pool:
            cover = pool.submit(cover_art, session)
            planned = pool.submit(plan_timeline, session, speech, progress=options.progress)
            try:
                full = planned.result()
            except BaseException:
                speech.stop()  # Ctrl-C lands here: the pool's exit waits for one utterance, not all
                raise
            cover_data, cover_mime = cover.result()
        timeline, window = full, None
        if prepared.section:
            # A preview sounds exactly like its stretch of the whole track (same glides,
            # fades, ducking and loudness gain); its file is that section alone.
            timeline = full.only_section(prepared.section)
            section = next(s for s in full.sections if s.title == prepared.section)
            window = (section.start, section.end)
        target = options.loudness if options.loudness is not None else session.loudness
        mixer = Mixer(full, speech)  # one mixer for both passes
        mixer.make_ahead(options.progress)
        source = MixSource(mixer, master.mono)
        chosen = levels(full, source, master, target)
        give_back()
        delivery = Delivery(timeline, fmt, master.channels, options.bitrate, options.vbr_quality, cover_data, cover_mime)
        with full_disk_reported(output.parent):
            staged = stage_sidecars(output, timeline, {"loudness": chosen.to_json()}) if options.sidecars else []
            try:
                if options.variants:
                    staged += stage_variants(output, full, speech, master, chosen.gain_db, delivery, window)
                write_track(mastered(source, master, chosen.gain_db, window=window), output, delivery, staged)
            finally:
                discard(staged)  # renamed into place on success; leftovers on failure
        sidecars = [final for _, final in staged]
        elapsed = time.perf_counter() - started
        return RenderResult(
            output, timeline, sidecars, chosen.mix_lufs, chosen.gain_db, speech.synthesized, elapsed, chosen
        )
    finally:
        leftovers.release()
        speech.close()
