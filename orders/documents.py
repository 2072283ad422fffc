"""Documents that apps above orders hang on a customer order (production orders).

orders sits below production (docs/architecture.md "Layout") and never imports it: such an app
registers its kind of document here from its AppConfig.ready, and the order's rules (closing,
the admin's frozen fields) and its page ask the registry."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import QuerySet

from .models import Order


@dataclass(frozen=True)
class OrderDocuments:
    """``page_name``: the order page's context name of the rows (its template shows them);
    ``rows(order)``: the documents made for the order, as the page lists them;
    ``unclosed_numbers(order)``: the numbers of those still going on (the order cannot close)."""

    page_name: str
    rows: Callable[[Order], QuerySet]
    unclosed_numbers: Callable[[Order], list[str]]


_KINDS: dict[str, OrderDocuments] = {}


def register(kind: OrderDocuments) -> None:
    _KINDS[kind.page_name] = kind


def registered() -> list[OrderDocuments]:
    return list(_KINDS.values())
