r"""The nbclient side of grading: a kernel started through the sandbox, and a notebook client that
caps what it keeps and records every cell's reply.

* The kernel spec is built in memory (no kernel.json on disk) from the command line of
  :mod:`~sgdteach.grading.sandbox.confine`; the transport is ZMQ over Unix sockets (``ipc``) inside
  bubblewrap, where there is no network.
* A cell that runs past ``timeout`` seconds is interrupted (a signal, or an ``interrupt_request``
  message when the kernel runs in a PID namespace the worker cannot signal into) and recorded as
  timed out; execution goes on with the next cell, as nbgrader does.
* Memory of the worker: every output the client keeps — stream, display_data,
  update_display_data, execute_result, error — counts, in UTF-8 bytes, against
  ``max_output_bytes`` per cell and ``max_total_output_bytes`` per notebook; beyond, it is
  dropped and one notice is added *after* the kept text. Probe outputs (MIME
  :data:`~sgdteach.grading.worker.probes.MIME`) have their own budget of
  :data:`~sgdteach.grading.worker.probes.MAX_PROBE_BYTES` per cell. Comm (widget)
  messages are ignored. ZMQ drops any single message larger than :attr:`max_message_bytes`
  before it is decoded; the rest is decoded with limits
  (:class:`~sgdteach.grading.worker.messages.BoundedSession`), and a refused message is dropped
  and named: ``refused[index]`` says why (and so does the cell's reply, as ``limit``).
* ``replies[index]`` keeps each executed cell's status, exception name and message: scores come
  from these replies, not from outputs a submission could fake.
"""

from __future__ import annotations

import contextlib
from typing import Any

import zmq
from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from nbclient import NotebookClient
from nbclient.util import run_sync
from traitlets import Dict, Integer

from ..outcomes import TIMEOUT_ENAME
from .messages import REFUSED, BoundedSession
from .probes import MAX_PROBE_BYTES, MIME

KERNEL_NAME = "sgdteach-grader"
MAX_MESSAGE = 4000
MAX_MESSAGE_BYTES = 128 * 2**20   # any single ZMQ message part larger than this is dropped
_KEPT = ("stream", "display_data", "update_display_data", "execute_result", "error")


def kernel_manager_class(argv: list[str], *, transport: str = "tcp", ip: str = "127.0.0.1",
                         connection_file: str, interrupt_mode: str = "signal",
                         max_message_bytes: int = MAX_MESSAGE_BYTES
                         ) -> type[AsyncKernelManager]:
    """A kernel manager class whose only kernel is started by ``argv``."""
    spec = KernelSpec(argv=argv, display_name="sgdteach grader (sandboxed)", language="python",
                      interrupt_mode=interrupt_mode, metadata={})

    class SandboxSpecs(KernelSpecManager):
        def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
            return spec

    class SandboxKernelManager(AsyncKernelManager):
        def __init__(self, **kwargs: Any):
            kwargs.update(transport=transport, ip=ip)
            super().__init__(**kwargs)
            # in the worker's own folder: the kernel's command line then names its grading
            # folder, and no file is left in the user's Jupyter runtime folder
            self.connection_file = connection_file

        def _kernel_spec_manager_default(self) -> KernelSpecManager:
            return SandboxSpecs()

        def _session_default(self) -> BoundedSession:
            return BoundedSession(parent=self)

        def client(self, **kwargs: Any):
            kc = super().client(**kwargs)
            kc.context.setsockopt(zmq.MAXMSGSIZE, max_message_bytes)
            return kc

    return SandboxKernelManager


def size(item: Any) -> int:
    """Bytes of an output message's content as kept: UTF-8 text (lone surrogates count as
    3 bytes), binary buffers, 8 per other scalar; keys count too."""
    total, stack = 0, [item]
    while stack:
        item = stack.pop()
        if isinstance(item, str):   # no copy for ASCII text, the common (and the 100 MB) case
            total += len(item) if item.isascii() else len(item.encode("utf-8", "surrogatepass"))
        elif isinstance(item, (bytes, bytearray, memoryview)):
            total += len(item)
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
        else:
            total += 8
    return total


def _cut(text: str, room: int) -> str:
    """The longest prefix of ``text`` of at most ``room`` UTF-8 bytes."""
    return text.encode("utf-8", "surrogatepass")[:max(room, 0)].decode("utf-8", "ignore")


class GradingClient(NotebookClient):
    """``NotebookClient`` with output caps and a record of each cell's reply."""

    max_output_bytes = Integer(1_000_000).tag(config=True)
    max_total_output_bytes = Integer(20_000_000).tag(config=True)
    replies: Dict[int, dict[str, Any]] = Dict()

    def __init__(self, *args: Any, **kwargs: Any):
        kwargs.setdefault("kernel_name", KERNEL_NAME)
        kwargs.setdefault("allow_errors", True)
        kwargs.setdefault("interrupt_on_timeout", True)
        kwargs.setdefault("shutdown_kernel", "immediate")
        kwargs.setdefault("store_widget_state", False)
        kwargs.setdefault("error_on_timeout", {
            "ename": TIMEOUT_ENAME, "evalue": "the cell ran past the time limit",
            "traceback": ["CellTimeoutError: the cell ran past the time limit and was "
                          "interrupted"]})
        super().__init__(*args, **kwargs)
        self.on_cell_executed = self._record
        self._used: dict[int, int] = {}
        self._probe_used: dict[int, int] = {}
        self._total = 0
        self._pending_notice: int | None = None
        self.truncated: set[int] = set()
        self.refused: dict[int, str] = {}   # cell index -> the first limit its output broke
        self._idle: set[int] = set()          # cells whose end (status idle) arrived
        self._comms: dict[int, int] = {}      # widget (comm) messages ignored, per cell

    async def async_start_new_kernel_client(self):
        kc = await super().async_start_new_kernel_client()
        # ZMQ drops a message over MAX_MESSAGE_BYTES by disconnecting the kernel's iopub: watch
        # for that, to note the cut like any other truncation (a sync socket on the same context)
        address = f"inproc://sgdteach-monitor-{id(self)}"
        kc.iopub_channel.socket.monitor(address, zmq.EVENT_DISCONNECTED)
        monitor: zmq.Socket = zmq.Context.shadow(kc.iopub_channel.socket.context.underlying
                                                 ).socket(zmq.PAIR)
        monitor.connect(address)
        self._monitor: zmq.Socket | None = monitor
        return kc

    start_new_kernel_client = run_sync(async_start_new_kernel_client)

    async def _async_cleanup_kernel(self) -> None:
        monitor, self._monitor = getattr(self, "_monitor", None), None
        if monitor is not None:   # an open socket would keep the ZMQ context from closing
            with contextlib.suppress(zmq.ZMQError, AttributeError):
                if self.kc is not None:
                    self.kc.iopub_channel.socket.disable_monitor()
            monitor.close(linger=0)
        await super()._async_cleanup_kernel()

    _cleanup_kernel = run_sync(_async_cleanup_kernel)

    def _dropped(self) -> bool:
        """Whether ZMQ dropped an iopub message since the last call."""
        monitor, found = getattr(self, "_monitor", None), False
        while monitor is not None and monitor.poll(0):
            monitor.recv_multipart()
            found = True
        return found

    async def async_execute_cell(self, cell: Any, cell_index: int, *args: Any, **kwargs: Any):
        try:
            return await super().async_execute_cell(cell, cell_index, *args, **kwargs)
        finally:
            if self._dropped():
                self._notice(cell.outputs, cell_index)
            reply = self.replies.get(cell_index)
            if reply is not None and cell_index not in self._idle \
                    and reply.get("ename") != TIMEOUT_ENAME:   # flooded: outputs still queued
                comms = self._comms.get(cell_index, 0)
                self._refuse(cell.outputs, cell_index, f"its outputs were still arriving "
                             f"{self.iopub_timeout} s after it finished: the kernel's output "
                             "channel was flooded" +
                             (f" ({comms} widget messages)" if comms else ""))
            if cell_index in self.refused and reply is not None:
                reply["limit"] = self.refused[cell_index]

    execute_cell = run_sync(async_execute_cell)

    def _record(self, cell: Any, cell_index: int, execute_reply: dict) -> None:
        content = (execute_reply or {}).get("content", {})
        if REFUSED in content:
            self.refused.setdefault(cell_index, str(content[REFUSED]))
        self.replies[cell_index] = {
            "status": content.get("status", "error"),
            "ename": str(content.get("ename", ""))[:200],
            "evalue": str(content.get("evalue", ""))[:MAX_MESSAGE],
        }

    def process_message(self, msg: dict, cell: Any, cell_index: int):
        kind = msg.get("msg_type", "")
        content = msg.get("content")
        if isinstance(content, dict) and REFUSED in content:
            self._refuse(cell.outputs, cell_index, str(content[REFUSED]))
            if kind != "status":
                return None
        if kind.startswith("comm"):
            self._comms[cell_index] = self._comms.get(cell_index, 0) + 1
            return None                       # widgets: no state or buffers kept
        if kind == "status" and isinstance(content, dict) and \
                content.get("execution_state") == "idle":
            self._idle.add(cell_index)
        if kind in _KEPT and not self._admit(msg, cell.outputs, cell_index):
            return None
        return super().process_message(msg, cell, cell_index)

    def _notice(self, outs: list, cell_index: int) -> None:
        if cell_index not in self.truncated:
            self.truncated.add(cell_index)
            outs.append({"output_type": "stream", "name": "stdout",
                         "text": f"\n[sgdteach grader: output truncated after "
                                 f"{self.max_output_bytes} bytes]\n"})

    def _refuse(self, outs: list, cell_index: int, reason: str) -> None:
        if cell_index not in self.refused:
            self.refused[cell_index] = reason
            outs.append({"output_type": "stream", "name": "stdout",
                         "text": f"\n[sgdteach grader: output refused: {reason}]\n"})

    def _admit(self, msg: dict, outs: list, cell_index: int) -> bool:
        """Charge ``msg`` to its budget; trim a stream to fit; False to drop it."""
        content = msg.setdefault("content", {})
        msg.pop("buffers", None)
        if msg["msg_type"] == "error":
            trace = content.get("traceback") or []
            content["traceback"] = [str(line)[:MAX_MESSAGE] for line in trace[-20:]]
            content["evalue"] = str(content.get("evalue", ""))[:MAX_MESSAGE]
            content["ename"] = str(content.get("ename", ""))[:200]
        data = content.get("data")
        if isinstance(data, dict) and MIME in data:
            used = self._probe_used.get(cell_index, 0)
            need = size(content)
            if used + need > MAX_PROBE_BYTES:
                self._refuse(outs, cell_index, f"probe output past {MAX_PROBE_BYTES} bytes")
                return False
            self._probe_used[cell_index] = used + need
            return True
        used = self._used.get(cell_index, 0)
        need = size(content)
        room = min(self.max_output_bytes - used, self.max_total_output_bytes - self._total)
        if need <= room:
            self._used[cell_index], self._total = used + need, self._total + need
            return True
        if msg["msg_type"] == "stream" and room > 0 and isinstance(content.get("text"), str):
            content["text"] = _cut(content["text"], room - size({"name": content.get("name")}))
            self._used[cell_index], self._total = used + room, self._total + room
            self._pending_notice = cell_index
            return True
        if msg["msg_type"] == "error":     # always kept (trimmed above): it explains the score
            return True
        self._used[cell_index] = self.max_output_bytes
        self._notice(outs, cell_index)
        return False

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int):
        out = super().output(outs, msg, display_id, cell_index)
        if self._pending_notice == cell_index:
            self._pending_notice = None
            self._notice(outs, cell_index)
        return out
