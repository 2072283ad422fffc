"""API shapes of the ledger core (API.md "Master data", "Lots and COGS", "Stock movements"): offices,
LICs, lots, usage, adjustments and the lock date; names exact, decimals as strings."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.drf.fields import CodeRelatedField, GenericRefField, MoneyField, QuantityField, UnitCostField
from core.drf.master_data import MasterDataSerializer

from .models import (
    LIC_COLUMNS,
    LOT_COLUMNS,
    AdjustmentKind,
    InventoryAdjustment,
    InventoryUsage,
    LineItemCode,
    Lot,
    Office,
)
from .section_schemas import LotSectionsSerializer


class OfficeSerializer(MasterDataSerializer):
    class Meta:
        model = Office
        fields = ["code", "name"]


class LineItemCodeSerializer(MasterDataSerializer):
    class Meta:
        model = LineItemCode
        fields = LIC_COLUMNS

    def validate(self, attrs):
        def value(name):  # a PATCH sends some fields: the others are the record's
            return attrs.get(name, getattr(self.instance, name, False))

        if not value("inventoried") and (value("serialized") or value("track_by_mfr_lot")):
            raise serializers.ValidationError("Only inventoried LICs can be serialized or tracked by mfr lot.")
        return attrs


class LotSerializer(serializers.ModelSerializer):
    office = serializers.CharField(source="office.code", read_only=True)
    lic = serializers.CharField(source="lic.code", read_only=True)
    qty_in = QuantityField(read_only=True)
    qty_used = QuantityField(read_only=True)
    qty_available = QuantityField(read_only=True)
    unit_cost = UnitCostField(read_only=True)
    value_available = MoneyField(read_only=True)

    class Meta:
        model = Lot
        fields = ["id", *LOT_COLUMNS, "value_available"]


class LotDetailSerializer(LotSerializer):
    transaction = GenericRefField("transaction")
    parent_order = GenericRefField("parent_order")
    serial_numbers = serializers.SerializerMethodField()
    value_in = MoneyField(read_only=True)
    value_used = MoneyField(read_only=True)
    sections = serializers.SerializerMethodField()

    class Meta(LotSerializer.Meta):
        fields = LotSerializer.Meta.fields + [
            "released",
            "transaction",
            "parent_order",
            "serialized",
            "track_by_mfr_lot",
            "mfr_lot_number",
            "serial_numbers",
            "value_in",
            "value_used",
            "sections",
        ]

    def get_serial_numbers(self, lot) -> list[str]:
        return list(lot.serials.values_list("serial_number", flat=True)) if lot.serialized else []

    @extend_schema_field(LotSectionsSerializer)
    def get_sections(self, lot) -> dict:
        from inventory_lots.scope import EVERYTHING, scope_of
        from inventory_lots.selectors import lot_sections

        request = self.context.get("request")
        scope = scope_of(request) if request is not None else EVERYTHING
        return {s.key: s.api for s in lot_sections(lot, scope) if s.key}


class AllocationSerializer(serializers.Serializer):
    lot = serializers.IntegerField()
    quantity = QuantityField()
    value = MoneyField()


class UsageListSerializer(serializers.ListSerializer):
    """A page of usages reads its allocations in one query (``allocations`` by usage id)."""

    def to_representation(self, data):
        from inventory_lots.selectors import usages_allocations

        usages = list(data.all() if hasattr(data, "all") else data)
        self.allocations = usages_allocations(usages)
        return super().to_representation(usages)


class UsageSerializer(serializers.ModelSerializer):
    lic = serializers.CharField(source="lic.code", read_only=True)
    office = serializers.CharField(source="office.code", read_only=True)
    quantity = QuantityField(read_only=True)
    source = GenericRefField("source")
    allocated_quantity = QuantityField(read_only=True)
    unallocated_quantity = QuantityField(read_only=True)
    cogs_value = MoneyField(read_only=True)
    accrued_value = MoneyField(read_only=True)
    no_cost_basis = serializers.BooleanField(read_only=True)
    allocations = serializers.SerializerMethodField()

    class Meta:
        model = InventoryUsage
        fields = [
            "id",
            "lic",
            "office",
            "date",
            "quantity",
            "kind",
            "source",
            "lot",
            "returns_usage",
            "allocated_quantity",
            "unallocated_quantity",
            "cogs_value",
            "accrued_value",
            "no_cost_basis",
            "allocations",
        ]
        list_serializer_class = UsageListSerializer

    @extend_schema_field(AllocationSerializer(many=True))
    def get_allocations(self, usage) -> list:
        from core.drf.costs import can_see_costs, current_request
        from inventory_lots.selectors import usage_allocations, without_money

        page = getattr(self.parent, "allocations", None)  # read for the whole page by UsageListSerializer
        rows = page.get(usage.pk, []) if page is not None else usage_allocations(usage)
        request = self.context.get("request") or current_request()
        if request is not None and not can_see_costs(request.user):
            return [without_money(row) for row in rows]  # the quantities stay
        return rows


class AdjustmentLineInSerializer(serializers.Serializer):
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    quantity = QuantityField()
    unit_cost = UnitCostField(required=False, allow_null=True, min_value=0)
    mfr_lot_number = serializers.CharField(required=False, allow_blank=True, default="")
    serial_numbers = serializers.ListField(child=serializers.CharField(), required=False, default=list)


class AdjustmentInSerializer(serializers.Serializer):
    office = CodeRelatedField(queryset=Office.objects.all())
    date = serializers.DateField()
    kind = serializers.ChoiceField(
        choices=AdjustmentKind.values,
        default=AdjustmentKind.OTHER,
        help_text=(
            "DOMAIN.md 9; picks the journal account. `beginning_balance` (opening stock): positive lines with a "
            "`unit_cost` only."
        ),
    )
    reason = serializers.CharField(max_length=200)
    lines = AdjustmentLineInSerializer(many=True, allow_empty=False)


class AdjustmentLineOutSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    lic = serializers.CharField(source="lic.code")
    quantity = QuantityField()
    unit_cost = UnitCostField(allow_null=True)
    lot = serializers.IntegerField(source="lot_id", allow_null=True)
    usage = serializers.IntegerField(source="usage_id", allow_null=True)


class AdjustmentOutSerializer(serializers.ModelSerializer):
    office = serializers.CharField(source="office.code")
    lines = AdjustmentLineOutSerializer(many=True)

    class Meta:
        model = InventoryAdjustment
        fields = ["id", "number", "office", "date", "kind", "reason", "lines"]


class AdjustmentReverseInSerializer(serializers.Serializer):
    date = serializers.DateField(required=False, help_text="The reversal's date; default today (the open period).")
    reason = serializers.CharField(max_length=200)


class AdjustmentReversalLineOutSerializer(AdjustmentLineOutSerializer):
    line_no = serializers.IntegerField()
    reverses_line = serializers.IntegerField(source="reverses_line_id", allow_null=True)


class AdjustmentReversalOutSerializer(serializers.ModelSerializer):
    """The adjustment that reverses another (DOMAIN.md 9)."""

    office = serializers.CharField(source="office.code")
    reverses = serializers.IntegerField(source="reverses_id", help_text="The adjustment it reverses.")
    lines = AdjustmentReversalLineOutSerializer(many=True)

    class Meta:
        model = InventoryAdjustment
        fields = ["id", "number", "office", "date", "kind", "reason", "reverses", "lines"]


class CountLineInSerializer(serializers.Serializer):
    lic = CodeRelatedField(queryset=LineItemCode.objects.all())
    counted_quantity = QuantityField(min_value=0)
    serial_numbers = serializers.ListField(
        child=serializers.CharField(),
        required=False,
        default=list,
        help_text="Serialized LICs: the serials short or found.",
    )
    mfr_lot_number = serializers.CharField(
        required=False, allow_blank=True, default="", help_text="Tracked by mfr lot: the lot number of what was found."
    )


class CountInSerializer(serializers.Serializer):
    office = CodeRelatedField(queryset=Office.objects.all())
    date = serializers.DateField()
    reason = serializers.CharField(max_length=200, required=False, allow_blank=True, default="")
    lines = CountLineInSerializer(many=True, allow_empty=False)


class CountLineOutSerializer(serializers.Serializer):
    lic = serializers.CharField(source="lic.code")
    book_quantity = QuantityField()
    counted_quantity = QuantityField()
    difference = QuantityField()


class CountOutSerializer(serializers.Serializer):
    adjustment = serializers.IntegerField(
        source="adjustment.pk", allow_null=True, help_text="The `count` adjustment posted; null when nothing differs."
    )
    lines = CountLineOutSerializer(many=True)


class LockDateSerializer(serializers.Serializer):
    """The lock date ("books closed through", DOMAIN.md 6a) and the row of its history that set it."""

    date = serializers.DateField(
        help_text=(
            "Books closed through this date: nothing dated on or before it can be posted. Never later than today "
            "(400 `lock_date_in_future`). It only moves forward (409 `lock_date_backwards`), except for an "
            "administrator, who moves it back by sending a `reason` too."
        )
    )
    reason = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        max_length=500,
        help_text=(
            "Why it is set. Required (400 `reason_required`) when an administrator moves the lock date "
            "back; kept in the lock date's history. Accountants cannot move it back, reason or not (409)."
        ),
    )
    previous_date = serializers.DateField(
        read_only=True,
        allow_null=True,
        help_text=(
            "The lock date this setting replaced (null for the first); later than `date` when it was moved back."
        ),
    )
    set_by = serializers.CharField(source="set_by.username", read_only=True, allow_null=True, default=None)
    set_at = serializers.DateTimeField(source="created_at", read_only=True)


# --- who sees what (DOMAIN.md section 11) --------------------------------------------------------


class OfficeAccessSerializer(serializers.Serializer):
    code = CodeRelatedField(queryset=Office.objects.all())
    can_post = serializers.BooleanField()


class UserAccessSerializer(serializers.Serializer):
    """What a user sees: every office (``all_offices``; ``offices`` then lists every office, with
    ``can_post`` true), or the offices listed; and whether costs are shown."""

    all_offices = serializers.BooleanField()
    offices = OfficeAccessSerializer(many=True)
    can_see_costs = serializers.BooleanField()

    def validate_offices(self, value):
        codes = [row["code"].code for row in value]
        if len(set(codes)) != len(codes):
            raise serializers.ValidationError("Each office may be listed once.")
        return value


class MeSerializer(UserAccessSerializer):
    username = serializers.CharField()
    roles = serializers.ListField(child=serializers.CharField())

    class Meta:
        fields = ["username", "roles", "all_offices", "offices", "can_see_costs"]


class VisibleRelatedField(serializers.PrimaryKeyRelatedField):
    """A record named by id in a request body, found only among those the user sees: another
    office's record is "does not exist" (400), as its URL would be 404 (DOMAIN.md section 11)."""

    def get_queryset(self):
        from core.drf.costs import current_request

        from .scope import scope_of

        queryset = super().get_queryset()
        request = self.context.get("request") or current_request()
        return queryset if request is None else queryset.visible_to(scope_of(request))
