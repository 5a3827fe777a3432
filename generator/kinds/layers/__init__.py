"""The background layer kinds: one table, one entry per kind.

A layer kind's entry (:class:`LayerKind`) carries everything the program asks about that
kind: how its value is parsed and validated, whether it is steady (so it carries on
across a section boundary instead of crossfading with itself), how the bed makes its
sound, and how `plan --html` labels and colours it. The loader, the bed and the picture
iterate this table; none of them names a kind. Every layer also takes `volume`, and the
bed gives every kind fades, crossfades, ducking and glides alike.

Adding a layer kind: write `generator/layers/NAME.py` with its parser and source maker
and a `LayerKind`, its model class in :mod:`generator.core.model`, its sound in
:mod:`generator.sources`, and list it below.
"""

from __future__ import annotations

from generator.kinds.layers import ambience, beats, file, noise, tone
from generator.kinds.layers._kind import BedContext, LayerKind, LayerLoadContext, LayerTable

LAYER_KINDS = LayerTable((tone.KIND, beats.BINAURAL, beats.ISOCHRONIC, noise.KIND, file.KIND, ambience.KIND))
"""Every layer kind by name (the key a layer is written with)."""

__all__ = ["LAYER_KINDS", "BedContext", "LayerKind", "LayerLoadContext"]
