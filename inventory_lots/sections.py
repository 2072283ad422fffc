"""Lot-page sections, composed from the apps that own them.

The lot page (and the API's ``sections``) shows sections owned by several apps. Each app
registers a provider in its AppConfig.ready(): ``register(position, provider)`` where
``provider(lot) -> Section | None``. Providers run a constant number of queries per lot.

Positions (DOMAIN.md / aACE order):
  0 general info, 5 serial numbers (traceability), 10 estimated/produced, 20 ordered/purchased, 30 ordered/received,
  40 accrued inventory, 50 current inventory, 60 production costs (inventoried),
  70 production costs (non-inventoried; capitalized), 90 inventory COGS, 100 cost history, 110 trace.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .models import Lot


@dataclass(frozen=True)
class Section:
    key: str  # API name in ``sections`` (e.g. "current"); "" for sections only the page shows
    title: str
    template: str
    context: dict[str, Any] = field(default_factory=dict)
    api: Any = None  # JSON-ready value for the API (strings for decimals)
    page: bool = True  # False: only the API shows it (an adjustment lot's PO sections: null there, omitted on the page)


Provider = Callable[[Lot], "Section | None"]
_providers: list[tuple[int, str, Provider]] = []


def register(position: int, provider: Provider) -> None:
    name = f"{provider.__module__}.{provider.__qualname__}"
    if any(existing == name for _, existing, _ in _providers):
        return
    _providers.append((position, name, provider))
    _providers.sort(key=lambda item: item[0])


def sections_for(lot: Lot) -> list[Section]:
    result = []
    for _, _, provider in _providers:
        section = provider(lot)
        if section is not None:
            result.append(section)
    return result
