"""Render the project's own soundscapes into `audio_assets/` (Ogg Vorbis, seamless loops).

    python tools/make_audio_assets.py                 # every sound, into audio_assets/
    python tools/make_audio_assets.py rain --look /tmp/look   # one sound, with figures

Each sound is one period of a periodic signal made by a physical sketch in
`soundscape_models.py` (seeded, so a rerun gives the same samples before encoding),
normalised to REFERENCE_LUFS integrated loudness (BS.1770), and written as Ogg Vorbis.
`manifest.json` records each file's name, kind, length, licence, description and
measured loudness (after decoding), which `generator.sources.assets` reads.

`--look DIR` also writes, per sound, a spectrogram PNG and prints what was listened for:
the level over 1 s windows (spread, range), the spectral centroid over time, the peak,
the largest sample step at the loop point against the largest elsewhere.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from soundscape_kit import RATE
from soundscape_models import MODELS

ROOT = Path(__file__).resolve().parent.parent
OUT = ROOT / "audio_assets"
REFERENCE_LUFS = -27.0
"""Integrated loudness of every asset: low enough that crackles and breaking waves keep
their peaks under -1 dBFS, and the same for all so one `volume` means one loudness."""
COMPRESSION = 0.45
"""libsndfile's Vorbis compression level (0 best .. 1 smallest): about Vorbis quality 5.5."""
LICENCE = "GPL-3.0-or-later"

SOUNDS = {
    # name: (kind, seconds, seed, description)
    "rain": ("ambience", 90, 11, "Steady rain on leaves and wet ground, drips from an edge nearby; the rain thickens and thins."),
    "stream": ("ambience", 90, 23, "A shallow stream over stones: bubbling and trickling at several places across the field."),
    "ocean": ("ambience", 100, 37, "Waves breaking on a sandy shore every 8-14 s, each brightening as it breaks, then the wash."),
    "wind": ("ambience", 110, 41, "Wind in open country with gusts, moving across the stereo field; leaves rustle after gusts."),
    "night": ("ambience", 120, 53, "A summer meadow at night: crickets near and far, a soft breeze, an owl far away."),
    "fire": ("ambience", 90, 67, "A wood fire: a low flickering roar, crackles in bursts, the odd pop and hiss of sap."),
    "pad": ("music", 96, 79, "A slowly evolving warm pad in D major: soft chords changing every 10-14 s, no drums."),
}


def loudness(samples: np.ndarray) -> float:
    import pyloudnorm

    return float(pyloudnorm.Meter(RATE).integrated_loudness(samples))


def render(name: str) -> np.ndarray:
    """One sound, normalised to REFERENCE_LUFS, float32 (n, 2)."""
    _, seconds, seed, _ = SOUNDS[name]
    samples = MODELS[name](np.random.default_rng(seed), int(seconds * RATE))
    samples = samples - samples.mean(axis=0)
    samples *= 10 ** ((REFERENCE_LUFS - loudness(samples)) / 20)
    peak = float(np.max(np.abs(samples)))
    if peak > 10 ** (-1 / 20):
        raise SystemExit(f"{name}: peak {20 * np.log10(peak):.1f} dBFS at {REFERENCE_LUFS} LUFS; tame its events")
    return samples.astype(np.float32)


def write(name: str, samples: np.ndarray, folder: Path) -> dict:
    """Encode `samples` and return its manifest entry (measured from the decoded file)."""
    import soundfile as sf

    kind, _, _, description = SOUNDS[name]
    path = folder / f"{name}.ogg"
    # In blocks: libsndfile's Vorbis writer overflows its stack on one very large write.
    with sf.SoundFile(str(path), "w", RATE, 2, "VORBIS", format="OGG", compression_level=COMPRESSION) as handle:
        for at in range(0, samples.shape[0], 65_536):
            handle.write(samples[at : at + 65_536])
    decoded, _ = sf.read(str(path), dtype="float64", always_2d=True)
    return {
        "name": name,
        "kind": kind,
        "file": path.name,
        "seconds": round(decoded.shape[0] / RATE, 3),
        "licence": LICENCE,
        "description": description,
        "loudness_lufs": round(loudness(decoded), 2),
        "seed": SOUNDS[name][2],
    }


def look(name: str, samples: np.ndarray, folder: Path) -> None:
    """Print what a listener would notice, and save a spectrogram to view."""
    x = samples.astype(np.float64)
    mono = x.mean(axis=1)
    windows = mono[: mono.shape[0] // RATE * RATE].reshape(-1, RATE)
    level = 10 * np.log10(np.mean(windows**2, axis=1) + 1e-20)
    spectra = np.abs(np.fft.rfft(windows * np.hanning(RATE), axis=1)) ** 2
    freqs = np.fft.rfftfreq(RATE, 1 / RATE)
    centroid = (spectra @ freqs) / spectra.sum(axis=1)
    steps = np.abs(np.diff(np.concatenate([x, x[:1]]), axis=0)).max(axis=1)
    seam = steps[-1]
    print(
        f"{name:7s} level 1s: sd {level.std():4.1f} dB range {level.min():6.1f}..{level.max():6.1f} | "
        f"centroid {centroid.mean():5.0f} Hz sd {centroid.std():4.0f} | peak {20 * np.log10(np.abs(x).max()):5.1f} dBFS | "
        f"seam step {seam:.4f} vs p99.9 {np.quantile(steps, 0.999):.4f} max {steps.max():.4f}"
    )
    _spectrogram(name, mono, folder / f"{name}.png")
    _spectrogram(f"{name} (4 s from 20 s)", mono[20 * RATE : 24 * RATE], folder / f"{name}-zoom.png", 512)


def _spectrogram(name: str, mono: np.ndarray, path: Path, window: int = 2048) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from scipy.signal import spectrogram

    f, t, s = spectrogram(mono, RATE, nperseg=window, noverlap=window // 2)
    fig, axes = plt.subplots(2, 1, figsize=(14, 7), gridspec_kw={"height_ratios": [3, 1]})
    axes[0].pcolormesh(t, f, 10 * np.log10(s + 1e-14), shading="auto", vmin=-130, vmax=-50, cmap="magma")
    axes[0].set_yscale("symlog", linthresh=500)
    axes[0].set_ylim(30, 20000)
    axes[0].set_title(name)
    hop = RATE // 10 if window >= 2048 else RATE // 200
    env = 10 * np.log10(np.mean(mono[: mono.shape[0] // hop * hop].reshape(-1, hop) ** 2, axis=1) + 1e-20)
    axes[1].plot(np.arange(env.shape[0]) * hop / RATE, env)
    axes[1].set_ylabel(f"dB ({hop / RATE:.3f} s)")
    fig.tight_layout()
    fig.savefig(path, dpi=70)
    plt.close(fig)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", choices=[[]] + list(SOUNDS), help="sounds to render (default: all)")
    parser.add_argument("--look", type=Path, help="also write spectrograms here and print measurements")
    parser.add_argument("--no-write", action="store_true", help="only look, do not touch audio_assets/")
    args = parser.parse_args()
    names = args.names or list(SOUNDS)
    manifest_path = OUT / "manifest.json"
    manifest = {e["name"]: e for e in json.loads(manifest_path.read_text())["sounds"]} if manifest_path.exists() else {}
    OUT.mkdir(exist_ok=True)
    for name in names:
        samples = render(name)
        if args.look:
            args.look.mkdir(parents=True, exist_ok=True)
            look(name, samples, args.look)
        if not args.no_write:
            manifest[name] = write(name, samples, OUT)
            print(f"{name}: {(OUT / f'{name}.ogg').stat().st_size / 1e6:.2f} MB, {manifest[name]['loudness_lufs']} LUFS")
    if not args.no_write:
        entries = [manifest[n] for n in SOUNDS if n in manifest]
        text = json.dumps({"reference_lufs": REFERENCE_LUFS, "sounds": entries}, indent=2) + "\n"
        manifest_path.write_text(text)


if __name__ == "__main__":
    main()
