"""The seven procedural soundscapes: one function per sound, each a physical sketch.

Each model takes a seeded generator and a loop length in samples and returns float64
stereo (n, 2), one period of a seamless loop, at any level (the caller normalises).
The reasoning behind each model is in its docstring; `audio_assets/README.md` sums it up.
"""

from __future__ import annotations

import numpy as np
from soundscape_kit import (
    RATE,
    add_wrapped,
    banded_noise,
    bubble,
    circular_filter,
    control_times,
    decaying_burst,
    highpass,
    lfo,
    log_bands,
    lowpass,
    pan,
    pink,
    reverb,
    shaped_noise,
    sparse_impulses,
    stretch,
)


def _stereo_noise(n: int, rng: np.random.Generator, response) -> np.ndarray:
    return np.stack([shaped_noise(n, rng, response), shaped_noise(n, rng, response)], axis=1)


def _unit(x: np.ndarray) -> np.ndarray:
    return x / (np.sqrt(np.mean(x**2)) or 1.0)


def _thinned_times(rng: np.random.Generator, n: int, rate: float, density: np.ndarray) -> np.ndarray:
    """Event times (samples) of a Poisson process whose rate follows `density` in [0, 1]."""
    count = rng.poisson(rate * n / RATE)
    times = np.sort(rng.integers(0, n, count))
    return times[rng.random(count) < density[times]]


# --- rain --------------------------------------------------------------------------------


def rain(rng: np.random.Generator, n: int) -> np.ndarray:
    """Rain on leaves and a wet ground, with water dripping from an edge nearby.

    Heard rain is millions of impacts: far away they fuse into a hiss (shaped noise,
    peaking around 2-5 kHz, rolled off above 8 kHz so it is not a bright static hiss);
    at middle distance into patter (sparse impulses, filtered like small ticks); near by
    they are single events: ticks on leaves (short decaying bursts, each filtered at its
    own centre between 1 and 6 kHz, so some are dull and some bright) and drops into
    puddles (small bubbles ringing 1.5-4 kHz). A few drip points let fall larger drops
    (plops at 500-1100 Hz) at their own irregular pace. The rain's intensity drifts
    slowly (waves of heavier and lighter rain every 10-45 s) and every layer follows it.
    """
    intensity = 0.5 + 0.5 * lfo(n, rng, (2, 9), tilt=0.7)
    bed_gain = 10 ** ((intensity - 0.5) * 7 / 20)
    hiss = _stereo_noise(n, rng, lambda f: pink(f) * highpass(f, 350, 2) * lowpass(f, 6500, 2) * (1 + 1.2 * np.exp(-(np.log2(np.maximum(f, 1) / 3200)) ** 2)))
    out = 0.9 * _unit(hiss) * bed_gain[:, None]
    tick = lambda f: highpass(f, 900, 2) * lowpass(f, 5500, 2)
    patter = np.stack([circular_filter(sparse_impulses(n, rng, 2500, intensity[::441]), tick) for _ in range(2)], axis=1)
    out += 0.55 * _unit(patter) * bed_gain[:, None]
    near = np.zeros((n, 2))
    for start in _thinned_times(rng, n, 18.0, intensity**1.5):
        size = min(rng.lognormal(0.0, 0.5), 4.0)
        if rng.random() < 0.78:
            centre = float(np.exp(rng.uniform(np.log(1000), np.log(6000))))
            tau = rng.uniform(0.0006, 0.003)
            event = decaying_burst(rng, tau, centre, rng.uniform(1.2, 4.0), 6 * tau + 0.004)
        else:
            event = bubble(float(np.exp(rng.uniform(np.log(1500), np.log(4000)))), 0.7, 0.1)
        add_wrapped(near, int(start), pan(event * size * 4.0, rng.uniform(-0.9, 0.9)))
    out += near
    for _ in range(3):  # drip points: a gutter, a branch, a leaf
        where, pitch = rng.uniform(-0.7, 0.7), rng.uniform(500, 1100)
        at = rng.uniform(0, 2) * RATE
        while at < n:
            add_wrapped(out, int(at), pan(bubble(pitch * rng.uniform(0.9, 1.12), 0.07 * rng.lognormal(0, 0.3), 0.15), where))
            at += rng.uniform(1.8, 6.5) * RATE
    return out + 0.25 * reverb(out, rng, 0.9, 5000)


# --- stream ------------------------------------------------------------------------------


def stream(rng: np.random.Generator, n: int) -> np.ndarray:
    """A shallow stream over stones: bubble resonances over a soft band of water noise.

    The liquid sound of running water is air bubbles caught in it: each rings at its
    Minnaert frequency (3.26 / radius), decays through its own losses, and rises in
    pitch as it nears the surface (see `bubble`). Bubbles come in clusters (a small
    cascade over one stone traps several of similar size within tens of milliseconds),
    and each of five spots across the stereo field has its own slowly varying activity,
    so the stream has places, not an even fizz. Radii of 0.7-7 mm give 470 Hz-4.7 kHz,
    small ones more often. Under them a gentle band of water noise (150 Hz-3 kHz).
    """
    bed = _stereo_noise(n, rng, lambda f: pink(f) * highpass(f, 150, 2) * lowpass(f, 2500, 2))
    out = 0.45 * _unit(bed) * (10 ** (lfo(n, rng, (2, 8)) * 2 / 20))[:, None]
    spots = [(position, 0.5 + 0.5 * lfo(n, rng, (3, 14))) for position in np.linspace(-0.8, 0.8, 5)]
    bubbles = np.zeros((n, 2))
    for position, activity in spots:
        for start in _thinned_times(rng, n, 14.0, 0.3 + 0.7 * activity**2):
            base = 0.0007 * (0.007 / 0.0007) ** (rng.random() ** 1.8)  # small bubbles more often
            for _ in range(1 + rng.poisson(3.0)):
                radius = base * rng.lognormal(0.0, 0.2)
                f0 = min(3.26 / radius, 5000.0)
                amplitude = (radius / 0.003) ** -0.3 * rng.lognormal(0.0, 0.4) * 0.1
                at = int(start + rng.uniform(0, 0.09) * RATE)
                spread = np.clip(position + rng.normal(0, 0.12), -1, 1)
                add_wrapped(bubbles, at, pan(bubble(f0, amplitude, rng.uniform(0.05, 0.2)), spread))
    out += _unit(bubbles)
    return out + 0.2 * reverb(out, rng, 0.6, 4000)


# --- ocean -------------------------------------------------------------------------------


def _wave_plan(rng: np.random.Generator, loop: float) -> list[tuple[float, float, float, float]]:
    """(start, crest, strength, position) of breaks whose wave periods (8-14 s) fill the loop.

    About one wave in three breaks twice: a smaller second break a couple of seconds
    after the first, somewhere else along the shore (as happens on a real beach)."""
    periods: list[float] = []
    while sum(periods) < loop - 4:
        periods.append(rng.uniform(8, 14))
    periods = list(np.array(periods) * (loop / sum(periods)))
    waves, start = [], rng.uniform(0, 3)
    for period in periods:
        crest = start + period * rng.uniform(0.5, 0.68)
        strength = rng.uniform(0.5, 1.0)
        waves.append((start, crest, strength, rng.uniform(-0.5, 0.5)))
        if rng.random() < 0.35:
            waves.append((crest - 2.0, crest + rng.uniform(1.5, 3.0), strength * rng.uniform(0.4, 0.6), rng.uniform(-0.7, 0.7)))
        start += period
    return waves


def _wave(times: np.ndarray, rng: np.random.Generator, start: float, crest: float, strength: float) -> tuple:
    """(level, brightness 0..1, foam) of one wave at `times` (already shifted for wrapping)."""
    t = times - start
    build = crest - start
    approach = 0.5 - 0.5 * np.cos(np.pi * np.clip(t / build, 0, 1))
    surge_time = rng.uniform(0.8, 2.2)
    after = t - build
    surge = np.sin(0.5 * np.pi * np.clip(after / surge_time, 0, 1)) ** 2
    tau = rng.uniform(2.2, 3.8) * (0.6 + 0.4 * strength)
    past = np.maximum(after - surge_time, 0)
    wash = surge * np.exp(-past / tau)
    swell = 0.4 * approach * np.exp(-np.maximum(after, 0) / 1.5)
    level = strength * np.sqrt(swell**2 + wash**2)
    bright = surge * np.exp(-past / (rng.uniform(0.35, 0.55) * tau)) * rng.uniform(0.6, 1.0)
    foam = strength * surge * np.exp(-past / (0.9 * tau))
    return level, bright, foam


def ocean(rng: np.random.Generator, n: int) -> np.ndarray:
    """Waves breaking on a sandy shore, with the wash running back after each.

    Each wave (periods drawn 8-14 s, strengths varied) is an envelope over a filter bank
    of noise: a dark swelling roar as it approaches (only the bands under ~500 Hz), a
    brightening as it breaks (over 0.8-2.2 s the cutoff runs up to 2-5 kHz), then the
    wash, whose level decays over several seconds while it darkens faster than it fades.
    Foam fizz (sparse high impulses) follows the wash and dies away. Each break happens
    at its own place across the stereo field; some waves break twice; a low distant surf
    that rises and falls slowly never stops.
    """
    loop = n / RATE
    times = control_times(n)
    centres = log_bands(40, 14000, 2)
    tilt = 1 / np.sqrt(np.maximum(centres, 60) / 60) ** 0.6
    power = {side: np.zeros((centres.shape[0], times.shape[0])) for side in (0, 1)}
    foam = np.zeros(times.shape[0])
    for start, crest, strength, where in _wave_plan(rng, loop):
        state = rng.bit_generator.state
        for shift in (-loop, 0.0, loop):  # wrap the wave's tail round the loop
            rng.bit_generator.state = state  # the same wave in each copy
            level, bright, froth = _wave(times, rng, start + shift, crest + shift, strength)
            cutoff = 450 + 4500 * bright * strength
            shape = lowpass(centres[:, None], cutoff[None, :], 2) * tilt[:, None]
            for side, weight in ((0, 1 - 0.5 * where), (1, 1 + 0.5 * where)):
                power[side] += (level * weight)[None, :] ** 2 * shape**2
            foam += froth
    surf = 0.3 * 10 ** (3 * stretch(lfo(times.shape[0], rng, (2, 6)), times.shape[0]) / 20)
    distant = (lowpass(centres, 700, 2) * tilt)[:, None] ** 2 * surf[None, :] ** 2
    # Amplitude ** 0.8: a gentler swell (about 11 dB from trough to break, not 16), so the
    # breaks never come near a voice over them.
    out = np.stack([banded_noise(n, rng, centres, (power[side] + distant) ** 0.4) for side in (0, 1)], axis=1)
    fizz_shape = lambda f: highpass(f, 2500, 2) * lowpass(f, 9000, 2)
    fizz = np.stack([circular_filter(sparse_impulses(n, rng, 2500), fizz_shape) for _ in range(2)], axis=1)
    return out + 0.35 * _unit(fizz) * np.std(out) * stretch(foam / foam.max(), n)[:, None]


# --- wind --------------------------------------------------------------------------------


def _gusts(rng: np.random.Generator, times: np.ndarray, loop: float) -> np.ndarray:
    """Gust strength in [0, 1] at `times`: a slow base plus asymmetric gusts (fast rise, slow fall)."""
    base = 0.35 + 0.2 * stretch(lfo(times.shape[0], rng, (2, 10)), times.shape[0])
    gusts = np.zeros(times.shape[0])
    at = rng.uniform(0, 5)
    while at < loop:
        rise, fall, size = rng.uniform(1.2, 3.5), rng.uniform(2.5, 7.0), rng.uniform(0.15, 0.5)
        for shift in (-loop, 0.0, loop):
            t = times - at - shift
            shape = np.where(t < 0, np.exp(-(t / rise) ** 2), np.exp(-(t / fall) ** 2))
            gusts += size * shape
        at += rng.uniform(5, 13)
    return np.tanh(base + gusts)


def wind(rng: np.random.Generator, n: int) -> np.ndarray:
    """Wind in open country: band-passed noise whose centre wanders, with gusts.

    The moving air itself makes a broad low rush; where it meets edges (branches, a
    roof, the ears) it adds a band that rises in pitch with speed, so the band's centre
    follows the gust strength (about 220 Hz calm to 900 Hz in a strong gust) and wanders
    a little on its own. Gusts rise faster than they die away. The two ears hear
    independent noise with their own centres (a little apart) and the wind's direction
    drifts slowly, so it moves across the field. Leaves rustle (sparse high impulses)
    shortly after each gust, as trees respond with a lag.
    """
    loop = n / RATE
    times = control_times(n)
    strength = _gusts(rng, times, loop)
    wander = stretch(lfo(times.shape[0], rng, (4, 20)), times.shape[0])
    direction = 0.6 * stretch(lfo(times.shape[0], rng, (1, 5)), times.shape[0])
    centres = log_bands(40, 10000, 3)
    out = np.zeros((n, 2))
    for side, offset in ((0, -0.08), (1, 0.08)):
        centre = np.log2(220) + 2.0 * strength ** 1.3 + 0.35 * wander + offset
        resonant = np.exp(-0.5 * ((np.log2(centres)[:, None] - centre[None, :]) / 0.45) ** 2)
        rush = (lowpass(centres, 300, 1) / np.sqrt(centres / 40))[:, None] * 0.6
        angle = 0.25 * np.pi * (direction + 1)
        weight = np.cos(angle) if side == 0 else np.sin(angle)
        gains = (rush + 1.1 * resonant * strength[None, :]) * (0.3 + strength[None, :]) * (0.6 + 0.8 * weight[None, :])
        out[:, side] = banded_noise(n, rng, centres, gains)
    lagged = np.roll(strength, int(0.6 / (times[1] - times[0])))
    rustle_shape = lambda f: highpass(f, 2000, 2) * lowpass(f, 6000, 4)
    rustle = np.stack([circular_filter(sparse_impulses(n, rng, 4000), rustle_shape) for _ in range(2)], axis=1)
    return out + 0.15 * _unit(rustle) * np.std(out) * stretch(lagged**2, n)[:, None]


# --- night -------------------------------------------------------------------------------


def _cricket_chirp(rng: np.random.Generator, carrier: float, pulses: int, pulse: float, gap: float) -> np.ndarray:
    """One chirp: `pulses` tone pulses (each falling slightly in pitch, as the wing's
    file-and-scraper stroke slows), with a weak second harmonic; the first is softer."""
    period = pulse + gap
    n = int((pulses * period + 0.01) * RATE)
    out = np.zeros(n)
    m = int(pulse * RATE)
    t = np.arange(m) / RATE
    env = np.sin(np.pi * np.minimum(t / pulse / 0.3, 1) / 2) ** 2 * np.cos(0.5 * np.pi * np.clip((t / pulse - 0.3) / 0.7, 0, 1))
    for k in range(pulses):
        f = carrier * (1 - 0.03 * t / pulse) * rng.normal(1, 0.002)
        phase = 2 * np.pi * np.cumsum(f) / RATE
        level = (0.6 if k == 0 else 1.0) * rng.uniform(0.85, 1.0)
        start = int(k * period * RATE)
        out[start : start + m] += level * env * (np.sin(phase) + 0.08 * np.sin(2 * phase))
    return out


def _owl(rng: np.random.Generator) -> np.ndarray:
    """A tawny owl's far-off hoot: a soft hoo, a pause, a wavering hu-hoooo, around 400 Hz."""
    parts = [(0.0, 0.55, 430), (1.25, 0.25, 400), (1.55, 1.5, 420)]
    n = int(3.3 * RATE)
    out = np.zeros(n)
    for begin, length, f in parts:
        m = int(length * RATE)
        t = np.arange(m) / RATE
        freq = f * (1 - 0.06 * t / length) * (1 + 0.012 * np.sin(2 * np.pi * 6 * t) * (t > 0.4))
        phase = 2 * np.pi * np.cumsum(freq) / RATE
        env = np.sin(np.pi * np.minimum(t / 0.08, 1) / 2) ** 2 * np.exp(-1.2 * t / length) * np.cos(0.5 * np.pi * np.clip((t - length + 0.15) / 0.15, 0, 1))
        start = int(begin * RATE)
        out[start : start + m] += env * (np.sin(phase) + 0.15 * np.sin(2 * phase) + 0.04 * np.sin(3 * phase))
    return out


def night(rng: np.random.Generator, n: int) -> np.ndarray:
    """A summer meadow at night: field crickets near and far, a soft bed, a distant owl.

    Each cricket sings chirps of 3-5 pulses at its own carrier (4.1-5.2 kHz), pulse and
    chirp rate, with a little timing jitter, and now and then falls silent for a few
    seconds; each stands at its own place and distance (farther is quieter and duller).
    Far crickets make a wash; under it a soft meadow bed of air (pink noise under
    1.2 kHz, slowly breathing). Once per loop a tawny owl hoots far away, dull and heard
    half through its reverberation.
    """
    bed = _stereo_noise(n, rng, lambda f: pink(f) * highpass(f, 90, 2) * lowpass(f, 1200, 2))
    out = 0.3 * _unit(bed) * (10 ** (lfo(n, rng, (2, 9)) * 3 / 20))[:, None]
    insects = np.zeros((n, 2))
    carriers = rng.permutation(np.linspace(4100, 5200, 7))
    for index, carrier in enumerate(carriers):
        distance = rng.uniform(1.0, 1.6) if index < 3 else rng.uniform(2.0, 4.0)
        where, pulses = rng.uniform(-0.85, 0.85), int(rng.integers(3, 6))
        pulse, gap = rng.uniform(0.012, 0.018), rng.uniform(0.012, 0.02)
        every = rng.uniform(0.45, 0.95)
        voice = np.zeros(n)
        at, quiet_until = rng.uniform(0, every) * RATE, -1.0
        while at < n:
            if at >= quiet_until:
                add_wrapped(voice, int(at), _cricket_chirp(rng, carrier, pulses, pulse, gap) * rng.uniform(0.8, 1.0))
            if rng.random() < every / 40:  # stops for a while about every 40 s
                quiet_until = at + rng.uniform(2.0, 9.0) * RATE
            at += every * rng.normal(1.0, 0.03) * RATE
        if distance > 1:
            voice = circular_filter(voice, lambda f, d=distance: lowpass(f, 9000 / d, 1))
        insects += pan(voice / distance**1.5, where)
    insects = _unit(insects)
    out += insects + 0.35 * reverb(insects, rng, 0.8, 6000)
    owl = np.zeros((n, 2))
    add_wrapped(owl, int(rng.uniform(0.3, 0.7) * n), pan(_owl(rng), rng.uniform(-0.6, 0.6)))
    owl = circular_filter(owl, lambda f: lowpass(f, 1500, 2))
    return out + 0.4 * owl + 0.6 * reverb(owl, rng, 2.2, 1500)


# --- fire --------------------------------------------------------------------------------


def fire(rng: np.random.Generator, n: int) -> np.ndarray:
    """A wood fire: a low roar that flickers, crackles in bursts, the odd pop and hiss.

    Burning gas is turbulent and roars low (noise between 60 and 320 Hz, with a softer
    breath up to 1 kHz), its level flickering with the flames (controls of 0.7-5 s).
    Wood crackles as water and gas burst from cells: tiny broadband clicks of 0.1-1 ms
    with power-law sizes (many small, few large), mostly in bursts as a piece of wood
    heats; now and then a larger pop rings briefly around 0.6-2 kHz; sap hisses for a
    few seconds once in a while. Everything comes from a fire a couple of metres wide.
    """
    loop = n / RATE
    flicker = 10 ** ((2.5 * lfo(n, rng, (round(loop / 5), round(loop / 0.7)), tilt=0.5) + 2 * lfo(n, rng, (2, 8))) / 20)
    roar = _stereo_noise(n, rng, lambda f: highpass(f, 60, 2) * lowpass(f, 320, 2) / np.sqrt(np.maximum(f, 20)))
    breath = _stereo_noise(n, rng, lambda f: highpass(f, 250, 1) * lowpass(f, 1100, 2) / np.sqrt(np.maximum(f, 20)))
    out = (_unit(roar) + 0.35 * _unit(breath)) * flicker[:, None] * 0.35
    activity = 0.5 + 0.5 * lfo(n, rng, (3, 12))
    crackles = np.zeros((n, 2))
    starts = list(_thinned_times(rng, n, 6.0, activity))
    for burst in _thinned_times(rng, n, 1.8, activity**2):
        starts += list(burst + rng.uniform(0, 0.35, 1 + rng.poisson(6)) * RATE)
    for start in starts:
        size = min(rng.pareto(2.2) + 0.2, 4.0)
        tau = rng.uniform(0.0001, 0.0009)
        centre = float(np.exp(rng.uniform(np.log(1200), np.log(7000))))
        event = decaying_burst(rng, tau, centre, rng.uniform(0.7, 2.0), 8 * tau + 0.002)
        add_wrapped(crackles, int(start), pan(event * size * 2.0, rng.uniform(-0.45, 0.45)))
    at = rng.uniform(0, 3) * RATE
    while at < n:
        thump = bubble(rng.uniform(150, 300), 0.25, 0.0)
        pop = decaying_burst(rng, rng.uniform(0.002, 0.006), rng.uniform(600, 2000), rng.uniform(3, 6), 0.06)
        thump[: pop.shape[0]] += pop
        pop = thump
        add_wrapped(crackles, int(at), pan(pop * rng.uniform(0.6, 1.4) * 0.8, rng.uniform(-0.4, 0.4)))
        at += rng.exponential(4.0) * RATE + 0.3 * RATE
    out += crackles
    for _ in range(max(1, round(loop / 25))):
        length = rng.uniform(1.5, 4.0)
        t = np.arange(int(length * RATE)) / RATE
        hiss = decaying_burst(rng, 10.0, rng.uniform(3500, 6000), 2.0, length) * np.sin(np.pi * t / length) ** 2
        add_wrapped(out, int(rng.uniform(0, n)), pan(hiss * 0.08, rng.uniform(-0.3, 0.3)))
    out = circular_filter(out, lambda f: lowpass(f, 9000, 2))
    return out + 0.15 * reverb(out, rng, 0.5, 4000)


# --- pad ---------------------------------------------------------------------------------

CHORDS = (  # D major, calm: I - vi - IV - I6 - ii - IV - Vsus - I (MIDI notes, lowest first)
    (14, (50, 57, 64, 66, 69)),
    (10, (47, 54, 62, 64, 69)),
    (12, (43, 50, 59, 66, 69)),
    (14, (42, 57, 62, 64, 69)),
    (10, (40, 47, 55, 62, 66)),
    (12, (43, 55, 59, 62, 66)),
    (12, (45, 52, 59, 62, 64)),
    (12, (50, 57, 62, 64, 66)),
)
"""(seconds, notes) of the pad's progression; 96 s in all."""


def _saw(freq: np.ndarray, phase0: float) -> np.ndarray:
    """A band-limited sawtooth (PolyBLEP) following the per-sample frequency `freq`."""
    dt = freq / RATE
    phase = (phase0 + np.cumsum(dt)) % 1.0
    out = 2 * phase - 1
    low, high = phase < dt, phase > 1 - dt
    x = phase[low] / dt[low]
    out[low] -= x + x - x * x - 1
    x = (phase[high] - 1) / dt[high]
    out[high] -= x * x + x + x + 1
    return out


def _triangle(freq: np.ndarray, phase0: float) -> np.ndarray:
    phase = (phase0 + np.cumsum(freq / RATE)) % 1.0
    return 4 * np.abs(phase - 0.5) - 1


def _note(rng: np.random.Generator, midi: int, length: float, attack: float, release: float) -> np.ndarray:
    """One pad note: three detuned saws and a triangle, each drifting a few cents."""
    n = int(length * RATE)
    base = 440 * 2 ** ((midi - 69) / 12)
    t = np.arange(n) / RATE
    voice = np.zeros(n)
    for cents, kind in ((-7, "saw"), (0, "tri"), (6, "saw"), (0.5, "saw")):
        drift = 2.0 * np.sin(2 * np.pi * rng.uniform(0.05, 0.15) * t + rng.uniform(0, 6.3))
        freq = base * 2 ** ((cents + drift) / 1200)
        wave = _saw(freq, rng.random()) if kind == "saw" else 1.6 * _triangle(freq, rng.random())
        voice += wave * (0.6 if midi < 48 and kind == "saw" else 1.0)
    rise = np.sin(0.5 * np.pi * np.clip(t / attack, 0, 1)) ** 2
    fall = np.cos(0.5 * np.pi * np.clip((t - (length - release)) / release, 0, 1)) ** 2
    return voice * rise * fall * (0.8 if midi >= 62 else 1.0)


def pad(rng: np.random.Generator, n: int) -> np.ndarray:
    """A slowly evolving warm pad in D major, no drums, for under a voice.

    Chords change every 10-14 s; each note swells in over 5 s and fades over 7 s into
    the next chord (so changes are soft crossings, never steps). Each note is three
    detuned band-limited saws and a triangle whose pitches drift by a few cents, so the
    sound beats gently. A low-pass (600 Hz dark to 1.8 kHz at most) opens and closes
    slowly, the top voices sit a little lower, a stereo chorus (two delay lines swept in
    opposite phase) widens it, and a long reverberation (4 s) softens every edge.
    """
    loop = n / RATE
    mono = np.zeros(n)
    at = 0.0
    for length, notes in CHORDS:
        for midi in notes:
            note = _note(rng, midi, length + 7.0 + 2.5, 5.0, 7.0)
            add_wrapped(mono, int((at - 2.5) * RATE), note / (1 + 0.02 * (midi - 50)))
        at += length
    assert abs(at - loop) < 0.01, "the pad's loop is one pass through its chords"
    bright = 0.5 + 0.5 * lfo(n, rng, (2, 6))
    dark, light = circular_filter(mono, lambda f: lowpass(f, 600, 2)), circular_filter(mono, lambda f: lowpass(f, 1800, 2))
    mono = circular_filter((1 - bright) * dark + bright * light, lambda f: highpass(f, 45, 2))
    t = np.arange(n) / RATE
    wet = np.zeros((n, 2))
    for side, phase in ((0, 0.0), (1, np.pi)):
        delay = (0.014 + 0.004 * np.sin(2 * np.pi * round(loop * 0.17) / loop * t + phase)) * RATE
        wet[:, side] = np.interp((np.arange(n) - delay) % n, np.arange(n + 1), np.concatenate([mono, mono[:1]]))
    out = np.stack([mono, mono], axis=1) * 0.75 + wet * 0.6
    return out + 0.45 * reverb(out, rng, 4.0, 3000)


MODELS = {"rain": rain, "stream": stream, "ocean": ocean, "wind": wind, "night": night, "fire": fire, "pad": pad}
