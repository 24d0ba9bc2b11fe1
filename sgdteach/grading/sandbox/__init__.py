"""The only code that knows the operating system's confinement mechanisms.

:mod:`.confine` (the policy: which layers a job gets), :mod:`.launcher` (runs in front of the
kernel: rlimits, Landlock, then ``exec``), :mod:`.bwrap` (bubblewrap namespaces and mounts),
:mod:`.landlock` (file-system rules through ``ctypes``), :mod:`.cgroups` (memory, tasks, CPU).
"""
