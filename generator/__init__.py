"""meditate: YAML session scripts to finished guided-meditation audio.

The public library API lives in :mod:`generator.render`; the command line in
:mod:`generator.cli` is a thin layer over it.
"""

__version__ = "0.1.0"
