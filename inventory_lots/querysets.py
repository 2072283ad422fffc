from __future__ import annotations

from typing import TYPE_CHECKING

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from .scope import Scope


class ScopedQuerySet(models.QuerySet):
    """The one way a read is limited to what a user may see (DOMAIN.md section 11).

    ``office_paths`` names the office foreign keys that place a record: a record is visible when
    any of them is an office of the scope (a transfer is its sending and its receiving office's),
    and postable when one of them is an office the scope may post in. Selectors and views call
    ``visible_to(scope)`` on every read; ``inventory_lots.scope`` builds the scope per request."""

    office_paths: tuple[str, ...] = ("office",)

    def _in_offices(self, office_ids) -> Q:
        condition = Q(pk__in=[])
        for path in self.office_paths:
            condition |= Q(**{f"{path}__in": office_ids})
        return condition

    def visible_to(self, scope: Scope):
        if scope.all_offices:
            return self
        return self.filter(self._in_offices(sorted(scope.viewable)))

    def postable_by(self, scope: Scope):
        if scope.all_offices:
            return self
        return self.filter(self._in_offices(sorted(scope.postable)))


def scoped(*paths: str) -> type[ScopedQuerySet]:
    """A ScopedQuerySet placing records by ``paths`` (e.g. ``scoped("lot__office")``)."""
    return type("ScopedQuerySet", (ScopedQuerySet,), {"office_paths": paths, "__module__": __name__})


class OfficeQuerySet(ScopedQuerySet):
    office_paths = ("id",)


class LotQuerySet(ScopedQuerySet):
    def open(self):
        return self.filter(status="open")


class UsageQuerySet(ScopedQuerySet):
    def unallocated(self):
        """unallocated_quantity <> 0, through the narrow UnallocatedUsage table (kept by triggers)."""
        return self.filter(unallocated_mark__isnull=False)

    def fully_allocated(self):
        return self.filter(unallocated_mark__isnull=True)
