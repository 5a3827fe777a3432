"""The narration's pace over the session library, measured with the real voice.

    python bench/pace.py                      # every script in scripts/
    python bench/pace.py scripts/welcome.yaml --cache-dir /tmp/pace-cache

Words a minute **inside say entries** (the words of each `say` entry over the entry's
length: sentence and paragraph pauses not counted, pauses at commas counted, since they
are inside the utterance) and **overall** (the words of the whole session over the
track's length). Speech is synthesized into the cache given (or the user's), so a second
run is quick. `render.WORDS_PER_MINUTE` (the `plan --estimate` pace) is set from the first
figure at speed 1.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from generator.core.audio import SAMPLE_RATE  # noqa: E402
from generator.load.loader import load_script  # noqa: E402
from generator.pipeline.rendering import plan_timeline  # noqa: E402
from generator.voice.bank import SpeechBank  # noqa: E402


def pace(script: Path, speech: SpeechBank) -> tuple[int, float, float]:
    """(words said, seconds of say entries, seconds of the whole track) for one script."""
    timeline = plan_timeline(load_script(script), speech)
    words = 0
    samples = 0
    for entry in timeline.entries():
        if entry.kind == "say" and entry.text:
            words += len(entry.text.split())
            samples += entry.length
    return words, samples / SAMPLE_RATE, timeline.seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scripts", nargs="*", type=Path)
    parser.add_argument("--cache-dir", type=Path)
    args = parser.parse_args()
    scripts = args.scripts or sorted((HERE.parent / "scripts").glob("*.yaml"))
    speech = SpeechBank(args.cache_dir)
    total_words = 0
    total_seconds = 0.0
    print(f"{'script':<22} {'words':>6} {'say s':>8} {'wpm in say':>10} {'wpm overall':>11}")
    for script in scripts:
        words, seconds, track = pace(script, speech)
        total_words += words
        total_seconds += seconds
        print(f"{script.name:<22} {words:>6} {seconds:>8.1f} {words / seconds * 60:>10.1f} {words / track * 60:>11.1f}")
    print(f"{'all':<22} {total_words:>6} {total_seconds:>8.1f} {total_words / total_seconds * 60:>10.1f}")


if __name__ == "__main__":
    main()
