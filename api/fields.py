"""Serializer fields shared by every app's API: decimals as strings, master data by code."""

from __future__ import annotations

from rest_framework import serializers

from core.money import MAX_DIGITS, MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES


class StrictDecimalField(serializers.DecimalField):
    """API.md: decimals travel as strings (integers allowed); a JSON float is refused, never rounded."""

    default_error_messages = {"float": 'Send decimals as strings (e.g. "12.50"), not as JSON floats.'}

    def to_internal_value(self, data):
        if isinstance(data, float):
            self.fail("float")
        return super().to_internal_value(data)


def QuantityField(**kwargs):  # noqa: N802
    return StrictDecimalField(max_digits=MAX_DIGITS, decimal_places=QTY_PLACES, coerce_to_string=True, **kwargs)


def UnitCostField(**kwargs):  # noqa: N802
    return StrictDecimalField(
        max_digits=MAX_DIGITS, decimal_places=UNIT_COST_PLACES, coerce_to_string=True, **kwargs
    )


def MoneyField(**kwargs):  # noqa: N802
    return StrictDecimalField(max_digits=MAX_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, **kwargs)


class CodeRelatedField(serializers.SlugRelatedField):
    """Master data referenced by its ``code``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)
        self.error_messages["does_not_exist"] = "Unknown code “{value}”."

    def to_internal_value(self, data):
        if isinstance(data, str) and "\x00" in data:
            self.fail("does_not_exist", slug_name=self.slug_field, value=data.replace("\x00", "\\0"))
        return super().to_internal_value(data)


class GenericRefField(serializers.Field):
    """``{type, id, label}`` of a generic Go-To target stored as (content type, id, label)."""

    def __init__(self, prefix: str, **kwargs):
        self.prefix = prefix
        kwargs["source"] = "*"
        kwargs["read_only"] = True
        super().__init__(**kwargs)

    def to_representation(self, obj):
        ct_id = getattr(obj, f"{self.prefix}_type_id")
        if ct_id is None:
            return None
        from django.contrib.contenttypes.models import ContentType

        return {
            "type": ContentType.objects.get_for_id(ct_id).model,
            "id": getattr(obj, f"{self.prefix}_id"),
            "label": getattr(obj, f"{self.prefix}_label"),
        }
