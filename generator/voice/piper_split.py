"""Cutting a Piper voice model in two, in a child process: the front graph (text to latent
frames) and the audio decoder, so the decoder can run in windows of bounded memory
(:mod:`generator.voice.piper_decoder`). Where the parts are kept, and when a child is
started, is :mod:`generator.voice.piper_split_store`'s job.

Two steps, each its own process so their memory does not add up (and the render never
holds a protobuf): `python -m generator.voice.piper_split cut MODEL FOLDER` writes
front.onnx and decoder.onnx (or, for a model without a `/dec/` decoder, a manifest saying
so); `... check FOLDER` runs the parts, measures how far the decoder sees around a frame,
checks that a windowed decode is the whole decode, and writes the manifest (`split.json`)
that makes the split usable. Either prints its manifest and its peak memory.
"""

from __future__ import annotations

import gc
import json
import sys
from pathlib import Path
from typing import Sequence

import numpy as np

from generator.core.atomic import write_atomic
from generator.voice.piper_decoder import decode_in_windows, decoder_reach

SPLIT_VERSION = 1
"""Bump when the cut or the manifest changes: older splits are then made again."""

MANIFEST = "split.json"
"""Written last, by the check: a split folder without it is not (yet) usable."""

CUT = "cut.json"
"""The cut's own record: the tensors between the two parts, and the cut's peak memory."""

DECODER_PREFIX = "/dec/"
"""The name prefix of the HiFi-GAN decoder's nodes in Piper's exported VITS graphs."""

CONTEXT_MARGIN = 4
"""Frames of context beyond the decoder's measured reach (11 frames for the built-in voice)."""

TOLERANCE = 1e-4
"""The most a windowed decode may differ from the whole one in the check (the built-in
voice: 1e-7, float rounding of convolutions of another length)."""

CHECK_FRAMES = 128
"""Random latent frames the check decodes: several windows, and room for the reach."""


class NoDecoder(ValueError):
    """The model has no decoder this split knows how to cut out."""


def decoder_inputs(graph) -> list[str]:
    """The tensors the decoder's nodes read that they do not make themselves: neither
    weights (initializers) nor constants. For Piper's voices, z times the mask, and
    for a multi-speaker voice the speaker's embedding too."""
    nodes = [node for node in graph.node if node.name.startswith(DECODER_PREFIX)]
    if not nodes:
        raise NoDecoder(f"no {DECODER_PREFIX} nodes in the graph")
    made = {name for node in nodes for name in node.output}
    fixed = {tensor.name for tensor in graph.initializer}
    fixed |= {name for node in graph.node if node.op_type == "Constant" for name in node.output}
    found: list[str] = []
    for node in nodes:
        for name in node.input:
            if name and name not in made and name not in fixed and name not in found:
                found.append(name)
    if not found:
        raise NoDecoder("the decoder reads nothing from the rest of the graph")
    return found


def cut_model(model: Path, folder: Path) -> dict:
    """Cut `model` into `folder`/front.onnx and decoder.onnx; return the cut's record, or
    an unusable manifest when the model cannot be cut.

    The cut is made on the loaded model itself, not with `onnx.utils.Extractor`: that
    copies the whole model twice more (shape inference, then each part), 350 MB at the
    peak for the built-in voice. Here the small decoder is copied out, and the front is
    what remains of the loaded model once the decoder's nodes and weights are deleted."""
    import onnx

    proto = onnx.load(str(model))
    try:
        cut = decoder_inputs(proto.graph)
    except NoDecoder as exc:
        return {"version": SPLIT_VERSION, "usable": False, "reason": str(exc)}
    graph = proto.graph
    if any(a.type in (onnx.AttributeProto.GRAPH, onnx.AttributeProto.GRAPHS) for n in graph.node for a in n.attribute):
        return {"version": SPLIT_VERSION, "usable": False, "reason": "the graph has subgraphs (If, Loop, Scan)"}
    outputs = [tensor.name for tensor in graph.output]
    front_nodes = _needed(graph, cut, stop=set())
    decoder_nodes = _needed(graph, outputs, stop=set(cut))
    types = {info.name: info for info in graph.value_info}

    def typed(name: str):
        """A copy of the tensor's type (float when the graph does not say): kept apart from
        the graph, whose own entries are deleted below."""
        found = types.get(name)
        if found is None:
            return onnx.helper.make_tensor_value_info(name, onnx.TensorProto.FLOAT, None)
        copy = onnx.ValueInfoProto()
        copy.CopyFrom(found)
        return copy

    decoder_reads, decoder_makes = _reads(graph, decoder_nodes), _makes(graph, decoder_nodes)
    decoder_graph = onnx.helper.make_graph(
        [graph.node[i] for i in sorted(decoder_nodes)],
        "decoder",
        [typed(name) for name in cut],
        list(graph.output),
        initializer=[t for t in graph.initializer if t.name in decoder_reads],
        value_info=[info for info in graph.value_info if info.name in decoder_makes and info.name not in cut],
    )
    decoder = onnx.helper.make_model(decoder_graph, opset_imports=list(proto.opset_import), producer_name=proto.producer_name)
    decoder.ir_version = proto.ir_version
    write_atomic(folder / "decoder.onnx", decoder.SerializeToString())
    del decoder, decoder_graph

    _prune_to_front(graph, front_nodes, cut, [typed(name) for name in cut])
    write_atomic(folder / "front.onnx", proto.SerializeToString())
    del proto, graph
    gc.collect()
    return {"version": SPLIT_VERSION, "cut": cut}


def _prune_to_front(graph, front_nodes: set[int], cut: Sequence[str], cut_types: list) -> None:
    """Delete from `graph`, in place (the weights are never copied), all but the front's
    nodes, weights and types; its outputs become the cut's tensors."""
    front_reads, front_makes = _reads(graph, front_nodes), _makes(graph, front_nodes)
    for index in reversed(range(len(graph.node))):
        if index not in front_nodes:
            del graph.node[index]
    for index in reversed(range(len(graph.initializer))):
        if graph.initializer[index].name not in front_reads:
            del graph.initializer[index]
    for index in reversed(range(len(graph.value_info))):
        if graph.value_info[index].name not in front_makes or graph.value_info[index].name in cut:
            del graph.value_info[index]
    del graph.output[:]
    graph.output.extend(cut_types)


def _needed(graph, targets: Sequence[str], stop: set[str]) -> set[int]:
    """The indices of the nodes `targets` are computed from, not looking past `stop`."""
    producer = {name: index for index, node in enumerate(graph.node) for name in node.output if name}
    pending, seen, nodes = list(targets), set(), set()
    while pending:
        name = pending.pop()
        if name in seen or name in stop:
            continue
        seen.add(name)
        index = producer.get(name)
        if index is not None and index not in nodes:
            nodes.add(index)
            pending.extend(graph.node[index].input)
    return nodes


def _reads(graph, nodes: set[int]) -> set[str]:
    return {name for index in nodes for name in graph.node[index].input}


def _makes(graph, nodes: set[int]) -> set[str]:
    return {name for index in nodes for name in graph.node[index].output}


def check_split(folder: Path, cut: Sequence[str]) -> dict:
    """The manifest: which decoder inputs carry frames (the others, such as a speaker's
    embedding, go whole into each window), samples per frame and the frames of context a
    window needs, from runs of the two parts; then a windowed decode of random frames is
    checked against the whole decode."""
    import onnxruntime

    cpu = ["CPUExecutionProvider"]
    front = onnxruntime.InferenceSession(str(folder / "front.onnx"), providers=cpu)
    names = {i.name for i in front.get_inputs()}
    args = {  # 40 padding phonemes: every Piper voice has id 0
        "input": np.zeros((1, 40), dtype=np.int64),
        "input_lengths": np.array([40], dtype=np.int64),
        "scales": np.array([0.667, 1.0, 0.8], dtype=np.float32),
    }
    if "sid" in names:
        args["sid"] = np.zeros(1, dtype=np.int64)
    made = dict(zip([o.name for o in front.get_outputs()], front.run(None, args)))
    del front  # its weights are most of the model: not held while the decoder runs
    feeds = {name: made[name] for name in cut}
    frames = max(value.shape[-1] for value in feeds.values())
    if frames < 2:
        raise ValueError("the front graph made fewer than two frames for the test input")
    windowed = [name for name, value in feeds.items() if value.ndim == 3 and value.shape[-1] == frames]
    rng = np.random.default_rng(0)
    for name in windowed:
        value = feeds[name]
        feeds[name] = rng.standard_normal((value.shape[0], value.shape[1], CHECK_FRAMES)).astype(value.dtype)

    decoder = onnxruntime.InferenceSession(str(folder / "decoder.onnx"), providers=cpu)

    def run(part):
        return decoder.run(None, dict(part))[0]

    whole = run(feeds).reshape(-1)
    hop, rest = divmod(whole.shape[0], CHECK_FRAMES)
    if rest or hop < 1:
        raise ValueError(f"the decoder made {whole.shape[0]} samples for {CHECK_FRAMES} frames")
    context = decoder_reach(run, feeds, windowed, hop) + CONTEXT_MARGIN
    windows = decode_in_windows(run, feeds, windowed, hop=hop, context=context, window=CHECK_FRAMES // 4)
    difference = float(np.max(np.abs(windows - whole)))
    if difference > TOLERANCE:
        return {"version": SPLIT_VERSION, "usable": False, "reason": f"a windowed decode differs by {difference}"}
    return {"version": SPLIT_VERSION, "usable": True, "windowed": windowed, "hop": hop, "context": context, "check_difference": difference}


def _peak_mb() -> int | None:
    try:
        import resource  # not on Windows
    except ImportError:
        return None
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)


def main(argv: Sequence[str]) -> int:
    """`cut MODEL FOLDER` or `check FOLDER` (see the module's text)."""
    if len(argv) == 3 and argv[0] == "cut":
        folder = Path(argv[2])
        record = cut_model(Path(argv[1]), folder)
        record["cut_peak_mb"] = _peak_mb()
        write_atomic(folder / (CUT if record.get("cut") else MANIFEST), json.dumps(record, indent=1) + "\n")
    elif len(argv) == 2 and argv[0] == "check":
        folder = Path(argv[1])
        cut = json.loads((folder / CUT).read_text(encoding="utf-8"))
        record = check_split(folder, cut["cut"])
        record.update(cut_peak_mb=cut.get("cut_peak_mb"), check_peak_mb=_peak_mb())
        write_atomic(folder / MANIFEST, json.dumps(record, indent=1) + "\n")
    else:
        print("usage: python -m generator.voice.piper_split (cut MODEL FOLDER | check FOLDER)", file=sys.stderr)
        return 2
    print(json.dumps(record))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
