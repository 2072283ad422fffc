"""Who sees what (DOMAIN.md section 11): one ``Scope`` per user per request.

A user with the permission "all offices" (``inventory_lots.all_offices``; superusers have every
permission) sees and posts everywhere; anyone else sees the offices of their ``OfficeAccess`` rows
and posts in those marked ``can_post``. "See costs" (``inventory_lots.see_costs``) decides whether
money appears at all. Reads go through ``ScopedQuerySet.visible_to(scope)``; posting services call
``check_can_post``; pages and the API take the scope with ``scope_of(request)``.

The scope is read from the database once per user object: Django loads the user anew for each
request, so a change an administrator makes takes effect on the user's next request.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.http import Http404

from core.errors import OfficeNotPermitted

ALL_OFFICES = "inventory_lots.all_offices"
SEE_COSTS = "inventory_lots.see_costs"

MSG_VIEW_ONLY = "You may view office {office} but not post in it; ask an administrator for access."
MSG_NOT_YOURS = "You may not post in office {office}."


@dataclass(frozen=True)
class Scope:
    all_offices: bool
    viewable: frozenset[int]
    postable: frozenset[int]
    see_costs: bool
    # (code, can_post) of each office access, in code order: the header badge and /api/v1/me/
    offices: tuple[tuple[str, bool], ...] = ()

    def sees(self, office_id: int | None) -> bool:
        return self.all_offices or office_id in self.viewable

    def posts(self, office_id: int | None) -> bool:
        return self.all_offices or office_id in self.postable

    @property
    def office_ids(self) -> frozenset[int] | None:
        """The offices seen, or None for every office (SQL: no filter)."""
        return None if self.all_offices else self.viewable

    def as_dict(self) -> dict:
        """What a background job stores to apply its requester's scope later (``from_dict``)."""
        return {
            "all_offices": self.all_offices,
            "viewable": sorted(self.viewable),
            "postable": sorted(self.postable),
            "see_costs": self.see_costs,
            "offices": [list(office) for office in self.offices],
        }

    @classmethod
    def from_dict(cls, data: dict | None) -> Scope:
        if not data:
            return EVERYTHING
        return cls(
            all_offices=bool(data.get("all_offices")),
            viewable=frozenset(data.get("viewable", ())),
            postable=frozenset(data.get("postable", ())),
            see_costs=bool(data.get("see_costs")),
            offices=tuple((code, bool(can_post)) for code, can_post in data.get("offices", ())),
        )


# Commands, workers and services called without a user act for the books themselves.
EVERYTHING = Scope(all_offices=True, viewable=frozenset(), postable=frozenset(), see_costs=True)
NOTHING = Scope(all_offices=False, viewable=frozenset(), postable=frozenset(), see_costs=False)

_CACHE = "_lotledger_scope"


def scope_for(user) -> Scope:
    if user is None:
        return EVERYTHING
    if not getattr(user, "is_authenticated", False) or not getattr(user, "is_active", False):
        return NOTHING
    cached = getattr(user, _CACHE, None)
    if cached is not None:
        return cached
    see_costs = user.has_perm(SEE_COSTS)
    if user.has_perm(ALL_OFFICES):
        scope = Scope(all_offices=True, viewable=frozenset(), postable=frozenset(), see_costs=see_costs)
    else:
        from .models import OfficeAccess

        rows = list(
            OfficeAccess.objects.filter(user=user)
            .order_by("office__code")
            .values_list("office_id", "office__code", "can_post")
        )
        scope = Scope(
            all_offices=False,
            viewable=frozenset(office for office, _, _ in rows),
            postable=frozenset(office for office, _, can_post in rows if can_post),
            see_costs=see_costs,
            offices=tuple((code, can_post) for _, code, can_post in rows),
        )
    setattr(user, _CACHE, scope)
    return scope


def forget(user) -> None:
    """Drop a user object's cached scope (after its access was changed in the same request)."""
    if user is not None and hasattr(user, _CACHE):
        delattr(user, _CACHE)


def scope_of(request) -> Scope:
    return scope_for(getattr(request, "user", None))


def check_can_post(actor, office) -> None:
    """Services call this before writing in ``office`` for ``actor`` (None: the system)."""
    scope = scope_for(actor)
    if scope.posts(office.pk):
        return
    message = (MSG_VIEW_ONLY if scope.sees(office.pk) else MSG_NOT_YOURS).format(office=office.code)
    code = "office_view_only" if scope.sees(office.pk) else "office_not_permitted"
    raise OfficeNotPermitted(code, message, field="office")


def check_can_see(actor, office) -> None:
    """Services writing into an office the actor need not post in (a transfer's destination: the
    sending office's act) still refuse an office the actor does not see."""
    if not scope_for(actor).sees(office.pk):
        raise OfficeNotPermitted("office_not_permitted", MSG_NOT_YOURS.format(office=office.code), field="office")


def get_visible(queryset, scope: Scope, **lookup):
    """The record, or 404 when it does not exist or lies outside the scope (a 403 would confirm it
    exists)."""
    try:
        return queryset.visible_to(scope).get(**lookup)
    except queryset.model.DoesNotExist:
        raise Http404(f"No {queryset.model._meta.verbose_name} matches the given query.") from None


def require_post(request, *offices) -> None:
    """A page or API view about to post for records of ``offices``: 403 when the user may only
    view one of them (the record itself was found through ``visible_to``, so it is seen)."""
    scope = scope_of(request)
    for office in offices:
        if office is not None and not scope.posts(office.pk):
            raise PermissionDenied(MSG_VIEW_ONLY.format(office=office.code))


def require_costs(request) -> None:
    """Pages that are about money (COGS runs, the journal, valuation) are closed without "see costs"."""
    if not scope_of(request).see_costs:
        raise PermissionDenied("You do not have access to costs.")
