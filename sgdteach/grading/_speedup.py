r"""Import this before nbformat in grading processes: it makes ``jsonschema`` skip the optional
``rfc3987_syntax`` package, whose import compiles a grammar (about 1 s per process, paid by the
grader, its fork server and every spawned worker). nbformat's notebook schema never uses the IRI
formats that package checks. A process that already imported jsonschema is left alone.
"""

import sys

if "jsonschema" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # None: ImportError
