r"""Releasing exercises from solutions, and grading submissions in sandboxed kernels.

The commands: :mod:`.release` (``python -m sgdteach release``), :mod:`.grade`
(``python -m sgdteach grade``: scheduling, the gradebook), on a cluster :mod:`.shard`
(``grade --shard I/N``) and :mod:`.merge` (``python -m sgdteach merge``). Below them, by trust:

* :mod:`.worker`: the only code that touches a submission (intake, assembly, the kernel client,
  the in-kernel probe, the judge, the static scan);
* :mod:`.sandbox`: the only code that knows OS mechanisms (bubblewrap, Landlock, cgroups, rlimits);
* :mod:`.report`: written only by the grader process (gradebook, feedback, summary, progress).

At the ground: :mod:`.markup` (nbgrader cell roles and metadata, no I/O), :mod:`.outcomes` (the
outcome vocabulary), :mod:`.contract` (the typed records that cross process boundaries) and
:mod:`._jsonschema_workaround` (nbformat imports jsonschema unconditionally; this keeps that cheap).
"""
