r"""Confine a process's file writes to a few folders with Linux Landlock (kernel 5.13 or later).

After :func:`restrict_writes`, the process and every process it starts may still read any file
but can only create, write, truncate, rename or delete files below the given folders (plus the
given single files such as ``/dev/null``); elsewhere the system call fails with ``EACCES``.
Landlock needs no privileges and cannot be undone by the confined process. It is used through
``ctypes`` (three system calls), so no dependency is added; on other systems, or kernels without
Landlock, :func:`restrict_writes` does nothing and returns 0.
"""

from __future__ import annotations

import ctypes
import os
import sys

_CREATE_RULESET, _ADD_RULE, _RESTRICT_SELF = 444, 445, 446   # same number on every Linux arch
_CREATE_RULESET_VERSION = 1
_RULE_PATH_BENEATH = 1
_PR_SET_NO_NEW_PRIVS = 38

WRITE_FILE = 1 << 1
MAKE_SOCK = 1 << 9   # bind a Unix socket (the kernel's ZMQ sockets)
_DIR_WRITE = sum(1 << bit for bit in range(4, 13))   # remove dir/file, make char/dir/reg/sock/...
REFER = 1 << 13      # ABI 2: link or rename across folders
TRUNCATE = 1 << 14   # ABI 3


class _RulesetAttr(ctypes.Structure):
    _fields_ = [("handled_access_fs", ctypes.c_uint64)]


class _PathBeneath(ctypes.Structure):
    _pack_ = 1
    _fields_ = [("allowed_access", ctypes.c_uint64), ("parent_fd", ctypes.c_int32)]


def _libc():
    return ctypes.CDLL(None, use_errno=True)


def abi_version() -> int:
    """The Landlock ABI the running kernel offers, 0 when there is none."""
    if not sys.platform.startswith("linux"):
        return 0
    try:
        version = _libc().syscall(_CREATE_RULESET, None, 0, _CREATE_RULESET_VERSION)
    except (OSError, AttributeError):
        return 0
    return max(int(version), 0)


def _check(result: int, what: str) -> int:
    if result < 0:
        err = ctypes.get_errno()
        raise OSError(err, f"landlock {what}: {os.strerror(err)}")
    return result


def restrict_writes(folders: list[str], files: tuple[str, ...] = ("/dev/null",),
                    sockets: tuple[str, ...] = (), ready=None) -> int:
    """Allow writes only below ``folders`` and to ``files``, and only the creation of Unix
    sockets below ``sockets`` (no regular file: not a way to fill a disk); return the ABI used
    (0: no-op). ``ready(abi)`` is called once the rules are in place, just before they are
    enforced (the last moment the process may still write anywhere).

    Raises ``OSError`` when Landlock exists but refuses the rules (the caller decides whether to
    go on unconfined).
    """
    abi = abi_version()
    if abi < 1:
        return 0
    handled = WRITE_FILE | _DIR_WRITE | (REFER if abi >= 2 else 0) | (TRUNCATE if abi >= 3 else 0)
    libc = _libc()
    attr = _RulesetAttr(handled)
    ruleset = _check(libc.syscall(_CREATE_RULESET, ctypes.byref(attr), ctypes.sizeof(attr), 0),
                     "create_ruleset")
    try:
        rules = [(path, handled) for path in folders]
        rules += [(path, WRITE_FILE | (TRUNCATE if abi >= 3 else 0)) for path in files
                  if os.path.exists(path)]
        rules += [(path, MAKE_SOCK) for path in sockets]
        for path, allowed in rules:
            fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
            try:
                rule = _PathBeneath(allowed, fd)
                _check(libc.syscall(_ADD_RULE, ruleset, _RULE_PATH_BENEATH, ctypes.byref(rule), 0),
                       f"add_rule {path}")
            finally:
                os.close(fd)
        if ready is not None:
            ready(abi)
        _check(libc.prctl(_PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        _check(libc.syscall(_RESTRICT_SELF, ruleset, 0), "restrict_self")
    finally:
        os.close(ruleset)
    return abi
