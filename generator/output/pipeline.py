"""Encoding on a second core: a worker thread fed through a bounded queue.

LAME (lameenc) and libsndfile release the GIL while they encode, so while the worker
encodes block n the main thread is already mixing block n+1: a render then takes about
as long as the slower of the two, not their sum. The queue holds at most `depth` blocks
(about 0.74 s of audio each), so memory stays flat however long the track; if the
encoder falls behind, the mixer simply waits.
"""

from __future__ import annotations

import queue
import threading

import numpy as np

from generator.output.encoders import Encoder

_STOP = None


class EncoderFeed:
    """Writes blocks to `encoder` from a worker thread; `finish` waits for the last one.

    Errors raised by the encoder surface in the caller's next `write` or in `finish`. After
    `abort` (for a failed render) the worker drops what is queued and stops; the caller
    then closes the encoder itself, with no thread touching it any more.
    """

    def __init__(self, encoder: Encoder, depth: int = 4) -> None:
        self.encoder = encoder
        # Converting samples for the encoder is done on the caller's thread, so the
        # worker only encodes (the encoder is the slower of the two).
        self._prepare = getattr(encoder, "prepare", None)
        self._encode = getattr(encoder, "write_prepared", None) if self._prepare else None
        if self._encode is None:
            self._prepare, self._encode = None, encoder.write
        self._queue: queue.Queue[np.ndarray | None] = queue.Queue(maxsize=depth)
        self._error: BaseException | None = None
        self._dropping = False
        self._thread = threading.Thread(target=self._run, name="meditate-encoder", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while True:
            block = self._queue.get()
            if block is _STOP:
                return
            if self._error is not None or self._dropping:
                continue
            try:
                self._encode(block)
            except BaseException as exc:  # handed to the caller
                self._error = exc

    def write(self, block: np.ndarray) -> None:
        if self._error is not None:
            raise self._error
        self._queue.put(self._prepare(block) if self._prepare else block)

    def finish(self) -> None:
        """Wait until every block is encoded; re-raise the encoder's error if it had one."""
        self._queue.put(_STOP)
        self._thread.join()
        if self._error is not None:
            raise self._error

    def abort(self) -> None:
        """Stop without encoding what is still queued (idempotent)."""
        if not self._thread.is_alive():
            return
        self._dropping = True
        self._queue.put(_STOP)
        self._thread.join()
