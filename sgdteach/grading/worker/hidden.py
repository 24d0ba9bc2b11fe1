r"""Hidden test inputs drawn at grading time from an instructor's secret.

A source's hidden tests are check calls with a seed (``check_sgd(sgd, seed=404)`` between
``BEGIN HIDDEN TESTS`` and ``END HIDDEN TESTS``). In an open course the solution notebooks are
published, so those seeds are known. Given a secret (``grade --secret`` or the environment
variable :data:`ENV`), the grader replaces the seed of every hidden call by one drawn from the
secret, the call's id and its written seed:

.. math::

    \text{seed}' = \mathrm{HMAC}_{k}(\text{id} : \text{seed}) \bmod 2^{31},
    \qquad k = \mathrm{SHA256}(\text{"sgdteach hidden inputs"} \,\|\, \text{secret})

so the inputs a learner's function meets are unknown to anyone without the secret, the same in
every shard and re-run with it, and other with another. Visible calls keep their seeds. The
worker gets ``k`` (never the secret); the gradebook manifest records :func:`fingerprint`, a
different hash, so it reveals neither.

>>> draw(key("s3cret"), "ex1_cost_check/1", 101) == draw(key("s3cret"), "ex1_cost_check/1", 101)
True
>>> draw(key("s3cret"), "ex1_cost_check/1", 101) != draw(key("other"), "ex1_cost_check/1", 101)
True
"""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from typing import Any

ENV = "SGDTEACH_GRADING_SECRET"


def key(secret: str) -> str:
    """The key the worker draws hidden seeds with (hex), derived from ``secret``."""
    return hashlib.sha256(b"sgdteach hidden inputs\0" + secret.encode()).hexdigest()


def fingerprint(secret: str) -> str:
    """What the manifest records of ``secret``: which secret, not the secret nor the key."""
    return hashlib.sha256(b"sgdteach grading secret id\0" + secret.encode()).hexdigest()[:16]


def draw(hex_key: str, call_id: str, seed: int) -> int:
    """The seed that replaces ``seed`` of the hidden call ``call_id`` under ``hex_key``."""
    mac = hmac.new(bytes.fromhex(hex_key), f"{call_id}:{seed}".encode(), hashlib.sha256)
    return int.from_bytes(mac.digest()[:4], "big") & 0x7FFFFFFF


def redrawn(plans: dict[str, list[Any]], hex_key: str) -> dict[str, list[Any]]:
    """``plans`` (grade_id -> :class:`~sgdteach.grading.worker.judging.ProbeCall` list) with
    every hidden call's seed drawn from ``hex_key``; unchanged without a key."""
    if not hex_key:
        return plans
    return {gid: [dataclasses.replace(c, seed=draw(hex_key, c.id, c.seed)) if c.hidden else c
                  for c in calls] for gid, calls in plans.items()}
