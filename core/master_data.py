"""Editing a master-data record (office, LIC, vendor, customer): the one helper each owning app's
``update_*`` service uses. Domain-free: the caller says which fields may change and checks its
own rules first."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.db import models, transaction

from .errors import ValidationFailed


def _refusal(exc: ValidationError) -> ValidationFailed:
    """The model's validation errors as the doors' refusal (400 ``invalid``), naming the first field."""
    errors = {("non_field_errors" if k == "__all__" else k): list(v) for k, v in exc.message_dict.items()}
    field, messages = next(iter(errors.items()))
    return ValidationFailed("invalid", messages[0], field=None if field == "non_field_errors" else field, errors=errors)


def changed_fields(instance: models.Model, changes: dict) -> list[str]:
    """The names in ``changes`` whose value differs from the record's."""
    missing = object()
    return [name for name, value in changes.items() if getattr(instance, name, missing) != value]


def apply_changes(instance: models.Model, changes: dict, *, editable: Iterable[str], actor) -> list[str]:
    """Set the changed fields, validate the record as the model does (unique codes, lengths,
    choices, CHECK constraints), save only those fields, with ``actor`` in its audit history
    (django-simple-history). Returns the names saved; nothing is written when none changed.
    Refusals are ValidationFailed (400, ``invalid``) naming the field."""
    unknown = sorted(set(changes) - set(editable))
    if unknown:
        raise ValidationFailed("not_editable", f"{unknown[0]} cannot be changed here.", field=unknown[0])
    names = changed_fields(instance, changes)
    if not names:
        return []
    before = {name: getattr(instance, name) for name in names}
    for name in names:
        setattr(instance, name, changes[name])
    try:
        instance.full_clean()  # the whole record: a CHECK over several fields sees them all
    except ValidationError as exc:
        for name, value in before.items():  # the caller's instance stays what the database holds
            setattr(instance, name, value)
        raise _refusal(exc) from exc
    if actor is not None:
        instance._history_user = actor
    instance.save(update_fields=names)
    return names


def create_record(model: type[models.Model], values: dict, *, actor) -> models.Model:
    """Create a master-data record (office, LIC, vendor, customer) from the pages: validated as the
    model does (``full_clean``: codes, unique ignoring case, CHECKs), ``actor`` in its audit history.
    Refusals are ValidationFailed naming the field, like ``apply_changes``."""
    instance = model(**values)
    try:
        instance.full_clean()
    except ValidationError as exc:
        raise _refusal(exc) from exc
    if actor is not None:
        instance._history_user = actor
    with transaction.atomic():
        instance.save(force_insert=True)
    return instance


def create_records(model: type[models.Model], instances: list[models.Model], *, actor, batch_size: int = 2000) -> list:
    """Create many master-data records at once (imports): each already validated by the caller the
    way ``create_record`` validates one (fields, codes unique ignoring case against the table and
    each other); written with ``bulk_create`` and their audit history (``actor``) in one
    transaction. The unique index on UPPER(code) still refuses a code created meanwhile."""
    from django.db import IntegrityError
    from simple_history.utils import bulk_create_with_history

    try:
        with transaction.atomic():
            return bulk_create_with_history(instances, model, batch_size=batch_size, default_user=actor)
    except IntegrityError as exc:
        raise ValidationFailed(
            "code_taken", f"Another {model._meta.verbose_name} took one of these codes meanwhile: {exc}", field="code"
        ) from exc


def delete_unused_records(model: type[models.Model], pks: list[int], *, actor) -> int:
    """Delete master-data records nothing refers to (the reversal of an import): refused, naming the
    first record in use, when a ledger record protects one. Each deletion is in the audit history."""
    from django.db.models import ProtectedError

    from .errors import StateConflict

    rows = list(model._default_manager.filter(pk__in=pks).order_by("pk"))
    try:
        with transaction.atomic():
            for row in rows:
                if actor is not None:
                    row._history_user = actor  # type: ignore[attr-defined]  # django-simple-history's audit user
                row.delete()
    except ProtectedError as exc:
        used = next(iter(exc.protected_objects))
        holder = next((r for r in rows if _refers_to(used, r)), None)
        name = str(holder) if holder is not None else "one of them"
        raise StateConflict(
            "record_in_use",
            f"The {model._meta.verbose_name} {name} is used by {used._meta.verbose_name} {used}: "
            "the import can no longer be reversed.",
        ) from exc
    return len(rows)


def _refers_to(used: models.Model, row: models.Model) -> bool:
    return any(
        getattr(used, f.attname, None) == row.pk
        for f in used._meta.concrete_fields
        if f.is_relation and f.related_model is type(row)
    )
