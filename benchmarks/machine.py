"""What the numbers were measured on: CPU model, core count, memory, numpy and its BLAS."""

from __future__ import annotations

import os
import platform
import sys
from functools import lru_cache

import numpy as np


def cpu_model() -> str:
    """The ``model name`` line of /proc/cpuinfo (or what platform knows elsewhere)."""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def memory_gb() -> float | None:
    """Total RAM from /proc/meminfo, in GB (None where there is no /proc)."""
    try:
        with open("/proc/meminfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) * 1024 / 1e9, 1)
    except OSError:
        pass
    return None


def blas() -> dict:
    """numpy's BLAS: name/version from ``numpy.show_config`` and the live thread pool from
    threadpoolctl when it is installed (it is not a dependency)."""
    info: dict = {}
    try:
        deps = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        info.update(name=deps.get("name"), version=deps.get("version"),
                    config=deps.get("openblas configuration"))
    except Exception as exc:  # show_config's layout is not a stable API
        info["show_config_error"] = f"{type(exc).__name__}: {exc}"
    try:
        from threadpoolctl import threadpool_info
    except ImportError:
        info["threadpoolctl"] = "not installed"
    else:
        info["threadpools"] = [{k: p.get(k) for k in ("internal_api", "version", "num_threads",
                                                     "architecture", "threading_layer")}
                               for p in threadpool_info() if p.get("user_api") == "blas"]
    return info


@lru_cache(maxsize=1)
def describe() -> dict:
    """Everything above in one dict, recorded with every row."""
    return {"cpu": cpu_model(), "cores": os.cpu_count(), "memory_gb": memory_gb(),
            "python": sys.version.split()[0], "numpy": np.__version__, "blas": blas(),
            "platform": platform.platform()}
