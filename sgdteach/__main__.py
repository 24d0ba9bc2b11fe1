"""The command line: ``python -m sgdteach COMMAND ...``.

Commands (each delegates to its module):

* ``execute NOTEBOOK...``: re-execute notebooks and save their outputs (``make notebooks``).
* ``release SOLUTIONS EXERCISES``: generate exercise notebooks from the solutions.
* ``install-cell NOTEBOOK... [--check]``: write the first code cell that installs
  ``sgdteach==<version>`` when it is missing (:mod:`sgdteach.tools.install_cell`).
* ``workspace [EXERCISES] [WORK]``: copy the exercises a learner does not have yet into
  ``my-exercises/`` (:mod:`sgdteach.tools.workspace`).
* ``grade SOURCE.ipynb SUBMISSION.ipynb... --out gradebook.csv [--jobs N] [--timeout S]
  [--shard I/N]``.
* ``merge GRADEBOOK... --out gradebook.csv``: join gradebooks graded in shards.
* ``gradebook [NAME=]GRADEBOOK.csv... --out class.csv [--roster roster.csv] [--canvas canvas.csv]
  [--moodle moodle.csv]``: one row per learner across exercises, and LMS exports
  (:mod:`sgdteach.grading.classbook`).
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "execute": ("sgdteach.tools.nbexec", "re-execute notebooks and save their outputs"),
    "release": ("sgdteach.grading.release", "generate exercises/ from solutions/"),
    "grade": ("sgdteach.grading.grade", "grade submissions into a gradebook"),
    "merge": ("sgdteach.grading.merge", "merge gradebooks graded in shards (grade --shard)"),
    "gradebook": ("sgdteach.grading.classbook", "one row per learner across exercises; Canvas "
                  "and Moodle exports"),
    "install-cell": ("sgdteach.tools.install_cell", "write the install cell (pip install sgdteach=="
                     "<version> when missing) into notebooks"),
    "workspace": ("sgdteach.tools.workspace",
                  "copy the exercises a learner lacks into my-exercises/ (never overwriting)"),
}


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0] in ("-h", "--help") or argv[0] not in COMMANDS:
        lines = [f"  {name:<12} {doc}" for name, (_, doc) in COMMANDS.items()]
        print("usage: python -m sgdteach COMMAND [ARGS]\n\ncommands:\n" + "\n".join(lines))
        if argv and argv[0] not in ("-h", "--help"):
            print(f"\npython -m sgdteach: unknown command {argv[0]!r}; choose one of "
                  f"{', '.join(COMMANDS)}.", file=sys.stderr)
            return 2
        return 0
    module = importlib.import_module(COMMANDS[argv[0]][0])
    return module.main(argv[1:])


if __name__ == "__main__":
    sys.exit(main())
