r"""Releasing exercises from solutions, and grading submissions in sandboxed kernels.

Modules, one idea each: :mod:`.markup` (nbgrader cell roles, metadata checks, stubs),
:mod:`.release` (``python -m sgdteach release``), :mod:`.grader` (``python -m sgdteach grade``:
scheduling, gradebook), :mod:`.runner` (one submission in a worker process), :mod:`.assemble`
(test cells re-taken from the source, tampering), :mod:`.client` (nbclient with output caps),
:mod:`.sandbox` and :mod:`.landlock` (limits of the kernel process), :mod:`.outcomes`,
:mod:`.gradebook`, :mod:`.feedback`, :mod:`.summary`, :mod:`.progress`; on a cluster,
:mod:`.shard` (``grade --shard I/N``) and :mod:`.merge` (``python -m sgdteach merge``).
"""
