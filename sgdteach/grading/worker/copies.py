r"""Flag an answer identical to the published solution (the source's own answer cell).

Two answers are the same when their normalised syntax trees are: parsed with :mod:`ast` (so
comments and layout are gone), docstrings removed, and the names a function binds (arguments,
assignments, loop and ``with`` targets) renamed in order of first appearance. A renamed
variable or a reworded comment is still a copy; a different expression is not. The flag is a
prompt for the instructor, not a zero: a short answer may well be written the same way twice.

>>> same = normal("def f(a):\n    '''Doc.'''\n    b = a + 1  # one\n    return b")
>>> same == normal("def f(x):\n    y = x + 1\n    return y")
True
>>> same == normal("def f(x):\n    return x + 1")
False
"""

from __future__ import annotations

import ast
import re
from typing import Any

_MAGIC = re.compile(r"^(\s*)[%!].*$", re.MULTILINE)
FLAG = "identical to the published solution (the same code up to names, comments, docstrings)"


class _Normalise(ast.NodeTransformer):
    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def _local(self, name: str) -> str:
        return self.names.setdefault(name, f"v{len(self.names)}")

    def visit_FunctionDef(self, node: ast.FunctionDef) -> Any:
        body = node.body
        if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant) \
                and isinstance(body[0].value.value, str):
            node.body = body[1:] or [ast.Pass()]
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
            arg.arg = self._local(arg.arg)
            arg.annotation = None
        node.returns = None
        return self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> Any:
        if isinstance(node.ctx, ast.Store) or node.id in self.names:
            node.id = self._local(node.id)
        return node


def normal(source: str) -> str | None:
    """The normalised form of a cell's code, or ``None`` when it does not parse."""
    try:
        tree = ast.parse(_MAGIC.sub(r"\1pass", source))
    except (SyntaxError, ValueError, RecursionError):
        return None
    try:
        return ast.dump(_Normalise().visit(tree), annotate_fields=False)
    except RecursionError:
        return None


def copies(source: Any, built: Any) -> list[str]:
    """Flags ``"<grade_id>: identical to the published solution ..."`` for the answer cells of
    ``built`` (an :class:`~sgdteach.grading.worker.assemble.Assembled`) equal to the source's."""
    from ..markup import grade_id

    published = {grade_id(c): normal(c.get("source", "")) for c in source.cells
                 if c.get("cell_type") == "code" and grade_id(c)}
    out = []
    for gid, index in built.answers.items():
        mine = normal(built.nb.cells[index].get("source", ""))
        if mine is not None and mine == published.get(gid):
            out.append(f"{gid}: {FLAG}")
    return out
