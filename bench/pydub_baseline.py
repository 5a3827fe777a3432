"""BASELINE, not the product: the benchmark session written the way a user would with pydub alone.

This is what the renderer is compared against (bench/render_bench.py runs it). It builds the
same job as the benchmark's session: a binaural beat gliding from 10 to 6 Hz over the
session (pydub has no glides, so one-minute steps joined with short crossfades), pink-ish
noise (pydub has white noise only: low-passed), a 7 Hz isochronic pulse (one pulse repeated),
session fades, the 12 utterances spread evenly with the bed ducked 6 dB under each one,
loudness by pydub's RMS (dBFS) to -16, and an MP3 export at 128 kbps. Every layer is a
whole-track AudioSegment, as pydub's API invites: that is where its time and memory go.

    python bench/pydub_baseline.py SPEECH_DIR MINUTES OUT.mp3

MP3 export needs ffmpeg; without it the track is exported as WAV and encoded with lameenc
at the same settings (the JSON line says which).
"""

from __future__ import annotations

import json
import math
import shutil
import sys
import time
import warnings
from pathlib import Path

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from pydub import AudioSegment
    from pydub.generators import Sine, WhiteNoise


def binaural(minutes: float, carrier: float, beat_from: float, beat_to: float) -> AudioSegment:
    """Left at carrier - beat/2, right at carrier + beat/2, the beat stepped once a minute."""
    track = None
    steps = max(1, math.ceil(minutes))
    for minute in range(steps):
        beat = beat_from + (beat_to - beat_from) * minute / max(1, steps - 1)
        left = Sine(carrier - beat / 2).to_audio_segment(duration=60_000 + 200)
        right = Sine(carrier + beat / 2).to_audio_segment(duration=60_000 + 200)
        piece = AudioSegment.from_mono_audiosegments(left, right)
        track = piece if track is None else track.append(piece, crossfade=200)
    return track


def isochronic(duration_ms: int, carrier: float, pulse_hz: float) -> AudioSegment:
    period = 1000.0 / pulse_hz
    on = Sine(carrier).to_audio_segment(duration=period / 2).fade_in(10).fade_out(10)
    pulse = on + AudioSegment.silent(duration=period / 2, frame_rate=44_100)
    track = pulse * (int(duration_ms / len(pulse)) + 1)
    return track[:duration_ms].set_channels(2)


def build(speech_dir: Path, minutes: float) -> AudioSegment:
    duration = int(minutes * 60_000)
    voices = [AudioSegment.from_wav(p).set_channels(2) for p in sorted(speech_dir.glob("*.wav"))]
    bed = binaural(minutes, 200, 10, 6)[:duration] - 26 - 20
    bed = bed.overlay(WhiteNoise().to_audio_segment(duration=duration).low_pass_filter(1000) - 34 - 20)
    bed = bed.overlay(isochronic(duration, 180, 7) - 30 - 20)
    bed = bed.fade_in(8_000).fade_out(12_000)
    gap = (duration - sum(len(v) for v in voices)) / len(voices)
    position = 0.0
    track = bed
    for voice in voices:
        start, end = int(position), int(position) + len(voice)
        ducked = track[start:end].apply_gain(-6)
        track = track[:start].append(ducked, crossfade=0) + track[end:]
        track = track.overlay(voice, position=start)
        position += len(voice) + gap
    return track.apply_gain(-16 - track.dBFS)


def main() -> None:
    speech_dir, minutes, output = Path(sys.argv[1]), float(sys.argv[2]), Path(sys.argv[3])
    started = time.perf_counter()
    track = build(speech_dir, minutes)
    if shutil.which("ffmpeg"):
        track.export(str(output), format="mp3", bitrate="128k")
        how = "pydub export (ffmpeg, libmp3lame)"
    else:
        import lameenc

        encoder = lameenc.Encoder()
        encoder.set_in_sample_rate(44_100)
        encoder.set_channels(2)
        encoder.set_quality(3)
        encoder.set_bit_rate(128)
        output.write_bytes(bytes(encoder.encode(track.raw_data)) + bytes(encoder.flush()))
        how = "raw samples encoded with lameenc (no ffmpeg)"
    print(json.dumps({"seconds": time.perf_counter() - started, "export": how}))


if __name__ == "__main__":
    main()
