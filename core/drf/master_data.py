"""The API of master data (office, LIC, vendor, customer): one serializer base and one viewset
base, used by the app that owns each record (``inventory_lots/api.py``, ``purchasing/api.py``,
``orders/api.py``)."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.http import Http404
from rest_framework import mixins, serializers, viewsets
from rest_framework.exceptions import ValidationError

from core.codes import by_code, code_in_use, code_taken_message

from .fields import TextField


class MasterDataSerializer(serializers.ModelSerializer):
    """Office, LIC, vendor, customer: the code holds letters, digits, ".", "_", "-" only
    (the model's validator) and is unique ignoring case (refused here with the holder's code, before
    the unique index on UPPER(code) would refuse the write); free text is stored without bidi
    controls (TextField)."""

    def build_standard_field(self, field_name, model_field):
        field_class, kwargs = super().build_standard_field(field_name, model_field)
        if field_class is serializers.CharField and field_name != "code" and not model_field.choices:
            field_class = TextField
        return field_class, kwargs

    def validate_code(self, value):
        model = self.Meta.model
        taken = code_in_use(model, value, exclude_pk=getattr(self.instance, "pk", None))
        if taken is not None:
            raise serializers.ValidationError(code_taken_message(model, taken.code), code="code_taken")
        return value


class MasterDataViewSet(
    mixins.ListModelMixin,
    mixins.CreateModelMixin,
    mixins.RetrieveModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Master data: anyone with a role reads; administrators (or the record's role) create and
    edit (PATCH, through the owning app's ``update_*`` service, as the admin allows)."""

    lookup_field = "code"
    lookup_value_regex = r"[^/]+"  # codes may hold "." (DRF's default stops at it); by_code decides
    write_permission = None  # superusers/administrators only unless a subclass says otherwise
    http_method_names = ["get", "post", "patch", "head", "options"]  # PATCH edits; no PUT

    def get_object(self):
        """The record whose code is the URL's, ignoring case (core.codes.by_code: one rule everywhere)."""
        record = by_code(self.filter_queryset(self.get_queryset()), self.kwargs[self.lookup_field])
        if record is None:
            raise Http404("No such record.")
        self.check_object_permissions(self.request, record)
        return record

    def perform_create(self, serializer):
        """The serializer refuses a taken code; two creates racing with twin codes meet at the unique
        index on UPPER(code), and the loser gets the same 400 instead of a 500."""
        try:
            with transaction.atomic():
                serializer.save()
        except IntegrityError as exc:
            constraint = getattr(getattr(exc.__cause__, "diag", None), "constraint_name", "") or ""
            if not constraint.endswith(("_code_unique_ci", "_code_key")):
                raise
            model = self.get_queryset().model
            taken = by_code(model.objects.all(), serializer.validated_data.get("code"))
            raise ValidationError({"code": [code_taken_message(model, taken.code if taken else "")]}) from exc

    def perform_update(self, serializer):
        serializer.instance = self.update_record(serializer.instance, dict(serializer.validated_data))

    def update_record(self, record, changes: dict):
        raise NotImplementedError
