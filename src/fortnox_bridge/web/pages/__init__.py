"""The UI's pages, one module per area; each exposes ``router`` (an ``APIRouter``).

Every module of this package whose name does not start with ``_`` is a page module; one with a
tab in a tenant's menu declares it as ``MENU`` (see :mod:`fortnox_bridge.web.menu`).
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable
from types import ModuleType

from fastapi import APIRouter

from fortnox_bridge.web.menu import entry_of

PAGES_PACKAGE = "fortnox_bridge.web.pages"


def page_modules(package: str = PAGES_PACKAGE) -> list[ModuleType]:
    """Every page module of ``package``: those with a tab in menu order, then the others."""
    root = importlib.import_module(package)
    modules = [
        importlib.import_module(f"{package}.{info.name}")
        for info in pkgutil.iter_modules(root.__path__)
        if not info.name.startswith("_")
    ]

    def place(module: ModuleType) -> tuple[int, str]:
        entry = entry_of(module)
        return (entry.order if entry else 1_000_000, module.__name__)

    return sorted(modules, key=place)


def page_routers(modules: Iterable[ModuleType] | None = None) -> list[APIRouter]:
    """The routers of the page ``modules`` (default: every page module), in that order."""
    chosen = page_modules() if modules is None else modules
    return [module.router for module in chosen]
