"""Names a module imports on first use (PEP 562): the one lazy-import rule of the package."""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def attach(namespace: dict[str, Any], table: Mapping[str, str]
           ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """``(__getattr__, __dir__)`` for the module whose ``globals()`` is ``namespace``.

    ``table`` maps each lazy name to the submodule of ``namespace``'s package that defines it (a
    submodule's own name maps to itself, and is the submodule). On first use the submodule is
    imported, the value stored in ``namespace`` (later uses are plain lookups); ``__dir__`` lists
    the lazy names beside the loaded ones. Any other name raises :class:`AttributeError`.
    """
    module_name, package = namespace["__name__"], namespace["__package__"]

    def __getattr__(name: str) -> Any:
        if name not in table:
            raise AttributeError(f"module {module_name!r} has no attribute {name!r}")
        module = importlib.import_module(f".{table[name]}", package)
        value = module if name == table[name] else getattr(module, name)
        namespace[name] = value
        return value

    def __dir__() -> list[str]:
        return sorted(set(namespace) | set(table))

    return __getattr__, __dir__
