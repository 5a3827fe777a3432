"""A batch on a Dask cluster: `meditate batch SCRIPT --roster CSV -o DIR --cluster ADDRESS`.

The client (the practitioner's machine) does what needs the practitioner's files: it
loads every row, keys it, skips the rows that are up to date (without asking the
cluster), and writes the finished tracks. The workers need only the package:

- :mod:`generator.batch.cluster.shipping` says what a row reads (the loaded session, its
  files, its voice) and moves those paths into a folder of the worker's own;
- :mod:`generator.batch.cluster.worker` holds the functions the workers run: a batch of the
  utterances every row shares, then one task per row;
- :mod:`generator.batch.cluster.runner` connects (a scheduler address, or ``local:N``),
  sends each distinct file once, submits the tasks, and writes the results atomically.

`distributed` is an optional extra (``pip install 'meditate[cluster]'``); only the runner
and the worker's task wrappers import it.
"""

from __future__ import annotations

INSTALL_HINT = "batch --cluster needs the distributed package: pip install 'meditate[cluster]'"
"""The one line shown when the extra is not installed."""
