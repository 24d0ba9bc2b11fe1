"""The only code that touches a submission: it runs in the grader's worker process (one per
submission) and, for :mod:`.probes`, inside the learner's kernel.

:mod:`.runner` (one submission, start to finish), :mod:`.intake` (every hostile-file rule),
:mod:`.assemble` (test cells re-taken from the source), :mod:`.kernel_client` (nbclient with output
caps), :mod:`.probes` (the only code that runs in the learner's kernel), :mod:`.judging` (the judge,
outside the kernel), :mod:`.scan` (static cheat flags, AST only).
"""
