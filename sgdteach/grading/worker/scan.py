r"""Static flags: answer cells that reach the library's own implementation of what the exercise
asks for (``sgdteach.reference`` for the SGD loop, ``sgdteach.losses`` for the gradient, ...).
Each check declares it as dotted names (``Check.forbidden``), resolved once, in the grader, to
the objects they name. This module reads the learner's cells with :mod:`ast` (never runs them),
works out the dotted name each expression refers to:

* imports and their aliases, across cells (``import sgdteach as s`` then ``s.reference.x``),
  ``from M import *`` (the names of ``M.__all__`` for sgdteach's own modules), plain
  re-assignments (``f = s.minimize``);
* ``getattr(obj, "literal")``, ``__import__("literal")`` and ``importlib.import_module("literal")``;

then resolves that name (and each of its prefixes) to its object in this process — sgdteach's own
modules only — and flags it when the object is forbidden (:class:`Forbidden`): a forbidden object
itself, under any alias or re-export (``sgdteach.course.toolbox.mse`` is ``sgdteach.losses.mse``);
anything defined in a forbidden module; a registry (a dict, list, tuple or set) holding one
(``sgdteach.course.experiments.OPTIMIZERS``). The public checks of :mod:`sgdteach.checking` are
never forbidden by their module alone: a learner may run them.

A name built at run time (``getattr(s, "stoch" + "astic...")``) is not resolved: the flag is a
prompt for the instructor, not a proof.
"""

from __future__ import annotations

import ast
import functools
import importlib
import re
from collections.abc import Iterable, Mapping
from types import ModuleType
from typing import Any, TypeGuard

from ..markup import grade_id, role

_MAGIC = re.compile(r"^(\s*)[%!].*$", re.MULTILINE)
_MISSING = object()
_REGISTRIES = (list, tuple, set, frozenset)


def _own(dotted: str) -> bool:
    return dotted == "sgdteach" or dotted.startswith("sgdteach.")


@functools.lru_cache(maxsize=4096)
def lookup(dotted: str) -> Any:
    """The object ``dotted`` names in this process, for sgdteach's own names; ``_MISSING`` when
    it names nothing (or something outside sgdteach: nothing else is imported)."""
    if not _own(dotted):
        return _MISSING
    parts = dotted.split(".")
    try:
        obj: Any = importlib.import_module(parts[0])
    except ImportError:
        return _MISSING
    for i, part in enumerate(parts[1:], start=2):
        try:
            obj = getattr(obj, part)
            continue
        except Exception:   # a lazy attribute that fails to import: unresolved
            pass
        if not isinstance(obj, ModuleType):
            return _MISSING
        try:   # a submodule not imported yet
            obj = importlib.import_module(".".join(parts[:i]))
        except Exception:
            return _MISSING
    return obj


def _star_names(module: str) -> list[str]:
    """Public names ``from module import *`` binds, for sgdteach's own modules only."""
    mod = lookup(module) if _own(module) else _MISSING
    if not isinstance(mod, ModuleType):
        return []
    names = getattr(mod, "__all__", None)
    return [n for n in (names if names is not None else dir(mod)) if not n.startswith("_")]


def _module_of(obj: Any) -> str:
    """The module an object comes from: a module's own name, else where it was defined."""
    if isinstance(obj, ModuleType):
        return obj.__name__
    try:
        name = getattr(obj, "__module__", None)
    except Exception:
        return ""
    return name if isinstance(name, str) else ""


class Forbidden:
    """The objects a check forbids, resolved once from its dotted names: each named object, and
    everything in each named module (but the public checks); ``objects`` are forbidden as they
    are (a check's ``implements``), wherever they are defined."""

    def __init__(self, names: Iterable[str], objects: Iterable[Any] = ()):
        self.objects: dict[int, Any] = {id(obj): obj for obj in objects}
        self.modules: list[str] = []
        for name in names:
            obj = lookup(name)
            if obj is _MISSING:
                raise ValueError(f"Forbidden: '{name}' must name an object of sgdteach; got "
                                 f"{name!r}, which names nothing. Correct the check's "
                                 "forbidden list.")
            self.objects[id(obj)] = obj
            if isinstance(obj, ModuleType):
                self.modules.append(obj.__name__)
        checking = importlib.import_module("sgdteach.checking")
        self.allowed = {id(getattr(checking, n)) for n in checking.__all__} - set(self.objects)

    def _in_module(self, obj: Any) -> bool:
        module = _module_of(obj)
        return bool(module) and id(obj) not in self.allowed and any(
            module == m or module.startswith(m + ".") for m in self.modules)

    def __contains__(self, obj: Any) -> bool:
        """Whether ``obj`` is, is defined in, or (a registry) holds a forbidden object."""
        if id(obj) in self.objects or self._in_module(obj):
            return True
        if isinstance(obj, (Mapping, *_REGISTRIES)) and not isinstance(obj, ModuleType):
            items = obj.values() if isinstance(obj, Mapping) else obj
            try:
                return any(id(v) in self.objects or self._in_module(v) for v in items)
            except Exception:   # an odd container: not a registry
                return False
        return False

    def reaches(self, dotted: str) -> bool:
        """Whether the name ``dotted``, or a prefix of it, resolves to a forbidden object."""
        parts = dotted.split(".")
        for i in range(1, len(parts) + 1):
            obj = lookup(".".join(parts[:i]))
            if obj is _MISSING:
                return False
            if obj in self:
                return True
        return False


class _Scanner(ast.NodeVisitor):
    def __init__(self, aliases: dict[str, str], forbidden: Forbidden | None):
        self.aliases, self.forbidden = aliases, forbidden
        self.found: list[str] = []

    def banned(self, dotted: str | None) -> TypeGuard[str]:
        return dotted is not None and self.forbidden is not None and \
            self.forbidden.reaches(dotted)

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


def scan(sources: list[tuple[str | None, str]], forbidden: list[str],
         objects: Iterable[Any] = ()) -> list[str]:
    """Flags ``"<label>: calls <name>"`` for the labelled cells of ``(label, source)`` pairs, in
    notebook order; cells labelled ``None`` only contribute their imports and aliases; a name
    that resolves to one of ``objects`` is flagged too.

    >>> scan([(None, "import sgdteach as s"), ("q", "f = getattr(s, 'minimize')")],
    ...      ["sgdteach.minimize"])
    ['q: uses sgdteach.minimize']
    """
    aliases: dict[str, str] = {}
    out: list[str] = []
    banned = Forbidden(forbidden, objects)
    for label, source in sources:
        scanner = _Scanner(aliases, banned if label else None)
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


def flags(built: Any, forbidden: list[str], objects: Iterable[Any] = ()) -> list[str]:
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
    return scan(sources, forbidden, objects)
