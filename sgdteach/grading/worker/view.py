r"""The view of the package a graded kernel sees: every function an exercise asks the learner to
write, and every reference a judge computes, is absent, under each of its names.

An exercise declares the package's own implementations of its answer on its check
(:attr:`sgdteach.checking.Check.implements`: ``losses._squared_grad`` for the gradient, the
reference SGD loop, minimize's inner loop, ...); the judges of every check are hidden as well
(they compute the expected values). :func:`build` writes a copy of the package in which the
*definition* of each hidden function keeps its name and loses its body::

    def _squared_grad(*args, **kwargs):
        raise RuntimeError("sgdteach.losses._squared_grad: not available while grading ...")

so every alias and re-export (``sgdteach.course.toolbox.mse`` is ``sgdteach.losses.mse``, a
``Loss`` whose ``grad`` it is, a registry holding it) is the stub too: they are one object. The
sandbox mounts the copy read-only in place of the package
(:mod:`~sgdteach.grading.sandbox.bwrap`), so re-importing, reloading or reading the source in
the kernel finds the stub; the real source is not in the sandbox at all. A forged record then
gains nothing: the judge, outside, compares with the reference it computes itself.

:func:`aliases` lists, by object identity, every name under which the package's modules reach
a hidden function (module attributes, and one level into dicts, tuples and objects such as a
``Loss``); the tests use it to prove each one is a stub in the view.

A substitute (a reference standing in for an earlier answer while a later part is probed, e.g.
the reference ``sgd_step`` while ``check_sgd`` runs) is hidden too; the grader hands its source
to the probe cell of the later part (:func:`substitute_sources`), which runs after every record
of the earlier part was sent (:func:`sgdteach.grading.worker.judging.prepare` checks the order).
"""

from __future__ import annotations

import ast
import compileall
import inspect
import os
import shutil
import sys
import types
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from ...checking._check import Check

UNAVAILABLE = ("{name}: not available while grading (it computes what an exercise asks you to "
               "write). Use your own function.")


def hidden(checks: Iterable[Check], judges: Iterable[Check] = ()) -> list[Callable]:
    """The functions absent from the view for a notebook calling ``checks``: their
    ``implements`` and substitutes, and the judge of every check in ``judges``."""
    out: dict[int, Callable] = {}
    for check in checks:
        for fn in (*check.implements, *(f for _, f in check.substitutes)):
            out[id(fn)] = fn
    for check in judges:
        out[id(check.judge)] = check.judge
    return list(out.values())


def _name(fn: Callable) -> str:
    return f"{fn.__module__}.{fn.__qualname__}"


def _definition(fn: Callable, tree: ast.Module) -> ast.FunctionDef:
    """The ``def`` of ``fn`` in its module's syntax tree (by name and first line)."""
    code = inspect.unwrap(fn).__code__
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name == fn.__name__ and min(
                [node.lineno, *(d.lineno for d in node.decorator_list)]) == code.co_firstlineno:
            return node
    raise ValueError(f"hidden: 'fn' must be a function defined by a def; got {_name(fn)}, "
                     "whose definition was not found. Declare plain functions in implements.")


def _stub(node: ast.FunctionDef, name: str) -> list[str]:
    indent = " " * node.col_offset
    return [f"{indent}def {node.name}(*args, **kwargs):  # hidden while grading\n",
            f"{indent}    raise RuntimeError({UNAVAILABLE.format(name=name)!r})\n"]


def stubbed_source(path: Path, functions: list[Callable]) -> str:
    """The text of ``path`` with each of ``functions`` (defined in it) reduced to a stub."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines(keepends=True)
    tree = ast.parse(text)
    spans = []
    for fn in functions:
        node = _definition(fn, tree)
        first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
        spans.append((first, node.end_lineno or node.lineno, _stub(node, _name(fn))))
    for first, last, stub in sorted(spans, reverse=True):   # bottom up: line numbers hold
        lines[first - 1:last] = stub
    return "".join(lines)


def build(dest: Path, functions: Iterable[Callable], package: Path | None = None) -> Path:
    """Write the view of ``package`` (the ``sgdteach`` folder) to ``dest`` with ``functions``
    stubbed, compile it once (the kernel writes no bytecode) and return ``dest``."""
    package = package or Path(inspect.getfile(sys.modules["sgdteach"])).parent
    shutil.copytree(package, dest, ignore=shutil.ignore_patterns("__pycache__", "*.pyc"))
    by_file: dict[str, list[Callable]] = {}
    for fn in functions:
        by_file.setdefault(os.path.realpath(inspect.getfile(inspect.unwrap(fn))), []).append(fn)
    root = os.path.realpath(package)
    for file, fns in by_file.items():
        rel = os.path.relpath(file, root)
        if rel.startswith(".."):
            raise ValueError(f"build: 'functions' must be defined in {root}; got "
                             f"{[_name(f) for f in fns]} from {file}. Hide sgdteach's own.")
        (dest / rel).write_text(stubbed_source(Path(file), fns), encoding="utf-8")
    compileall.compile_dir(str(dest), quiet=2)
    return dest


def aliases(fn: Callable, modules: Iterable[types.ModuleType] | None = None) -> list[str]:
    """Every name (``module.attr``, ``module.attr[key]``, ``module.attr.field``: each a Python
    expression) under which one of sgdteach's loaded modules holds ``fn``, found by identity
    (``is``; for a closure, of its code)."""
    mods = modules if modules is not None else [
        m for n, m in sorted(sys.modules.items())
        if (n == "sgdteach" or n.startswith("sgdteach.")) and isinstance(m, types.ModuleType)]
    found = []
    for mod in mods:
        for attr, value in list(vars(mod).items()):
            where = f"{mod.__name__}.{attr}"
            if value is fn or _same_code(value, fn):
                found.append(where)
                continue
            inner: list[tuple[str, Any]] = []
            if isinstance(value, dict):
                inner = [(f"[{k!r}]", v) for k, v in value.items()]
            elif isinstance(value, (list, tuple)):
                inner = [(f"[{i}]", v) for i, v in enumerate(value)]
            elif isinstance(value, type) and value.__module__ == mod.__name__:
                inner = [(f".{k}", v) for k, v in vars(value).items()]   # methods
            elif not isinstance(value, (type, types.ModuleType)) and hasattr(value, "__dict__"):
                inner = [(f".{k}", v) for k, v in vars(value).items()]
            found += [where + key for key, v in inner if v is fn or _same_code(v, fn)]
    return found


def _same_code(value: Any, fn: Callable) -> bool:
    """Closures of one ``def`` (e.g. every momentum optimizer's ``update``) share its code."""
    return isinstance(value, types.FunctionType) and value.__code__ is getattr(fn, "__code__", 0)


def substitute_sources(check: Check, hidden_fns: Iterable[Callable]) -> list[tuple[str, str, str]]:
    """``(name, module, code)`` per substitute of ``check``: the code defines the substitute
    and the hidden functions of its module it calls (``minibatches`` calls
    ``reference_batches``), to run in that module's namespace in the probe cell."""
    gone = {id(f) for f in hidden_fns}
    out = []
    for part in check.substitutes:
        name, fn = part.check.arg, part.reference
        module = sys.modules[fn.__module__]
        need, todo = [], [fn]
        while todo:
            f = todo.pop()
            if f in need:
                continue
            need.append(f)
            todo += [g for n in _names(f.__code__)
                     if callable(g := vars(module).get(n)) and id(g) in gone]
        code = "\n\n".join(inspect.getsource(f) for f in reversed(need))
        out.append((name, fn.__module__, f"{code}\n_substitute = {fn.__name__}\n"))
    return out


def _names(code: types.CodeType) -> set[str]:
    """The global names a code object and the code nested in it use."""
    names = set(code.co_names)
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            names |= _names(const)
    return names


def for_source(source: str, dest: Path) -> str:
    """Build the view for the solution notebook ``source`` in ``dest``: the ``implements`` and
    substitutes of the checks its test cells call, and every judge, hidden."""
    import nbformat

    from ...checking.registry import CHECKS
    from .judging import plan

    names = sorted({c.check for calls in plan(nbformat.read(source, as_version=4)).values()
                    for c in calls})
    return str(build(dest, hidden([CHECKS[n] for n in names], CHECKS.values())))
