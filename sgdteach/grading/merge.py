r"""``python -m sgdteach merge GRADEBOOK... --out gradebook.csv``: join gradebooks graded in parts
(``grade --shard I/N``, or separate runs) into one, as if one run had graded every submission.

Each input is a gradebook with its feedback folder and manifest (see
:mod:`~sgdteach.grading.report.gradebook`). The merge checks that they were graded against the same
source (same columns, same source SHA-256 in every manifest entry and shard plan) and, for shards,
that every shard ``0 .. N-1`` of the same class is there and finished, and that every row was
graded under the same limits and sandbox (the manifest's ``limits``, the ``sandbox`` column).
Rows are joined over the gradebook's own columns (read from the CSV header, so columns added
later merge too); a submission in two inputs must have identical rows, otherwise the merge
stops and names both. The output gets the merged gradebook (sorted, like a single run's), the
feedback files and manifest of every row, and the class summary recomputed from the feedback.

Nothing is overwritten: ``--out`` may not be, or share files with, an input, and a file the merge
would write that already exists with other content makes it refuse, writing nothing. Exit code 0
when merged, 2 when refused (with one message saying why and what to do).
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import filecmp
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .._files import write_atomic
from .._validation import message
from .report.escape import csv_value, terminal
from .report.gradebook import EXTRA, FIXED, Paths, read_json, write_rows
from .report.summary import sandbox_sentence, write_summary
from .shard import read_plan


class MergeError(ValueError):
    """The inputs cannot be merged into ``--out`` (the message says why and what to do)."""


def _fail(arg: str, allowed: str, value: Any, fix: str) -> MergeError:
    return MergeError(message("merge", arg, allowed, value, fix))


@dataclass
class Part:
    """One input gradebook: its header, rows (in file order), manifest and shard plan."""

    paths: Paths
    header: list[str] | None = None
    rows: dict[str, dict[str, str]] = field(default_factory=dict)
    manifest: dict[str, Any] = field(default_factory=dict)
    plan: dict[str, Any] | None = None

    @classmethod
    def read(cls, path: str) -> Part:
        part = cls(Paths(path), plan=read_plan(Paths(path)))
        gradebook = part.paths.gradebook
        if not gradebook.is_file():
            if part.plan is not None and not part.plan["keys"]:
                return part    # a shard with no submissions writes no gradebook
            raise _fail("GRADEBOOK", "an existing gradebook CSV", str(gradebook),
                        "Pass the --out of each grade run (did that shard run?).")
        with open(gradebook, newline="", encoding="utf-8") as f:
            reader = csv.DictReader(f)
            part.header = list(reader.fieldnames or [])
            if part.header[:len(FIXED)] != FIXED:
                raise _fail("GRADEBOOK", f"a gradebook with the columns {', '.join(FIXED)}, ...",
                            str(gradebook), "Pass gradebooks written by python -m sgdteach grade.")
            for r in ({k: csv_value(v) for k, v in cells.items()} for cells in reader):
                if r["submission"] in part.rows:
                    raise _fail("GRADEBOOK", "a gradebook with one row per submission",
                                str(gradebook), f"It has two rows for {r['submission']!r}.")
                part.rows[r["submission"]] = r
        part.manifest = read_json(part.paths.manifest, None)
        if not isinstance(part.manifest, dict):
            raise _fail("GRADEBOOK", "a gradebook with its manifest", str(gradebook),
                        f"{part.paths.manifest} is missing or unreadable: grade it again.")
        return part

    def sources(self) -> set[str]:
        """The source hashes this part was graded against (manifest entries and plan)."""
        found = {entry["source"] for key, entry in self.manifest.items()
                 if key in self.rows and entry.get("source")}
        return found | ({self.plan["source"]} if self.plan else set())


def check_out(parts: list[Part], out: Paths) -> None:
    """Refuse an ``--out`` whose files are an input's files."""
    mine = {p.resolve() for p in out.outputs()}
    for part in parts:
        if mine & {p.resolve() for p in part.paths.outputs()}:
            raise _fail("--out", "a gradebook that is none of the inputs", str(out.gradebook),
                        f"It would overwrite {part.paths.gradebook} or its files: choose a new "
                        "--out, e.g. merged/gradebook.csv.")


def check_same_class(parts: list[Part]) -> None:
    """Same columns and the same source for all parts; for shards, every shard of one class
    present and finished."""
    headers = {tuple(p.header) for p in parts if p.header is not None}
    if len(headers) > 1:
        a, b = (next(p for p in parts if p.header and tuple(p.header) == h) for h in
                sorted(headers)[:2])
        raise _fail("GRADEBOOK", "gradebooks with the same columns", str(b.paths.gradebook),
                    f"Its columns differ from {a.paths.gradebook}'s: merge gradebooks graded "
                    "against the same source.")
    sources: dict[str, Part] = {}
    for part in parts:
        for source in part.sources():
            sources.setdefault(source, part)
    if len(sources) > 1:
        a, b = list(sources.values())[:2]
        raise _fail("GRADEBOOK", "gradebooks graded against the same source notebook",
                    str(b.paths.gradebook), f"Its manifest records another source SHA-256 than "
                    f"{a.paths.gradebook}: grade every part against one SOURCE.ipynb.")
    check_same_limits(parts)
    plans = [(p, p.plan) for p in parts if p.plan]
    if not plans:
        return
    first_part, first = plans[0]
    for part, plan in plans:
        if (plan["count"], plan["class_digest"]) != (first["count"], first["class_digest"]):
            raise _fail("GRADEBOOK", "shards cut from one class with one N",
                        str(part.paths.gradebook), f"Its shard {plan['shard']} was cut "
                        f"from another submission list or N than {first_part.paths.gradebook}'s "
                        f"shard {first['shard']}: run every shard with the same submissions.")
        missing = [k for k in plan["keys"] if k not in part.rows]
        if missing:
            raise _fail("GRADEBOOK", "a finished shard", str(part.paths.gradebook),
                        f"Shard {plan['shard']} has no row for {missing[0]!r} "
                        f"({len(missing)} missing): run that shard again (a re-run grades "
                        "only what is missing).")
    n = first["count"]
    absent = [f"{i}/{n}" for i in sorted(set(range(n)) - {plan["index"] for _, plan in plans})]
    if absent:
        raise _fail("GRADEBOOK", f"all {n} shards", f"{len(plans)} shard(s)",
                    f"Shard(s) {', '.join(absent)} missing: pass the --out of every shard.")


def check_same_limits(parts: list[Part]) -> None:
    """Every row graded under the same limits and sandbox mode (entries from before limits were
    recorded are compared by their sandbox column only)."""
    seen: dict[str, tuple[Part, str]] = {}
    for part in parts:
        for key, r in part.rows.items():
            limits = (part.manifest.get(key) or {}).get("limits")
            for what, value in (("limits", limits), ("sandbox", r.get("sandbox"))):
                if not value:
                    continue
                text = json.dumps(value, sort_keys=True)
                first = seen.setdefault(what, (part, text))
                if first[1] != text:
                    raise _fail("GRADEBOOK", f"gradebooks graded under the same {what}",
                                str(part.paths.gradebook),
                                f"{key!r} was graded with {what} {text}, "
                                f"{first[0].paths.gradebook} with {first[1]}: grade every part "
                                "with the same --timeout, --notebook-timeout, --memory-mb, "
                                "--max-output-kb, --disk-mb and --sandbox.")


def merge_rows(parts: list[Part]) -> dict[str, tuple[dict[str, str], Part]]:
    """Every submission's row and the first part that holds it; conflicting duplicates raise."""
    merged: dict[str, tuple[dict[str, str], Part]] = {}
    for part in parts:
        for key, r in part.rows.items():
            if key in merged and merged[key][0] != r:
                other = merged[key][1]
                diff = [c for c in part.header or [] if merged[key][0].get(c) != r.get(c)]
                raise _fail("GRADEBOOK", "gradebooks that agree on every submission they share",
                            key, f"{other.paths.gradebook} and {part.paths.gradebook} give it "
                            f"different rows (columns {', '.join(diff)}): grade it again in "
                            "one of them only, or leave the stale gradebook out.")
            merged.setdefault(key, (r, part))
    return merged


def stage(parts: list[Part], merged: dict[str, tuple[dict[str, str], Part]],
          staging: Paths) -> None:
    """Write the merged gradebook, feedback, manifest and summary under ``staging``."""
    header = next(p.header for p in parts if p.header is not None)
    manifest, results = {}, []
    for key in sorted(merged):
        part = merged[key][1]
        name = part.paths.name(key)
        for suffix in (".json", ".md", ".html"):
            src = part.paths.feedback / f"{name}{suffix}"
            if suffix == ".html" and not src.is_file():   # graded before the HTML feedback
                continue
            if not src.is_file():
                raise _fail("GRADEBOOK", "a gradebook with feedback for every row",
                            str(part.paths.gradebook), f"{src} is missing: grade {key!r} again.")
            staging.feedback.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(src, staging.feedback / src.name)
        results.append(read_json(part.paths.feedback / f"{name}.json", None))
        if key in part.manifest:
            manifest[key] = part.manifest[key]
    write_atomic(staging.manifest, json.dumps(manifest, indent=1))
    grade_ids = [c for c in header[len(FIXED):] if c not in EXTRA]
    results = [r for r in results if r]
    source = sorted(set().union(*(part.sources() for part in parts)))   # one: checked above
    write_summary(staging.summary, results, grade_ids, sandbox_sentence(results),
                  source=source[0] if source else "")
    write_rows(staging.gradebook, {k: r for k, (r, _) in merged.items()}, grade_ids)


def publish(staging: Paths, out: Paths) -> int:
    """Move the staged files to ``out`` (the gradebook last), refusing before moving anything
    if one would replace a file with other content. Returns the number of files written."""
    base = staging.gradebook.parent
    staged = sorted(p for p in base.rglob("*") if p.is_file())
    target = {p: out.gradebook.parent / p.relative_to(base) for p in staged}
    clash = [t for p, t in target.items() if t.exists() and not filecmp.cmp(p, t, shallow=False)]
    if clash:
        raise _fail("--out", "a new place or one holding the same results", str(out.gradebook),
                    f"{clash[0]} exists with other content ({len(clash)} file(s)); the merge "
                    "never replaces a file: remove them or choose a new --out.")
    for p in sorted(staged, key=lambda p: p == staging.gradebook):   # the gradebook last
        target[p].parent.mkdir(parents=True, exist_ok=True)
        os.replace(p, target[p])
    return len(staged)


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m sgdteach merge",
                                description="Merge gradebooks graded in parts (grade --shard).")
    p.add_argument("gradebooks", nargs="+", metavar="GRADEBOOK",
                   help="gradebooks to merge (each --out of a grade run)")
    p.add_argument("--out", required=True, help="the merged gradebook CSV to write")
    return p.parse_args(argv)


def merge(gradebooks: list[str], out: str) -> int:
    """Merge ``gradebooks`` into ``out``; returns the number of rows. Raises
    :class:`MergeError`."""
    unique: dict[Path, str] = {}
    for g in gradebooks:   # a gradebook given twice counts once
        unique.setdefault(Path(g).resolve(), g)
    parts = [Part.read(g) for g in unique.values()]
    target = Paths(out)
    check_out(parts, target)
    check_same_class(parts)
    if all(p.header is None for p in parts):
        raise _fail("GRADEBOOK", "at least one gradebook with rows", gradebooks,
                    "Every input is an empty shard: grade the submissions first.")
    merged = merge_rows(parts)
    parent = target.gradebook.parent.resolve()
    created = [d for d in (parent, *parent.parents) if not d.exists()]   # removed if refused
    parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".merge-", dir=parent))   # same file system: renames
    try:
        staging = Paths(tmp / target.gradebook.name)
        stage(parts, merged, staging)
        publish(staging, target)
    except MergeError:
        shutil.rmtree(tmp, ignore_errors=True)
        for d in created:
            with contextlib.suppress(OSError):
                d.rmdir()
        raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return len({k for p in parts for k in p.rows})


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    try:
        n = merge(args.gradebooks, args.out)
    except MergeError as exc:
        print(terminal(str(exc)), file=sys.stderr)
        return 2
    out = Paths(args.out)
    print(f"merge: {n} row(s) from {len(args.gradebooks)} gradebook(s) into {out.gradebook}, "
          f"feedback in {out.feedback}/, summary {out.summary}.md", file=sys.stderr)
    return 0

