"""The benchmark's jobs, each run alone in its own process (so peak RSS is its own).

`python bench/jobs.py KIND JSON-ARGS` runs one job and prints one JSON line: the wall time
of the work itself (imports and set-up excluded, the same way for every job) and what it
produced. The parent process reads the child's peak RSS from the operating system.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

RATE = 44_100
BLOCK = 32_768
BITRATE = 128
QUALITY = 3
"""The project's MP3 settings (generator/output/encoders.py): 128 kbps CBR, LAME quality 3."""


def bed_like_chunk(seconds: float = 20.0, seed: int = 0) -> np.ndarray:
    """Audio that LAME finds about as hard as a rendered session: two close sines, pink-ish
    noise and speech-like bursts, at about -16 LUFS. Int16 interleaved stereo."""
    rng = np.random.default_rng(seed)
    n = int(seconds * RATE)
    t = np.arange(n) / RATE
    out = np.empty((n, 2))
    out[:, 0] = np.sin(2 * np.pi * 196 * t)
    out[:, 1] = np.sin(2 * np.pi * 204 * t)
    out *= 0.05
    spectrum = np.fft.rfft(rng.standard_normal((n, 2)), axis=0)
    freqs = np.maximum(np.fft.rfftfreq(n, 1 / RATE), 20.0)[:, None]
    pink = np.fft.irfft(spectrum / np.sqrt(freqs), n=n, axis=0)
    out += pink / np.std(pink) * 0.02
    bursts = (np.sin(2 * np.pi * 0.1 * t) > 0.3) * (0.55 + 0.45 * np.sin(2 * np.pi * 4 * t) ** 2)
    out += (rng.standard_normal(n) * 0.15 + np.sin(2 * np.pi * 160 * t) * 0.3)[:, None] * bursts[:, None]
    return np.round(np.clip(out, -1, 1) * 32767).astype("<i2")


def bare_encode(minutes: float, output: str) -> dict:
    """LAME alone: the same number of samples, the project's settings, straight to a file."""
    import lameenc

    chunk = bed_like_chunk()
    total = int(minutes * 60 * RATE)
    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(RATE)
    encoder.set_channels(2)
    encoder.set_quality(QUALITY)
    encoder.set_bit_rate(BITRATE)
    blocks = [chunk[i : i + BLOCK].tobytes() for i in range(0, chunk.shape[0] - BLOCK + 1, BLOCK)]
    started = time.perf_counter()
    with open(output, "wb") as handle:
        done = 0
        index = 0
        while done < total:
            data = blocks[index % len(blocks)]
            count = min(BLOCK, total - done)
            handle.write(encoder.encode(data[: count * 4]))
            done += count
            index += 1
        handle.write(encoder.flush())
    return {"seconds": time.perf_counter() - started}


class StageClock:
    """When each stage the render reports ('speech', 'measure', 'render') was last heard from:
    the stretches between them are each stage's share of the wall time."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.last: dict[str, float] = {}

    def __call__(self, stage: str, done: int, total: int) -> None:
        self.last[stage] = time.perf_counter()

    def shares(self, finished: float) -> dict[str, float]:
        """Seconds of: load, plan and speech (to the speech's last report), the bells made
        before the passes, measuring, and the write pass with the tags and renames (to the end)."""
        speech = self.last.get("speech", self.started)
        sounds = self.last.get("sounds", speech)
        measure = self.last.get("measure", sounds)
        return {
            "load+speech": speech - self.started,
            "bells": sounds - speech,
            "measure": measure - sounds,
            "write": finished - measure,
        }


def render_job(script: str, output: str, cache: str, verify: bool = True) -> dict:
    """The library's render, timed around `render()` alone; then (untimed) the file's loudness."""
    from generator.pipeline.rendering import RenderOptions, render

    clock = StageClock()
    started = clock.started
    result = render(script, RenderOptions(output=Path(output), cache_dir=Path(cache), sidecars=True, progress=clock))
    finished = time.perf_counter()
    seconds = finished - started
    report = {"seconds": seconds, "synthesized": result.synthesized, "audio_seconds": result.timeline.seconds}
    report["stages"] = clock.shares(finished)
    if verify:
        report["lufs"] = file_loudness(output)
    return report


def encode_own(source: str, output: str) -> dict:
    """LAME alone on a rendered track's own samples (read from its WAV before the clock starts)."""
    import lameenc
    import soundfile

    samples, rate = soundfile.read(source, dtype="int16", always_2d=True)
    encoder = lameenc.Encoder()
    encoder.set_in_sample_rate(rate)
    encoder.set_channels(samples.shape[1])
    encoder.set_quality(QUALITY)
    encoder.set_bit_rate(BITRATE)
    blocks = [samples[i : i + BLOCK].tobytes() for i in range(0, samples.shape[0], BLOCK)]
    started = time.perf_counter()
    with open(output, "wb") as handle:
        for data in blocks:
            handle.write(encoder.encode(data))
        handle.write(encoder.flush())
    return {"seconds": time.perf_counter() - started}


def encode_own_segmented(source: str, output: str) -> dict:
    """The renderer's MP3 encoder alone (segments on every core, spliced) on the same samples."""
    import soundfile

    from generator.core.cores import available_cores
    from generator.output.mp3segments import SegmentedMp3Encoder

    samples, rate = soundfile.read(source, dtype="float32", always_2d=True)
    blocks = [samples[i : i + BLOCK] for i in range(0, samples.shape[0], BLOCK)]
    started = time.perf_counter()
    encoder = SegmentedMp3Encoder(
        Path(output), rate=rate, channels=samples.shape[1], bitrate=BITRATE, quality=QUALITY, workers=available_cores()
    )
    for block in blocks:
        encoder.write(block)
    encoder.close()
    return {"seconds": time.perf_counter() - started}


def file_loudness(path: str) -> float:
    """Integrated loudness of the finished file, decoded block by block (BS.1770)."""
    import soundfile

    from generator.sources.metering import LoudnessMeter

    with soundfile.SoundFile(path) as handle:
        meter = LoudnessMeter(handle.samplerate, handle.channels)
        for block in handle.blocks(blocksize=65_536, dtype="float32"):
            meter.add(block)
    return round(meter.integrated(), 2)


def tts_job(script: str, cache: str) -> dict:
    """Speech synthesis of the script's utterances alone, into an empty cache (model load included)."""
    from generator.load.loader import load_script as load
    from generator.kinds.steps import utterances
    from generator.voice.bank import SpeechBank

    session = load(script)
    bank = SpeechBank(Path(cache))
    started = time.perf_counter()
    count = bank.prepare(utterances(session))
    return {"seconds": time.perf_counter() - started, "synthesized": count}


def export_speech(script: str, cache: str, folder: str) -> dict:
    """The script's utterances from the cache as WAV files, for the pydub baseline."""
    import soundfile

    from generator.load.loader import load_script as load
    from generator.kinds.steps import utterances
    from generator.voice.bank import SpeechBank

    session = load(script)
    bank = SpeechBank(Path(cache))
    bank.prepare(utterances(session))
    Path(folder).mkdir(parents=True, exist_ok=True)
    for number, utterance in enumerate(utterances(session)):
        soundfile.write(str(Path(folder) / f"{number:02d}.wav"), bank.samples(utterance), RATE, subtype="PCM_16")
    return {"seconds": 0.0, "files": len(utterances(session))}


JOBS = {"encode": bare_encode, "own": encode_own, "segments": encode_own_segmented, "render": render_job, "tts": tts_job, "speech": export_speech}


if __name__ == "__main__":
    kind, arguments = sys.argv[1], json.loads(sys.argv[2])
    print(json.dumps(JOBS[kind](**arguments)))
