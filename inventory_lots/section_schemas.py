"""The schema of a lot's ``sections`` (API.md "Lots and COGS"; the ``LotSections`` component).

Schema only: the values come from the section providers the apps register
(inventory_lots/sections.py), so page and API show the same figures. A key is present when the
lot's type has that section; a purchase lot without a PO (an adjustment lot) has its purchase
sections as null. tests/api/test_schema_types.py checks real answers against this, key for key.
"""

from __future__ import annotations

from rest_framework import serializers

from core.drf.fields import MoneyField, QuantityField, UnitCostField

from .models import CostChangeCause


class CurrentSectionSerializer(serializers.Serializer):
    in_qty = QuantityField()
    in_value = MoneyField()
    used_qty = QuantityField()
    used_value = MoneyField()
    available_qty = QuantityField()
    available_value = MoneyField()


class OrderedPurchasedSectionSerializer(serializers.Serializer):
    ordered_qty = QuantityField()
    ordered_value = MoneyField()
    purchased_qty = QuantityField()
    purchased_value = MoneyField()
    freight_allocated = MoneyField()


class OrderedReceivedSectionSerializer(serializers.Serializer):
    ordered_qty = QuantityField()
    ordered_value = MoneyField()
    received_qty = QuantityField()
    received_value = MoneyField()


class AccruedSectionSerializer(serializers.Serializer):
    purchased_qty = QuantityField()
    received_qty = QuantityField()
    accrued_qty = QuantityField()
    accrued_value = MoneyField()
    lot_accrued_qty = QuantityField(help_text="This lot's share of the PO line's accrued quantity.")
    lot_accrued_value = MoneyField()


class EstimatedProducedSectionSerializer(serializers.Serializer):
    estimated_qty = QuantityField()
    estimated_value = MoneyField()
    produced_qty = QuantityField()
    produced_value = MoneyField()


class CostInventoriedRowSerializer(serializers.Serializer):
    usage = serializers.IntegerField()
    lic = serializers.CharField()
    quantity = QuantityField()
    value = MoneyField()


class CostCapitalizedRowSerializer(serializers.Serializer):
    job_cost = serializers.IntegerField()
    lic = serializers.CharField()
    description = serializers.CharField()
    amount = MoneyField()


class LotCogsRowSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    date = serializers.DateField()
    usage = serializers.IntegerField()
    kind = serializers.ChoiceField(
        choices=["allocation", "give_back", "give_back_lifo", "revaluation", "accrual", "accrual_reversal"],
        help_text="The entry kind (lowercase snake_case, API.md; pages show it capitalised).",
    )
    quantity = QuantityField()
    value = MoneyField()


class CostHistoryRowSerializer(serializers.Serializer):
    date = serializers.DateField()
    old_unit_cost = UnitCostField()
    new_unit_cost = UnitCostField()
    cause = serializers.ChoiceField(choices=CostChangeCause.choices)
    adjustments_value = MoneyField(help_text="The COGS revaluations this change caused.")
    reason = serializers.CharField(allow_blank=True)
    source_label = serializers.CharField(allow_blank=True)


class TransferAllocationSerializer(serializers.Serializer):
    """A lot the transfer took from; a lot of an office the user does not see is one row
    ``{hidden: true, label, lot: null, lot_number: null, quantity: null}`` (DOMAIN.md section 11)."""

    lot = serializers.IntegerField(allow_null=True)
    lot_number = serializers.CharField(allow_null=True)
    quantity = QuantityField(allow_null=True)
    value = MoneyField(required=False)
    hidden = serializers.BooleanField(required=False)
    label = serializers.CharField(required=False)


class TransferredFromSectionSerializer(serializers.Serializer):
    """A transfer lot's source (DOMAIN.md 9): the transfer, its usage in the source office, its allocations."""

    transfer = serializers.IntegerField()
    transfer_number = serializers.CharField()
    from_office = serializers.CharField()
    usage = serializers.IntegerField()
    quantity = QuantityField()
    allocated_quantity = QuantityField()
    cogs_value = MoneyField()
    allocations = TransferAllocationSerializer(many=True)


class LotSectionsSerializer(serializers.Serializer):
    current = CurrentSectionSerializer(required=False)
    ordered_purchased = OrderedPurchasedSectionSerializer(required=False, allow_null=True)
    ordered_received = OrderedReceivedSectionSerializer(required=False, allow_null=True)
    accrued = AccruedSectionSerializer(required=False, allow_null=True)
    estimated_produced = EstimatedProducedSectionSerializer(required=False)
    costs_inventoried = CostInventoriedRowSerializer(many=True, required=False)
    costs_capitalized = CostCapitalizedRowSerializer(many=True, required=False)
    transferred_from = TransferredFromSectionSerializer(required=False)
    cogs = LotCogsRowSerializer(many=True, required=False)
    cost_history = CostHistoryRowSerializer(many=True, required=False)
