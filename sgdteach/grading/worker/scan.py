r"""Static flags: answer cells that use the library's own implementation of what the exercise
asks for (``sgdteach.stochastic_gradient_descent`` for the SGD loop, ``sgdteach.losses`` for the
gradient, ...). Each check declares those dotted names (``Check.forbidden``); this module reads
the learner's cells with :mod:`ast` (never runs them) and resolves what each name refers to:

* imports and their aliases, across cells (``import sgdteach as s`` then ``s.reference.x``),
  ``from M import *`` (the names of ``M.__all__`` for sgdteach's own modules), plain
  re-assignments (``f = s.minimize``);
* ``getattr(obj, "literal")``, ``__import__("literal")`` and ``importlib.import_module("literal")``.

A name built at run time (``getattr(s, "stoch" + "astic...")``) is not resolved: the flag is a
prompt for the instructor, not a proof.
"""

from __future__ import annotations

import ast
import importlib
import re
from typing import Any, TypeGuard

from ..markup import grade_id, role

_MAGIC = re.compile(r"^(\s*)[%!].*$", re.MULTILINE)


def _star_names(module: str) -> list[str]:
    """Public names ``from module import *`` binds, for sgdteach's own modules only."""
    if module != "sgdteach" and not module.startswith("sgdteach."):
        return []
    try:
        mod = importlib.import_module(module)
    except ImportError:
        return []
    names = getattr(mod, "__all__", None)
    return [n for n in (names if names is not None else dir(mod)) if not n.startswith("_")]


class _Scanner(ast.NodeVisitor):
    def __init__(self, aliases: dict[str, str], forbidden: list[str]):
        self.aliases, self.forbidden = aliases, forbidden
        self.found: list[str] = []

    def banned(self, dotted: str | None) -> TypeGuard[str]:
        return dotted is not None and any(dotted == f or dotted.startswith(f + ".")
                                          for f in self.forbidden)

    def note(self, kind: str, dotted: str) -> None:
        text = f"{kind} {dotted}"
        if text not in self.found:
            self.found.append(text)

    def resolve(self, node: ast.AST) -> str | None:
        """The dotted name an expression refers to, when it can be read off the code."""
        if isinstance(node, ast.Name):
            return self.aliases.get(node.id, "sgdteach" if node.id == "sgdteach" else None)
        if isinstance(node, ast.Attribute):
            base = self.resolve(node.value)
            return f"{base}.{node.attr}" if base else None
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[-1], ast.Constant) \
                and isinstance(node.args[-1].value, str):
            literal = node.args[-1].value
            func = self.resolve(node.func) or (node.func.id if isinstance(node.func, ast.Name)
                                               else None)
            if func in ("getattr", "builtins.getattr") and len(node.args) >= 2:
                base = self.resolve(node.args[0])
                return f"{base}.{node.args[1].value}" if base and isinstance(
                    node.args[1], ast.Constant) and isinstance(node.args[1].value, str) else None
            if func in ("__import__", "builtins.__import__", "importlib.import_module") \
                    and len(node.args) == 1:
                return literal
        return None

    def visit_Import(self, node: ast.Import) -> None:
        for a in node.names:
            if a.asname:
                self.aliases[a.asname] = a.name
            else:
                top = a.name.split(".")[0]
                self.aliases[top] = top
            if self.banned(a.name):
                self.note("imports", a.name)

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        module = node.module or ""
        if node.level:
            return
        for a in node.names:
            if a.name == "*":
                for name in _star_names(module):
                    self.aliases[name] = f"{module}.{name}"
                if self.banned(module) or any(self.banned(f"{module}.{n}")
                                              for n in _star_names(module)):
                    self.note("imports", f"{module}.*")
                continue
            dotted = f"{module}.{a.name}"
            self.aliases[a.asname or a.name] = dotted
            if self.banned(dotted):
                self.note("imports", dotted)

    def visit_Assign(self, node: ast.Assign) -> None:
        target = self.resolve(node.value)
        for t in node.targets:
            if isinstance(t, ast.Name):
                if target:
                    self.aliases[t.id] = target
                else:
                    self.aliases.pop(t.id, None)
        self.generic_visit(node)

    def visit_Call(self, node: ast.Call) -> None:
        dotted = self.resolve(node.func)
        if self.banned(dotted):
            self.note("calls", dotted)
        else:
            whole = self.resolve(node)
            if self.banned(whole):
                self.note("uses", whole)
                return
            self.visit(node.func)
        for child in [*node.args, *node.keywords]:
            self.visit(child)

    def visit_Attribute(self, node: ast.Attribute) -> None:
        dotted = self.resolve(node)
        if self.banned(dotted):
            self.note("uses", dotted)
        else:
            self.generic_visit(node)

    def visit_Name(self, node: ast.Name) -> None:
        dotted = self.resolve(node)
        if self.banned(dotted):
            self.note("uses", dotted)


def scan(sources: list[tuple[str | None, str]], forbidden: list[str]) -> list[str]:
    """Flags ``"<label>: calls <name>"`` for the labelled cells of ``(label, source)`` pairs, in
    notebook order; cells labelled ``None`` only contribute their imports and aliases.

    >>> scan([(None, "import sgdteach as s"), ("q", "f = getattr(s, 'minimize')")],
    ...      ["sgdteach.minimize"])
    ['q: uses sgdteach.minimize']
    """
    aliases: dict[str, str] = {}
    out: list[str] = []
    for label, source in sources:
        scanner = _Scanner(aliases, forbidden if label else [])
        try:
            scanner.visit(ast.parse(_MAGIC.sub(r"\1pass", source)))
        except (SyntaxError, ValueError):
            continue                      # the kernel reports it; nothing to resolve
        except RecursionError:
            if label:
                out.append(f"{label}: too deeply nested to scan")
            continue
        out += [f"{label}: {text}" for text in scanner.found]
    return out


def flags(built: Any, forbidden: list[str]) -> list[str]:
    """The flags of an assembled notebook: its answer cells and the cells the learner added
    (given and test cells only contribute imports)."""
    answers = {index: gid for gid, index in built.answers.items()}
    tests = set(built.tests.values())
    sources: list[tuple[str | None, str]] = []
    for index, cell in enumerate(built.nb.cells):
        if cell.get("cell_type") != "code" or index in tests:
            continue
        if index in answers:
            label: str | None = answers[index]
        elif role(cell) is None and not grade_id(cell):
            label = f"cell {index + 1} (a cell you added)"
        else:
            label = None
        sources.append((label, cell.get("source", "")))
    return scan(sources, forbidden)
