"""API of the ledger core (API.md "Master data", "Lots and COGS", "Stock movements"): offices and
LICs (GET, POST, PATCH by code), lots and usage (GET), adjustments (GET, POST) and the lock date
(GET, POST); routed under /api/v1/ by lotledger/urls.py (``urlpatterns``, then ``router``)."""

from __future__ import annotations

import datetime

from django.shortcuts import get_object_or_404
from django.urls import path
from django_filters.rest_framework import DjangoFilterBackend
from drf_spectacular.utils import extend_schema
from rest_framework import generics, status, viewsets
from rest_framework.response import Response

from core import roles
from core.drf.master_data import MasterDataViewSet
from core.drf.routers import api_router

from . import counts, reversals, selectors, services
from . import serializers as s
from .filters import LotFilter, UsageFilter
from .models import InventoryAdjustment, LineItemCode, LockDate, Office
from .scope import get_visible, scope_of


class OfficeViewSet(MasterDataViewSet):
    queryset = Office.objects.order_by("id")
    serializer_class = s.OfficeSerializer

    def get_queryset(self):
        return super().get_queryset().visible_to(scope_of(self.request))

    def update_record(self, record, changes):
        return services.update_office(office=record, actor=self.request.user, **changes)


class LineItemCodeViewSet(MasterDataViewSet):
    queryset = LineItemCode.objects.order_by("id")
    serializer_class = s.LineItemCodeSerializer

    def update_record(self, record, changes):
        return services.update_line_item_code(lic=record, actor=self.request.user, **changes)


class LotViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.lot_list()
    filter_backends = [DjangoFilterBackend]
    filterset_class = LotFilter

    def get_queryset(self):
        return selectors.lot_list(scope_of(self.request))

    def get_serializer_class(self):
        return s.LotDetailSerializer if self.action == "retrieve" else s.LotSerializer


class UsageViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = selectors.usage_list()
    serializer_class = s.UsageSerializer
    filter_backends = [DjangoFilterBackend]
    filterset_class = UsageFilter

    def get_queryset(self):
        return selectors.usage_list(scope_of(self.request))


class AdjustmentListCreateView(generics.ListAPIView):
    """GET the adjustments (newest first, cursor-paginated); POST one (clerks)."""

    write_permission = roles.POST_STOCK

    def get_queryset(self):
        return selectors.adjustment_list(scope_of(self.request))

    def get_serializer_class(self):
        return s.AdjustmentInSerializer if self.request.method == "POST" else s.AdjustmentOutSerializer

    @extend_schema(request=s.AdjustmentInSerializer, responses={201: s.AdjustmentOutSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        adjustment = services.post_adjustment(
            office=data["office"],
            date=data["date"],
            kind=data["kind"],
            reason=data["reason"],
            actor=request.user,
            lines=[services.AdjustmentLineInput(**line) for line in data["lines"]],
        )
        adjustment = selectors.adjustment_list().get(pk=adjustment.pk)
        return Response(s.AdjustmentOutSerializer(adjustment).data, status=status.HTTP_201_CREATED)


class AdjustmentDetailView(generics.RetrieveAPIView):
    serializer_class = s.AdjustmentOutSerializer

    def get_queryset(self):
        return selectors.adjustment_list(scope_of(self.request))


class LockDateView(generics.GenericAPIView):
    """GET the lock date (null when never set); POST `{date}` moves it forward (accountants), never
    past today; an administrator moves it back with `{date, reason}` (DOMAIN.md 6a)."""

    serializer_class = s.LockDateSerializer
    write_permission = roles.POST_ACCOUNTING
    pagination_class = None

    def get_queryset(self):
        return LockDate.objects.select_related("set_by").order_by("-id")

    @extend_schema(responses={200: s.LockDateSerializer})
    def get(self, request):
        current = self.get_queryset().first()
        if current is None:
            return Response({"date": None, "reason": "", "previous_date": None, "set_by": None, "set_at": None})
        return Response(s.LockDateSerializer(current).data)

    @extend_schema(request=s.LockDateSerializer, responses={201: s.LockDateSerializer})
    def post(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        lock = services.set_lock_date(
            date=serializer.validated_data["date"],
            actor=request.user,
            reason=serializer.validated_data.get("reason", ""),
        )
        return Response(s.LockDateSerializer(lock).data, status=status.HTTP_201_CREATED)


router = api_router()
router.register("offices", OfficeViewSet, basename="office")
router.register("line-item-codes", LineItemCodeViewSet, basename="lic")
router.register("lots", LotViewSet, basename="lot")
router.register("usages", UsageViewSet, basename="usage")

urlpatterns = [
    path("adjustments/", AdjustmentListCreateView.as_view(), name="adjustment-list"),
    path("adjustments/<int:pk>/", AdjustmentDetailView.as_view(), name="adjustment-detail"),
    path("lock-date/", LockDateView.as_view(), name="lock-date"),
]


# --- reversal (DOMAIN.md 9, accountants) -------------------------------------------------------


class AdjustmentReverseView(generics.GenericAPIView):
    """Reverse an adjustment (accountants): 201 with the reversing adjustment (`reverses`: the adjustment
    it reverses; lines: -quantity and the lot brought to 0, or +quantity and the usage that gives the
    original usage back); 409 when already reversed, itself a reversal, a lot used (named), nothing
    left, or dated in closed books."""

    write_permission = roles.POST_ACCOUNTING
    serializer_class = s.AdjustmentReverseInSerializer
    queryset = InventoryAdjustment.objects.all()

    @extend_schema(request=s.AdjustmentReverseInSerializer, responses={201: s.AdjustmentReversalOutSerializer})
    def post(self, request, pk: int):
        adjustment = get_visible(InventoryAdjustment.objects.select_related("office"), scope_of(request), pk=pk)
        serializer = s.AdjustmentReverseInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        reversal = reversals.reverse_adjustment(
            adjustment=adjustment,
            date=data.get("date") or datetime.date.today(),
            reason=data["reason"],
            actor=request.user,
        )
        reversal = selectors.adjustment_list().get(pk=reversal.pk)
        return Response(s.AdjustmentReversalOutSerializer(reversal).data, status=status.HTTP_201_CREATED)


urlpatterns += [path("adjustments/<int:pk>/reverse/", AdjustmentReverseView.as_view(), name="adjustment-reverse")]


# --- physical counts (DOMAIN.md 9, clerks) -----------------------------------------------------


class CountView(generics.GenericAPIView):
    """Post a physical count: per LIC the counted quantity; 201 with the book quantity at the date and
    the difference of each line, and the `count` adjustment posted for the differences (null when none)."""

    write_permission = roles.POST_STOCK
    serializer_class = s.CountInSerializer
    queryset = InventoryAdjustment.objects.none()

    @extend_schema(request=s.CountInSerializer, responses={201: s.CountOutSerializer})
    def post(self, request):
        serializer = s.CountInSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        result = counts.post_count(
            office=data["office"],
            date=data["date"],
            reason=data.get("reason") or counts.DEFAULT_REASON,
            actor=request.user,
            lines=[counts.CountLineInput(**line) for line in data["lines"]],
        )
        return Response(s.CountOutSerializer(result).data, status=status.HTTP_201_CREATED)


urlpatterns += [path("counts/", CountView.as_view(), name="count-create")]


# --- who sees what (DOMAIN.md section 11) --------------------------------------------------------


def _access_of(user) -> dict:
    """What ``user`` sees, as /me/ and /users/{username}/access/ show it."""
    from .scope import scope_for

    scope = scope_for(user)
    if scope.all_offices:
        offices = [{"code": office, "can_post": True} for office in Office.objects.order_by("code")]
    else:
        by_code = {office.code: office for office in Office.objects.filter(pk__in=scope.viewable)}
        offices = [{"code": by_code[code], "can_post": can_post} for code, can_post in scope.offices]
    return {"all_offices": scope.all_offices, "offices": offices, "can_see_costs": scope.see_costs}


class MeView(generics.GenericAPIView):
    """The signed-in user: roles, the offices they see (and may post in), whether they see costs."""

    serializer_class = s.MeSerializer
    pagination_class = None
    queryset = Office.objects.none()

    @extend_schema(responses={200: s.MeSerializer})
    def get(self, request):
        roles_held = sorted(request.user.groups.values_list("name", flat=True))
        data = {"username": request.user.get_username(), "roles": roles_held, **_access_of(request.user)}
        return Response(s.MeSerializer(data).data)


class UserAccessView(generics.GenericAPIView):
    """Administrators: what a user sees (GET) and setting it (PUT, the whole of it: offices not
    listed are no longer seen). 409 ``access_from_role`` when a role grants what the body takes away."""

    serializer_class = s.UserAccessSerializer
    pagination_class = None
    read_permission = "auth.change_user"
    write_permission = "auth.change_user"
    queryset = Office.objects.none()

    def _user(self, username: str):
        from django.contrib.auth.models import User

        return get_object_or_404(User, username=username)

    @extend_schema(responses={200: s.UserAccessSerializer})
    def get(self, request, username: str):
        return Response(s.UserAccessSerializer(_access_of(self._user(username))).data)

    @extend_schema(request=s.UserAccessSerializer, responses={200: s.UserAccessSerializer})
    def put(self, request, username: str):
        user = self._user(username)
        serializer = s.UserAccessSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        services.set_user_access(
            user=user,
            all_offices=data["all_offices"],
            offices={row["code"]: row["can_post"] for row in data["offices"]},
            can_see_costs=data["can_see_costs"],
            actor=request.user,
        )
        return Response(s.UserAccessSerializer(_access_of(self._user(username))).data)


urlpatterns += [
    path("me/", MeView.as_view(), name="me"),
    path("users/<str:username>/access/", UserAccessView.as_view(), name="user-access"),
]
