r"""Re-execute notebooks in a fresh kernel and save them with volatile metadata stripped.

``python -m sgdteach execute notebooks/*.ipynb`` (``make notebooks``) regenerates the committed
outputs that nbval compares against. Each notebook runs in its own folder, in a new kernel, top to
bottom; a notebook that raises is reported and left unchanged on disk.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from .._files import write_atomic

# Metadata that changes on every run and would make every regeneration a diff.
VOLATILE_CELL_KEYS = ("execution", "collapsed", "scrolled", "ExecuteTime")
VOLATILE_NOTEBOOK_KEYS = ("widgets",)


def strip_volatile(nb) -> None:
    """Remove timings and widget state from a notebook node, in place."""
    for key in VOLATILE_NOTEBOOK_KEYS:
        nb.metadata.pop(key, None)
    for cell in nb.cells:
        for key in VOLATILE_CELL_KEYS:
            cell.metadata.pop(key, None)


def _quiet_output_widget():
    """nbclient's stand-in for a front end's Output widget, minus its echo of every captured
    output back to the kernel. That echo is sent on the shell channel from inside nbclient's
    IOPub handling and sometimes leaves a cell waiting until the timeout (jupyter/nbclient#312;
    measured here: 3 stalls in 38 runs of notebook 08, none in 40 without the echo). Executing a
    notebook to save it does not need the kernel to know what the widget shows."""
    from nbclient.output_widget import OutputWidget

    class QuietOutputWidget(OutputWidget):
        def sync_state(self) -> None:
            pass

    return QuietOutputWidget


def notebook_client(nb, folder: str | os.PathLike, timeout: int = 300,
                    kernel: str = "python3"):
    """The one way sgdteach runs a notebook node: an nbclient ``NotebookClient`` for a fresh
    ``kernel`` working in ``folder``, with the quiet Output widget (the jupyter/nbclient#312
    workaround, see :func:`_quiet_output_widget`). Call ``.execute()`` on it."""
    from nbclient import NotebookClient

    client = NotebookClient(nb, timeout=timeout, kernel_name=kernel,
                            resources={"metadata": {"path": str(Path(folder).resolve())}})
    client.widget_registry = {"@jupyter-widgets/output": {"OutputModel": _quiet_output_widget()}}
    return client


def execute_notebook(path: str | os.PathLike, timeout: int = 300, kernel: str = "python3"):
    """Run ``path`` in a fresh kernel (working directory: its folder) and return the notebook."""
    import nbformat

    path = Path(path)
    nb = nbformat.read(path, as_version=4)
    notebook_client(nb, path.parent, timeout, kernel).execute()
    strip_volatile(nb)
    return nb


def save_atomic(nb, path: str | os.PathLike) -> None:
    """Write a notebook through :func:`sgdteach._files.write_atomic`: never a half-written one."""
    import nbformat

    text = nbformat.writes(nb)
    write_atomic(path, text if text.endswith("\n") else text + "\n")   # as nbformat.write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sgdteach execute",
                                     description="Re-execute notebooks and save their outputs.")
    parser.add_argument("notebooks", nargs="+", help="the .ipynb files to execute")
    parser.add_argument("--timeout", type=int, default=300, help="seconds per cell (300)")
    args = parser.parse_args(argv)
    failed = 0
    for name in args.notebooks:
        start = time.perf_counter()
        try:
            nb = execute_notebook(name, timeout=args.timeout)
        except Exception as exc:  # report every failing notebook, then exit non-zero
            failed += 1
            print(f"FAILED {name}: {type(exc).__name__}: {str(exc).splitlines()[-1:]}",
                  file=sys.stderr)
            continue
        save_atomic(nb, name)
        print(f"ok {name} ({time.perf_counter() - start:.1f} s)")
    return 1 if failed else 0
