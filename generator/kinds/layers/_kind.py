"""What a layer kind is: everything the program asks about one kind of background layer."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol

from yaml.nodes import Node

from generator.core.units import Glide
from generator.script.yamlnodes import NodeReader


class LayerLoadContext(Protocol):
    """What a layer kind's parser may ask of the loader."""

    @property
    def read(self) -> NodeReader: ...

    def audio_file(self, node: Node, what: str) -> Path | None: ...


class BedContext(Protocol):
    """What a layer kind's source maker may ask of the bed (:class:`generator.mix.bed.Bed`)."""

    rate: int
    seed: int
    base_dir: Path

    def shared(self, key: tuple, make: Callable[[], Any], *, across_threads: bool = False) -> Any:
        """One source per key for the whole bed (a decoded file, a noise seed's cache);
        `across_threads` ones (read-only once made) also for its measuring twin."""
        ...


Span = Callable[[Glide], str]
"""A glide as the values one stretch hears (`10→6`), for labels."""

Line = Callable[[Glide], "tuple[float, float] | None"]
"""A glide's line across its band (None when it does not move)."""


@dataclass(frozen=True)
class LayerKind:
    """One kind of background layer and everything the program needs to know about it."""

    name: str
    model: type
    parse: Callable[[LayerLoadContext, Node], Any]
    """(loader, the value node) -> the layer's source spec, or None (reported)."""
    make: Callable[[Any, BedContext, int, int], Any]
    """(spec, bed, the samples its glides span, its occurrence among equal layers) -> a Source."""
    describe: Callable[[Any, Span, Line], "tuple[str, tuple[float, float] | None]"]
    """(spec, span, line) -> its label in `plan --html` and the glide line to draw."""
    title: str
    """Its name in the picture's lanes and legend."""
    colour: str
    steady: Callable[[Any], bool] = lambda spec: True
    """Whether it sounds the same wherever it is rendered from (nothing glides), so the
    same layer on both sides of a section boundary simply carries on."""


class LayerTable(dict):
    """Layer kinds by name, also found by the model class of a layer's source."""

    def __init__(self, kinds: Iterable[LayerKind]) -> None:
        super().__init__((kind.name, kind) for kind in kinds)
        self._by_model = {kind.model: kind for kind in self.values()}

    def of(self, spec: object) -> LayerKind:
        return self._by_model[type(spec)]


def audible(read: NodeReader, glide: Glide, node: Node, what: str) -> Glide:
    """A frequency (or glide) a listener can hear, 20 Hz to 20 kHz; reported otherwise."""
    if max(glide.start, glide.end) > 20_000 or min(glide.start, glide.end) < 20:
        read.error(node, f"{what} must be between 20 and 20000 Hz, got {glide}")
    return glide
