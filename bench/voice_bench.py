"""What do the voice chain and the room cost? Prints a table (and optionally writes JSON).

    python bench/voice_bench.py                 # a 5-minute session, the real voice
    python bench/voice_bench.py --minutes 3 --engine fake --repeat 3
    python bench/voice_bench.py --script scripts/relaxation.yaml   # a library session (dense speech)

Three jobs, each in a fresh process, taking turns (best of `--repeat`):

- **warm**: `render()` of the benchmark session (bench/sessions.py) with every utterance
  in the speech cache and the default room;
- **dry**: the same with `room: off`: warm minus dry is what the room costs a render;
- **chain**: the voice chain (generator.voice.chain) alone over the session's utterances,
  as prepared: it runs once per utterance when it is synthesized and its result is
  cached, so a warm render pays nothing for it; a cold render pays this once.

The chain's and the room's costs are reported as fractions of the warm render.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from render_bench import job, rounds  # noqa: E402
from sessions import session_yaml  # noqa: E402


def chain_job(script: str, cache: str) -> dict:
    """The voice chain over every utterance of the script (samples from the warm cache)."""
    from generator.load.loader import load_script
    from generator.kinds.steps import utterances
    from generator.voice.bank import SpeechBank
    from generator.voice.chain import voice_chain

    spoken = utterances(load_script(script))
    bank = SpeechBank(Path(cache))
    bank.prepare(spoken)
    clips = [bank.samples(u) for u in spoken]
    voice_chain(clips[0][:4410])  # the first call loads pedalboard: set-up, not work
    started = time.perf_counter()
    for clip in clips:
        voice_chain(clip)
    seconds = time.perf_counter() - started
    return {"seconds": seconds, "speech_seconds": sum(c.shape[0] for c in clips) / 44_100}


def bench(
    minutes: float, engine: str, repeat: int, work: Path, script: Path | None = None, utterances: int | None = None
) -> dict:
    env = dict(os.environ)
    env.pop("MEDITATE_FAKE_TTS", None)
    if engine == "fake":
        env["MEDITATE_FAKE_TTS"] = "1"
    text = script.read_text(encoding="utf-8") if script else session_yaml(minutes, utterances=utterances) if utterances else session_yaml(minutes)
    folder = script.resolve().parent if script else work  # a library script's includes and files stay found
    scripts = {}
    for name, extra in (("warm", ""), ("dry", "room: off\n")):
        scripts[name] = folder / f".voice-bench-{os.getpid()}-{name}.yaml"
        scripts[name].write_text(text.rstrip("\n") + "\n" + extra, encoding="utf-8")
    try:
        return _bench(scripts, minutes if not script else 0.0, engine, repeat, work, env)
    finally:
        for path in scripts.values():
            path.unlink(missing_ok=True)


def _bench(scripts: dict, minutes: float, engine: str, repeat: int, work: Path, env: dict) -> dict:
    cache = work / "cache"
    job("render", env, script=str(scripts["dry"]), output=str(work / "fill.mp3"), cache=str(cache), verify=False)
    argv = [sys.executable, str(Path(__file__)), "--job", json.dumps({"script": str(scripts["warm"]), "cache": str(cache)})]
    from render_bench import run_job

    warm, dry, chain = rounds(
        repeat,
        lambda: job("render", env, script=str(scripts["warm"]), output=str(work / "warm.mp3"), cache=str(cache)),
        lambda: job("render", env, script=str(scripts["dry"]), output=str(work / "dry.mp3"), cache=str(cache)),
        lambda: run_job(argv, env),
    )
    return {
        "minutes": minutes,
        "engine": engine,
        "repeat": repeat,
        "warm_seconds": warm[0]["seconds"],
        "dry_seconds": dry[0]["seconds"],
        "chain_seconds": chain[0]["seconds"],
        "speech_seconds": chain[0]["speech_seconds"],
        "warm_mb": warm[1],
        "dry_mb": dry[1],
        "room_share_of_warm": (warm[0]["seconds"] - dry[0]["seconds"]) / warm[0]["seconds"],
        "chain_share_of_warm": chain[0]["seconds"] / warm[0]["seconds"],
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=5.0)
    parser.add_argument("--engine", choices=("piper", "fake"), default="piper")
    parser.add_argument("--repeat", type=int, default=1)
    parser.add_argument("--script", type=Path, help="bench this script instead of the generated session")
    parser.add_argument("--utterances", type=int, help="speak only this many of the session's sentences (tiny test runs)")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--job", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.job:
        print(json.dumps(chain_job(**json.loads(args.job))))
        return
    with tempfile.TemporaryDirectory(prefix="meditate-voice-bench-") as temp:
        report = bench(args.minutes, args.engine, max(1, args.repeat), Path(temp), args.script, args.utterances)
    print("| job | wall s | peak RSS MB | share of warm |\n|---|---:|---:|---:|")
    print(f"| warm (room) | {report['warm_seconds']:.2f} | {report['warm_mb']:.0f} | 100 % |")
    print(f"| dry (room: off) | {report['dry_seconds']:.2f} | {report['dry_mb']:.0f} | room: {report['room_share_of_warm'] * 100:.1f} % |")
    print(f"| chain ({report['speech_seconds']:.0f} s of speech) | {report['chain_seconds']:.2f} | | {report['chain_share_of_warm'] * 100:.1f} % |")
    print(f"\n{args.script or str(report['minutes']) + '-minute session'}, engine {report['engine']}, best of {report['repeat']}, load {report['load_average']}")
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
