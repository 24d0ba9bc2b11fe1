r"""``--shard I/N``: grade one of N parts of a class, so a batch engine (a Kubernetes Indexed Job,
a SLURM array, a CI matrix) can fan grading out; ``python -m sgdteach merge`` joins the parts.

The split is deterministic and does not depend on the order the submissions are given in: the
normalised submission keys (as the grader forms them) are sorted by code point and shard ``I``
takes every ``N``-th key starting at ``I``,

.. math::

    \mathrm{shard}_I = (k_I, k_{I+N}, k_{I+2N}, \dots), \qquad k_0 < k_1 < \dots < k_{n-1},

so every key is in exactly one shard and shard sizes differ by at most one (round robin, not
contiguous blocks: a class listed by name does not put all the late, large submissions in the
last shard).

``I`` (or ``N``) may be written as a variable reference, ``$NAME``, ``${NAME}`` or ``$(NAME)``,
read from the environment: a container started without a shell still gets its index from
``JOB_COMPLETION_INDEX`` or ``SLURM_ARRAY_TASK_ID``.

Before grading, a shard records its plan — the shard, the digest of the whole sorted key list, its
own keys and the source's SHA-256 — in ``<feedback>/.shard.json``, so the merge can tell a shard
that never finished (or graded another class) from a complete one.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
from dataclasses import dataclass
from typing import Any

from .._files import write_atomic
from .._validation import message
from .report.gradebook import Paths, read_json

PLAN = ".shard.json"
_VARIABLE = re.compile(r"^\$(?:\{(\w+)\}|\((\w+)\)|(\w+))$")
_FIX = ("Number the shards 0 to N-1, e.g. --shard 0/3 --shard 1/3 --shard 2/3, or pass "
        "--shard \"${JOB_COMPLETION_INDEX}/3\" with the variable set.")


def _number(text: str, spec: str) -> int:
    """An integer written literally or as a reference to an environment variable."""
    text = text.strip()
    found = _VARIABLE.match(text)
    if found:
        name = next(g for g in found.groups() if g)
        if name not in os.environ:
            raise ValueError(message("grade", "--shard", f"I/N with ${name} set", spec,
                                     f"The environment has no {name}. {_FIX}"))
        text = os.environ[name].strip()
    if not re.fullmatch(r"\d+", text):
        raise ValueError(message("grade", "--shard", "I/N with integers 0 <= I < N", spec, _FIX))
    return int(text)


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count``.

    >>> Shard.parse("1/3").of(["e", "a", "d", "c", "b"])
    ['b', 'e']
    >>> str(Shard(2, 3))
    '2/3'
    """

    index: int
    count: int

    @classmethod
    def parse(cls, spec: str) -> Shard:
        """``"I/N"`` (``0 <= I < N``, either may be ``$VAR``) -> ``Shard``; else ``ValueError``
        in the project's message template."""
        parts = str(spec).split("/")
        if len(parts) != 2:
            raise ValueError(message("grade", "--shard", "I/N with integers 0 <= I < N", spec,
                                     _FIX))
        index, count = (_number(p, spec) for p in parts)
        if not 0 <= index < count:
            raise ValueError(message("grade", "--shard", "I/N with integers 0 <= I < N", spec,
                                     _FIX))
        return cls(index, count)

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"

    def of(self, keys: list[str]) -> list[str]:
        """This shard's keys: every ``count``-th of the sorted distinct keys, from ``index``."""
        return sorted(set(keys))[self.index::self.count]


def digest(keys: list[str]) -> str:
    """SHA-256 of the sorted distinct keys: equal for shards cut from the same class."""
    return hashlib.sha256("\n".join(sorted(set(keys))).encode()).hexdigest()


def select(keys: list[str], shard: Shard | None, out: str, source_hash: str) -> list[str]:
    """The keys to grade: all of them without ``--shard``; else this shard's, after recording
    its plan beside the gradebook ``out`` (see the module docstring)."""
    if shard is None:
        return keys
    mine = shard.of(keys)
    plan = {"shard": str(shard), "index": shard.index, "count": shard.count,
            "class_digest": digest(keys), "class_size": len(set(keys)), "keys": mine,
            "source": source_hash}
    write_atomic(Paths(out).feedback / PLAN, json.dumps(plan, indent=1))
    return mine


def read_plan(paths: Paths) -> dict[str, Any] | None:
    """The plan a sharded run recorded beside this gradebook, or ``None``."""
    return read_json(paths.feedback / PLAN, None)

