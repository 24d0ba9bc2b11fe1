r"""One exercise check in three parts: trusted **inputs** (built from the seed), a **probe** that
only calls the learner's function on them and records what came back, and a **judge** that
compares the record with the reference and its known wrong variants and names the mistake.

In a notebook, ``check_sgd(sgd)`` runs all three in the learner's kernel (instant feedback: a ✓
line or a :class:`~sgdteach.checking.CheckError`). At grading time only the probe runs in
the kernel (:mod:`sgdteach.grading.worker.probes`); its record crosses to the grader as JSON and the
judge runs there (:mod:`sgdteach.grading.worker.judging`), on inputs and references it rebuilt
itself.
"""

from __future__ import annotations

import contextlib
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any, NamedTuple

from .._validation import _show, message
from ._core import RecordError, passed, require_callable
from ._record import Observation, decode_observation, transport

Probe = Callable[[Callable, int], list[dict]]
Judge = Callable[[str, list[Observation], int], str]


class Substitute(NamedTuple):
    """An earlier part of the exercise, replaced by ``reference`` while a later part is checked:
    the learner's function named ``check.arg`` (checked by ``check``)."""

    check: Check
    reference: Callable


@contextlib.contextmanager
def substituted(fn: Any, parts: tuple[Substitute, ...]) -> Iterator[None]:
    """Replace the ``parts`` in the namespace ``fn`` looks its globals up in, and restore them."""
    space = getattr(fn, "__globals__", None)
    if not parts or not isinstance(space, dict):
        yield
        return
    names = [(part.check.arg, part.reference) for part in parts]
    saved = {key: space[key] for key, _ in names if key in space}
    space.update(dict(names))
    try:
        yield
    finally:
        for key, _ in names:
            if key in saved:
                space[key] = saved[key]
            else:
                space.pop(key, None)


def _failing_parts(fn: Any, parts: tuple[Substitute, ...], seed: int) -> list[Substitute]:
    """The substituted parts whose learner version (in ``fn``'s globals) fails its own check."""
    space = getattr(fn, "__globals__", None)
    failing: list[Substitute] = []
    if not isinstance(space, dict):
        return failing
    for part in parts:
        mine = space.get(part.check.arg)
        if mine is None or mine is part.reference:
            continue
        try:
            with contextlib.redirect_stdout(io.StringIO()):
                part.check(mine, seed)
        except Exception:   # any failure of that part counts
            failing.append(part)
    return failing


class _Shown:
    """Stands for a value the probe described in words (for the template message)."""

    def __init__(self, text: str):
        self.text = text

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Check:
    """An exercise check. ``arg`` names the learner's function in messages; ``substitutes`` are
    earlier answers the function may call, replaced by the reference during the probe (so a wrong
    earlier part does not fail this one); ``forbidden`` are the dotted names of the library's own
    implementation of what the exercise asks for, one per object (a module stands for what it
    defines): the grader resolves them to objects and flags an answer that reaches one under any
    name (:mod:`sgdteach.grading.worker.scan`)."""

    name: str
    arg: str
    probe: Probe
    judge: Judge
    forbidden: tuple[str, ...] = ()
    substitutes: tuple[Substitute, ...] = ()
    implements: tuple[Callable, ...] = ()

    def observe(self, fn: Callable, seed: int) -> list[dict]:
        """The probe: every call the judge may need, made unconditionally."""
        with substituted(fn, self.substitutes):
            return self.probe(fn, seed)

    def __call__(self, fn: Callable, seed: int = 0) -> None:
        """Probe and judge in this process; print the ✓ line or raise."""
        require_callable(self.name, self.arg, fn)
        name = getattr(fn, "__name__", self.arg)
        calls = [decode_observation(obs) for obs in self.observe(fn, seed)]
        verdict = self.judge(name, calls, seed)
        for part in _failing_parts(fn, self.substitutes, seed):
            verdict += (f" This used the reference {part.check.arg} in place of yours, which does "
                        f"not pass {part.check.name} yet: fix it too — with yours, '{name}' "
                        "gives other numbers.")
        passed(name, verdict)

    def record(self, fn: Any, seed: int) -> dict:
        """The probe's plain-data record for the grader."""
        if not callable(fn):
            return {"not_callable": _show(fn)}
        name = getattr(fn, "__name__", self.arg)
        return {"name": name[:100] if isinstance(name, str) else self.arg,
                "calls": transport(self.observe(fn, seed))}

    def verdict(self, record: dict, seed: int) -> str:
        """Judge a record in the grader: the ✓ text, or the exception the notebook would have
        raised (:class:`RecordError` when the record is malformed)."""
        if not isinstance(record, dict):
            raise RecordError("a probe record must be an object")
        if set(record) == {"not_callable"} and isinstance(record["not_callable"], str):
            raise TypeError(message(self.name, self.arg, "a function",
                                    _Shown(record["not_callable"][:200]),
                                    "Pass the function itself, without calling it: "
                                    f"{self.name}(my_function)."))
        if set(record) != {"name", "calls"} or not isinstance(record["name"], str) or \
                len(record["name"]) > 100 or not isinstance(record["calls"], list) or \
                len(record["calls"]) > 200:
            raise RecordError("a probe record needs a name and a list of at most 200 calls")
        calls = [decode_observation(obs) for obs in record["calls"]]
        return self.judge(record["name"], calls, seed)
