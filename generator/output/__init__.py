"""Everything between mixed blocks and a listener-ready file.

`encoders` writes the audio streamed, `loudness` measures and limits it, `tags` adds
title, cover and chapters, `sidecars` writes the timeline JSON and WebVTT captions.
"""

from generator.output.encoders import FORMATS, Encoder, open_encoder

__all__ = ["FORMATS", "Encoder", "open_encoder"]
