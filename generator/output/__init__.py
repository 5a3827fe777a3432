"""Everything between mixed blocks and a listener-ready file.

`formats` is the table of output formats (suffix, MIME type, encoder, tagger);
`encoders` writes the audio streamed, `tags` adds
title, cover and chapters, `sidecars` writes the timeline JSON and WebVTT captions,
`cover` makes the default cover, and `writing` stages a render's files and renames
them into place together.
"""

from generator.output.encoders import Encoder
from generator.output.formats import FORMATS, OutputFormat, open_encoder, output_format, write_tags

__all__ = ["FORMATS", "Encoder", "OutputFormat", "open_encoder", "output_format", "write_tags"]
