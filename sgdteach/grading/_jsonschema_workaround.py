r"""A workaround for the import cost of ``jsonschema`` in every grading process: import this
module before nbformat.

nbformat validates notebooks with ``fastjsonschema`` by default, but ``nbformat/json_compat.py``
imports ``jsonschema`` unconditionally (there is no setting to skip it), and ``jsonschema``'s
format checker imports the optional ``rfc3987_syntax`` package when installed, whose import
compiles a grammar: about 1 s per process, paid by the grader, its fork server and every spawned
worker (``import nbformat`` 2.5 s -> 0.22 s measured). nbformat's notebook schema never uses the
IRI formats that package checks, so this module marks ``rfc3987_syntax`` as absent in
``sys.modules`` (``None`` there makes its import raise ``ImportError``, which jsonschema
handles). A process that already imported jsonschema is left alone.
"""

import sys

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: ImportError
