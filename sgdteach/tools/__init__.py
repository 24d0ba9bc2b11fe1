"""The maintainer's commands, reached through ``python -m sgdteach``: :mod:`.nbexec` (re-execute
notebooks, ``execute``), :mod:`.install_cell` (the pinned install cell, ``install-cell``) and
:mod:`.environment` (what a notebook's first cell checks: versions, Colab, Binder)."""
