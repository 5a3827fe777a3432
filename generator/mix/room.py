"""The room: a reverb the voice is sent to, so words end in a space, not in digital quiet.

Which sounds are heard in it is each step kind's word (`StepKind.in_room`): the voice
(narration and spoken cues) is; the bells are synthesized already ringing in a room of
their own (generator.sources.bellsynth), so they are not sent twice.

A reverb bus is a filter with memory, and the mixer renders arbitrary windows of the track
on their own (previews, the measuring pass's sampled windows), so a stateful bus would
have to be replayed from the start for every window. A linear time-invariant reverb does
not: the reverb of a sum is the sum of the reverbs, so convolving each placed sound with
the room's impulse response on its own, and placing that answer beside it, sounds exactly
like one bus, and any window is exact. Each answer is a separate placement that does not
duck the bed, so a tail runs on into the following pause without holding the bed down.

The impulse response is made here, not recorded: a few early reflections, different in
each ear, then a diffuse tail of noise decaying exponentially, faster for high
frequencies than for low ones (as air and soft furnishings absorb them), band-limited
to 150 Hz .. 9 kHz so the room adds no boom. It is scaled to unit energy, so `mix` is
the reverb's level against the dry sound. Left and right tails are independent noise,
so the room is wide while the dry voice stays in the middle.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
import numpy as np

from generator.core import model
from generator.core.audio import SAMPLE_RATE, db_to_gain
from generator.kinds.steps import STEP_KINDS
from generator.plan.timeline import Placement, Timeline

SIZES = model.ROOM_SIZES

SEED = 0x524F4F4D
"""The impulse responses are noise: a fixed seed makes every render of a script identical."""


@dataclass(frozen=True)
class RoomSend:
    """The room's answer to one placed sound (its first `length` samples, at `gain_db`)."""

    sound: object
    length: int


def sends_to_room(sound: object) -> bool:
    """Whether a placed sound is heard in the room: its step kind says (the voice is; bells
    ring in the room they were synthesized in, tones and played files in none)."""
    return STEP_KINDS.heard_in_room(sound)


def tail_samples(room: model.Room, rate: int = SAMPLE_RATE) -> int:
    """How long the room rings on after a sound: until its tail is 60 dB down."""
    rt60, predelay = SIZES[room.size]
    return int(round((rt60 + predelay) * rate))


def with_room(timeline: Timeline) -> tuple[Placement, ...]:
    """The timeline's placements plus one room answer per voice or bell placement, sorted by start."""
    room = timeline.session.room
    if room is None:
        return timeline.placements
    tail = tail_samples(room, timeline.rate)
    sends = [
        Placement(p.start, p.length + tail, RoomSend(p.sound, p.length), p.gain_db, voice=False)
        for p in timeline.placements
        if p.length > 0 and sends_to_room(p.sound)
    ]
    if not sends:
        return timeline.placements
    return tuple(sorted(timeline.placements + tuple(sends), key=lambda p: p.start))


CHUNK = 1 << 16
"""Samples of the dry sound convolved at a time (1.5 s): the transient buffers are a few MB
whatever the sound's length."""


CHUNK = 1 << 16
"""Samples of the dry sound convolved at a time (1.5 s): the transient buffers are a few MB
whatever the sound's length."""


def reverb(dry: np.ndarray, room: model.Room, rate: int = SAMPLE_RATE) -> np.ndarray:
    """The room's stereo answer to `dry` (mono or stereo): ``(len(dry) + tail, 2)`` float32."""
    send = (dry if dry.ndim == 1 else dry.mean(axis=1)).astype(np.float32)
    wet = convolve(send, room.size, rate, send.shape[0] + tail_samples(room, rate))
    wet *= np.float32(db_to_gain(room.mix))
    return wet


def convolve(send: np.ndarray, size: str, rate: int, length: int) -> np.ndarray:
    """The first `length` samples of mono `send` convolved with the room's stereo impulse
    response, by overlap-add CHUNK samples at a time, into one float32 (length, 2) array.

    scipy's oaconvolve transformed every block of a sentence at once: 35 MB of spectra
    for a 10-second sentence, the largest allocation of a warm render. Chunk by chunk,
    the answer is the same to float32 rounding (about 1e-7 of its peak)."""
    import scipy.fft

    fft_size, spectrum = _response_spectrum(size, rate)
    reach = fft_size - CHUNK  # at least the response's length - 1
    wet = np.zeros((length, 2), dtype=np.float32)
    for start in range(0, min(send.shape[0], length), CHUNK):
        piece = send[start : start + CHUNK]
        answer = scipy.fft.irfft(scipy.fft.rfft(piece, fft_size)[:, None] * spectrum, fft_size, axis=0)
        stop = min(length, start + piece.shape[0] + reach)
        wet[start:stop] += answer[: stop - start]
    return wet


@lru_cache(maxsize=8)
def _response_spectrum(size: str, rate: int) -> tuple[int, np.ndarray]:
    """The FFT length for CHUNK samples and the room's response, and the response's spectrum at it."""
    import scipy.fft

    response = impulse_response(size, rate)
    fft_size = scipy.fft.next_fast_len(CHUNK + response.shape[0] - 1, real=True)
    return fft_size, scipy.fft.rfft(response, fft_size, axis=0)


@lru_cache(maxsize=8)
def impulse_response(size: str, rate: int = SAMPLE_RATE) -> np.ndarray:
    """A stereo impulse response ``(n, 2)`` for a room of `size`, with unit energy per channel."""
    rt60, predelay = SIZES[size]
    n = int(round((rt60 + predelay) * rate)) + 1
    rng = np.random.default_rng(SEED + sum(map(ord, size)))
    t = np.arange(n) / rate
    onset = int(predelay * rate)
    channels = []
    for _ in range(2):
        late = _decaying_noise(rng, n, rate, rt60)
        late[:onset] = 0.0
        build = np.clip((t - predelay) / max(predelay * 2, 0.004), 0.0, 1.0)  # the diffuse field builds up
        response = late * build
        for _ in range(6):  # early reflections, in the first few tens of milliseconds
            at = onset + int(rng.uniform(0.5, 4.0) * predelay * rate + rng.uniform(0, 0.015) * rate)
            if at < n:
                response[at] += rng.choice((-1.0, 1.0)) * rng.uniform(1.5, 3.0)
        response = _band_limit(response, rate)
        channels.append(response / np.sqrt(np.sum(response**2)))
    return np.stack(channels, axis=1).astype(np.float32)


def _decaying_noise(rng: np.random.Generator, n: int, rate: int, rt60: float) -> np.ndarray:
    """Noise whose highs die away faster than its lows (three bands, three decay times)."""
    t = np.arange(n) / rate
    noise = np.fft.rfft(rng.standard_normal(n))
    freqs = np.fft.rfftfreq(n, 1 / rate)
    out = np.zeros(n)
    for low, high, factor in ((0, 600, 1.15), (600, 4000, 1.0), (4000, rate / 2 + 1, 0.55)):
        band = np.fft.irfft(np.where((freqs >= low) & (freqs < high), noise, 0), n)
        out += band * np.exp(-6.91 * t / (rt60 * factor))
    return out


def _band_limit(response: np.ndarray, rate: int) -> np.ndarray:
    """Keep the room out of the lows (no boom) and gently off the top (no hiss)."""
    from scipy.signal import butter, sosfilt

    sos = butter(2, [150, 9000], btype="bandpass", fs=rate, output="sos")
    return sosfilt(sos, response)
