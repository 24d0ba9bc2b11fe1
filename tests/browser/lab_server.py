r"""A throw-away JupyterLab server for the browser tests.

`LabServer` starts ``jupyter lab --no-browser`` on 127.0.0.1 on a free port with a random
token, isolated from the user's Jupyter/IPython configuration (config, data, runtime,
settings and workspaces all live in a temporary folder), waits until it answers, and
`LabServer.stop` always brings it down together with every kernel it started.

The settings written for the test user make the browser run deterministic and harmless:

- no autosave, so running a course notebook never rewrites it on disk;
- checkpoints kept in the temporary folder, not beside the notebooks;
- every cell attached to the DOM (``windowingMode: none``), so off-screen cells can be read.

Otherwise it runs with the configuration of ``make lab``: the repository's ``jupyter-config/``
(:data:`LAB_CONFIG`, which disables the news prompt) first on ``JUPYTER_CONFIG_PATH``, and
notifications as a learner gets them (``tests/browser/test_browser_comfort.py`` checks that no
news toast appears, and that one does without that folder).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path

import psutil

# The Jupyter configuration folder `make lab` puts first on JUPYTER_CONFIG_PATH (the Makefile's
# LAB_CONFIG; tests/browser/test_browser_comfort.py checks that they agree).
LAB_CONFIG = Path(__file__).resolve().parents[2] / "jupyter-config"
# JupyterLab user settings of the tests only: {plugin id: settings}.
LAB_SETTINGS = {
    "@jupyterlab/docmanager-extension:plugin": {"autosave": False},
    "@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"},
}
# What jupyter_server's contents API logs when it writes, copies or deletes a file or folder.
WRITE_LOG = re.compile(r"Saving file at|Uploading file to|Creating new|Copying '|\] delete ")


def free_port() -> int:
    r"""Return a TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _write_settings(settings_dir: Path) -> None:
    for plugin, values in LAB_SETTINGS.items():
        package, name = plugin.split(":")
        folder = settings_dir / package
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{name}.jupyterlab-settings").write_text(json.dumps(values))


class LabServer:
    r"""A JupyterLab server rooted at ``root_dir``; use as a context manager.

    Parameters
    ----------
    root_dir : Path
        The server's root directory; notebooks are opened by their path relative to it.
    log_path : Path
        Where the server's stdout and stderr go (read it when a test fails).
    startup_timeout : float
        Seconds to wait for the server to answer ``/api/status``.
    lab_config : bool
        Whether to use ``make lab``'s configuration folder :data:`LAB_CONFIG` (the default;
        False only for a control that shows what JupyterLab does without it).
    """

    def __init__(self, root_dir: Path, log_path: Path, startup_timeout: float = 60.0,
                 lab_config: bool = True) -> None:
        self.lab_config = lab_config
        self.root_dir = Path(root_dir).resolve()
        self.log_path = Path(log_path)
        self.startup_timeout = startup_timeout
        self.port = free_port()
        self.token = secrets.token_hex(16)
        self.base_url = f"http://127.0.0.1:{self.port}"
        self._home: Path | None = None
        self._proc: subprocess.Popen | None = None
        self._log = None

    # -- URLs and REST -------------------------------------------------------------------
    def url(self, path: str) -> str:
        r"""Return the page URL that opens ``path`` (relative to the root) in JupyterLab."""
        return f"{self.base_url}/lab/tree/{path}?reset&token={self.token}"

    def api(self, endpoint: str, method: str = "GET", timeout: float = 5.0):
        r"""Call the server's REST API and return the decoded JSON (or None when empty)."""
        request = urllib.request.Request(
            f"{self.base_url}/api/{endpoint}",
            method=method,
            headers={"Authorization": f"token {self.token}"},
            data=b"" if method in ("POST", "DELETE") else None,
        )
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = response.read()
        return json.loads(body) if body else None

    def kernels(self) -> list[dict]:
        r"""Return the kernels the server runs (``/api/kernels``)."""
        return self.api("kernels")

    def shutdown_kernels(self) -> None:
        r"""Shut down every session and kernel (between tests: each test starts its own)."""
        for session in self.api("sessions"):
            self.api(f"sessions/{session['id']}", method="DELETE", timeout=15)
        for kernel in self.kernels():
            self.api(f"kernels/{kernel['id']}", method="DELETE", timeout=15)

    def log_size(self) -> int:
        r"""Return the current length of the server log in bytes (a mark for `writes`)."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def writes(self, since: int = 0) -> list[str]:
        r"""Return the log lines, after byte ``since``, of files the server saved or created.

        The browser tests must never write into the repository (autosave is off; nothing is
        saved): any such line is a failure.
        """
        with open(self.log_path, "rb") as log:
            log.seek(since)
            text = log.read().decode(errors="replace")
        return [line for line in text.splitlines() if WRITE_LOG.search(line)]

    def log_tail(self, chars: int = 4000) -> str:
        r"""Return the end of the server log (for failure messages)."""
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""

    # -- life cycle ----------------------------------------------------------------------
    def start(self) -> LabServer:
        r"""Start the server and block until it answers; raise RuntimeError if it does not."""
        self._home = Path(tempfile.mkdtemp(prefix="sgdteach-lab-"))
        env = dict(os.environ)
        for var, sub in [
            ("JUPYTER_CONFIG_DIR", "config"),
            ("JUPYTER_DATA_DIR", "data"),
            ("JUPYTER_RUNTIME_DIR", "runtime"),
            ("JUPYTERLAB_SETTINGS_DIR", "settings"),
            ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"),
            ("IPYTHONDIR", "ipython"),
        ]:
            (self._home / sub).mkdir()
            env[var] = str(self._home / sub)
        env.pop("JUPYTER_TOKEN", None)
        env.pop("JUPYTER_CONFIG_PATH", None)   # the user's own folders stay out: isolated
        if self.lab_config:
            env["JUPYTER_CONFIG_PATH"] = str(LAB_CONFIG)
        env["PYDEVD_DISABLE_FILE_VALIDATION"] = "1"
        env["PYTHONUNBUFFERED"] = "1"  # the log is read by `writes` while the server runs
        _write_settings(self._home / "settings")
        cmd = [
            sys.executable, "-m", "jupyterlab", "--no-browser",
            "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
            "--ServerApp.port_retries=0", f"--ServerApp.root_dir={self.root_dir}",
            f"--IdentityProvider.token={self.token}",
            f"--FileCheckpoints.checkpoint_dir={self._home / 'checkpoints'}",
            "--LanguageServerManager.autodetect=False",
            # A safety net should pytest be killed before `stop`: idle kernels are culled and
            # the server exits on its own after 15 idle minutes (a test run takes < 3).
            "--MappingKernelManager.cull_idle_timeout=900",
            "--MappingKernelManager.cull_interval=60",
            "--ServerApp.shutdown_no_activity_timeout=900",
        ]  # fmt: skip
        if os.geteuid() == 0:
            cmd.append("--allow-root")
        self.log_path.parent.mkdir(parents=True, exist_ok=True)
        self._log = open(self.log_path, "wb")  # closed in stop()
        self._proc = subprocess.Popen(
            cmd, cwd=self.root_dir, env=env, stdin=subprocess.DEVNULL,
            stdout=self._log, stderr=subprocess.STDOUT, start_new_session=True,
        )  # fmt: skip
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            if self._proc.poll() is not None:
                self.stop()
                raise RuntimeError(f"jupyter lab exited at start-up:\n{self.log_tail()}")
            try:
                self.api("status", timeout=2)
                return self
            except (urllib.error.URLError, ConnectionError, OSError):
                time.sleep(0.25)
        self.stop()
        raise RuntimeError(
            f"jupyter lab did not answer within {self.startup_timeout} s:\n{self.log_tail()}"
        )

    def stop(self) -> None:
        r"""Shut down every kernel and the server; kill whatever of them is left. Idempotent."""
        proc, self._proc = self._proc, None
        if proc is not None:
            try:  # kernels run in sessions of their own: remember them by process id
                family = psutil.Process(proc.pid).children(recursive=True)
            except psutil.NoSuchProcess:
                family = []
            if proc.poll() is None:
                self._shutdown_politely(proc)
            if proc.poll() is None:
                proc.kill()
            proc.wait(timeout=10)
            for process in family:  # psutil checks the start time: no recycled ids
                try:
                    process.kill()
                except psutil.NoSuchProcess:
                    pass
            psutil.wait_procs(family, timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None
        if self._home is not None:
            shutil.rmtree(self._home, ignore_errors=True)
            self._home = None

    def _shutdown_politely(self, proc: subprocess.Popen) -> None:
        try:
            for kernel in self.kernels():
                self.api(f"kernels/{kernel['id']}", method="DELETE", timeout=10)
            self.api("shutdown", method="POST")
        except (urllib.error.URLError, ConnectionError, OSError, ValueError):
            proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.terminate()
            try:
                proc.wait(timeout=5)
            except subprocess.TimeoutExpired:
                pass

    def __enter__(self) -> LabServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()
