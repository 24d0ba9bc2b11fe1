r"""The nbclient side of grading: a kernel started through the sandbox launcher, and a notebook
client that caps outputs and records every cell's reply.

* The kernel spec is built in memory (no kernel.json on disk): ``argv`` runs
  :mod:`sgdteach.grading.sandbox`, which applies the limits and execs ``ipykernel_launcher``.
* A cell that runs past ``timeout`` seconds is interrupted (SIGINT) and recorded as timed out;
  execution goes on with the next cell, as nbgrader does.
* Outputs beyond ``max_output_bytes`` per cell are dropped (error outputs are always kept, their
  traceback trimmed), so a 100 MB print cannot fill the grader's memory or the feedback.
* ``replies[index]`` keeps each executed cell's status, exception name and message: scores come
  from these replies, not from outputs a submission could fake.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from traitlets import Dict, Integer

from .outcomes import TIMEOUT_ENAME

KERNEL_NAME = "sgdteach-grader"
MAX_MESSAGE = 4000


def kernel_manager_class(memory_mb: int, file_mb: int, parent_pid: int, writable: list[str],
                         report: str) -> type[AsyncKernelManager]:
    """A kernel manager class whose only kernel is the sandboxed IPython kernel."""
    argv = [sys.executable, "-m", "sgdteach.grading.sandbox", "--memory-mb", str(memory_mb),
            "--file-mb", str(file_mb), "--parent-pid", str(parent_pid), "--report", report]
    for folder in writable:
        argv += ["--writable", folder]
    argv += ["--", "-f", "{connection_file}", "--HistoryManager.hist_file=:memory:"]
    spec = KernelSpec(argv=argv, display_name="sgdteach grader (sandboxed)", language="python",
                      interrupt_mode="signal", metadata={})

    class SandboxSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return spec

    class SandboxKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any):
            super().__init__(**kwargs)
            # beside the report, in the kernel's scratch folder: the kernel's command line then
            # names its grading folder, and no file is left in the user's Jupyter runtime folder
            self.connection_file = os.path.join(os.path.dirname(report), "kernel.json")

        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            return SandboxSpecs()

    return SandboxKernelManager


def _size(content: dict) -> int:
    """Characters of text in an output message (strings of data, text, traceback)."""
    total = 0
    stack = [content]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
    return total


class GradingClient(NotebookClient):
    """``NotebookClient`` with an output cap and a record of each cell's reply."""

    max_output_bytes = Integer(1_000_000).tag(config=True)
    replies = Dict()

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("kernel_name", KERNEL_NAME)
        kwargs.setdefault("allow_errors", True)
        kwargs.setdefault("interrupt_on_timeout", True)
        kwargs.setdefault("shutdown_kernel", "immediate")
        kwargs.setdefault("error_on_timeout", {
            "ename": TIMEOUT_ENAME, "evalue": "the cell ran past the time limit",
            "traceback": ["CellTimeoutError: the cell ran past the time limit and was "
                          "interrupted"]})
        super().__init__(*args, **kwargs)
        self.on_cell_executed = self._record
        self._used: dict[int, int] = {}
        self.truncated: set[int] = set()

    def _record(self, cell: Any, cell_index: int, execute_reply: dict) -> None:
        content = (execute_reply or {}).get("content", {})
        self.replies[cell_index] = {
            "status": content.get("status", "error"),
            "ename": str(content.get("ename", ""))[:200],
            "evalue": str(content.get("evalue", ""))[:MAX_MESSAGE],
        }

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int):
        content = msg.get("content", {})
        if msg.get("msg_type") == "error":
            trace = content.get("traceback") or []
            content["traceback"] = [line[:MAX_MESSAGE] for line in trace[-20:]]
            content["evalue"] = str(content.get("evalue", ""))[:MAX_MESSAGE]
            return super().output(outs, msg, display_id, cell_index)
        used = self._used.get(cell_index, 0)
        size = _size(content)
        room = self.max_output_bytes - used
        if size > room:
            if cell_index not in self.truncated:
                self.truncated.add(cell_index)
                outs.append({"output_type": "stream", "name": "stdout",
                             "text": f"\n[sgdteach grader: output truncated after "
                                     f"{self.max_output_bytes} characters]\n"})
            if msg.get("msg_type") != "stream" or room <= 0:
                self._used[cell_index] = self.max_output_bytes
                return None
            content["text"] = str(content.get("text", ""))[:room]
            size = room
        self._used[cell_index] = used + size
        return super().output(outs, msg, display_id, cell_index)
