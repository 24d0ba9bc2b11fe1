r"""The kernel's own stdout and stderr (file descriptors 1 and 2, not cell outputs), capped.

A learner can write to them directly (``os.write(1, ...)``, a subprocess, a C library): were they
the worker's, every byte would land in the worker's log on the grader's disk, outside the
submission's disk quota. :class:`CappedPipe` gives the kernel a pipe instead; a thread of the
worker copies the first ``cap`` bytes (the submission's ``--max-output-kb``) to the worker's log,
where the instructor reads them when grading fails, counts the rest and drops it.

>>> pipe = CappedPipe(cap=4, sink=io.BytesIO())
>>> _ = os.write(pipe.fd, b"0123456789"); pipe.finish()
>>> pipe.kept, pipe.total
(4, 10)
"""

from __future__ import annotations

import contextlib
import io  # noqa: F401  (the doctest)
import os
import sys
import threading
from typing import BinaryIO


class CappedPipe:
    """A pipe whose write end (:attr:`fd`) is the kernel's stdout and stderr."""

    def __init__(self, cap: int, sink: BinaryIO | None = None):
        self.cap, self.kept, self.total = cap, 0, 0
        self.sink = sink if sink is not None else sys.stderr.buffer
        self._read, self.fd = os.pipe()
        self._thread = threading.Thread(target=self._drain, daemon=True)
        self._thread.start()

    def _drain(self) -> None:
        while chunk := os.read(self._read, 1 << 16):
            self.total += len(chunk)
            room = self.cap - self.kept
            if room > 0:
                with contextlib.suppress(OSError, ValueError):
                    self.sink.write(chunk[:room])
                    self.sink.flush()
                self.kept += min(room, len(chunk))
        os.close(self._read)

    def release(self) -> None:
        """Close the worker's copy of the write end (the kernel has its own): the pipe ends
        when the kernel's processes do."""
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1

    def finish(self, timeout: float = 5.0) -> None:
        """Wait (at most ``timeout`` s) for the kernel's last bytes."""
        self.release()
        self._thread.join(timeout)

    def note(self) -> str | None:
        """What the result says when bytes were dropped."""
        if self.total <= self.kept:
            return None
        return (f"the kernel's own stdout/stderr (not a cell output) got {self.total} bytes: the "
                f"first {self.kept} were kept in the grader's log, the rest dropped (the output "
                "cap)")
