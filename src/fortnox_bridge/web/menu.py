"""The tenant menu: the tabs of a tenant's pages, each declared by the page module serving it.

A page module that has a tab declares it as ``MENU`` (a :class:`MenuEntry`); the menu is those
entries in their order, so adding a page is its module, its template and its translations.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from types import ModuleType


@dataclass(frozen=True)
class MenuEntry:
    """One tab of a tenant's pages."""

    #: The tab's name; the page passes it as ``tab`` to mark the tab as the current one.
    key: str
    #: The tab's text in English, marked with ``N_()`` (shown translated).
    label: str
    #: Place in the menu, lower first.
    order: int
    #: Under the tenant's address: ``"/flows"``; ``""`` for the tenant's overview.
    path: str
    #: Shown only to tenants using this flow family (``None``: to every tenant).
    family: str | None = None

    def shown_to(self, families: Iterable[str]) -> bool:
        """Whether a tenant using ``families`` has this tab."""
        return self.family is None or self.family in families


def entry_of(module: ModuleType) -> MenuEntry | None:
    """The menu entry ``module`` declares, if it has a tab."""
    entry = getattr(module, "MENU", None)
    return entry if isinstance(entry, MenuEntry) else None


def tenant_menu(modules: Iterable[ModuleType]) -> tuple[MenuEntry, ...]:
    """The tabs the page ``modules`` declare, in menu order."""
    entries = [entry for module in modules if (entry := entry_of(module)) is not None]
    return tuple(sorted(entries, key=lambda entry: (entry.order, entry.key)))
