"""Serializer fields shared by every app's API: decimals as strings, master data by code."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from core.codes import by_code
from core.money import MAX_DIGITS, MONEY_PLACES, QTY_PLACES, UNIT_COST_PLACES
from core.text import clean_text


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
    from .costs import CostDecimalField  # left out for users without "see costs" (costs.py)

    return CostDecimalField(max_digits=MAX_DIGITS, decimal_places=UNIT_COST_PLACES, coerce_to_string=True, **kwargs)


def MoneyField(**kwargs):  # noqa: N802
    from .costs import CostDecimalField

    return CostDecimalField(max_digits=MAX_DIGITS, decimal_places=MONEY_PLACES, coerce_to_string=True, **kwargs)


class CodeRelatedField(serializers.SlugRelatedField):
    """Master data referenced by its ``code``, matched ignoring case (core.codes.by_code, the rule of
    every door)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("slug_field", "code")
        super().__init__(**kwargs)
        self.error_messages["does_not_exist"] = "Unknown code “{value}”."

    def to_internal_value(self, data):
        if isinstance(data, bool) or not isinstance(data, (str, int)):
            self.fail("invalid")
        obj = by_code(self.get_queryset(), str(data))
        if obj is None:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data).replace("\x00", "\\0"))
        return obj


class TextField(serializers.CharField):
    """Free text (a name, description, reason): stored without Unicode bidirectional controls
    (core.text.clean_text), like the page forms and the services store it."""

    def to_internal_value(self, data):
        return clean_text(super().to_internal_value(data))


class GenericRefSerializer(serializers.Serializer):
    """A link to a record: ``type`` is its kind (``shipment``, ``receiptline``, ``productionorder``, ...),
    ``id`` its id, ``label`` its number."""

    # the ``GenericRef`` component of the schema (GenericRefField's values)

    type = serializers.CharField()
    id = serializers.IntegerField()
    label = serializers.CharField()


@extend_schema_field(GenericRefSerializer(allow_null=True))
class GenericRefField(serializers.Field):
    """``{type, id, label}`` of a generic Go-To target stored as (content type, id, label), or null."""

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
