"""core.numbering (sequence numbers) and core.errors (the one error vocabulary)."""

from __future__ import annotations

import re

import pytest

from core import numbering
from core.errors import DomainError, StateConflict, ValidationFailed


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", sorted(numbering.SEQUENCES))
def test_next_number_is_prefix_and_six_digits_and_increases(prefix):
    first, second = numbering.next_number(prefix), numbering.next_number(prefix)
    assert re.fullmatch(rf"{prefix}-\d{{6}}", first)
    assert int(second.split("-")[1]) == int(first.split("-")[1]) + 1


@pytest.mark.django_db
def test_unknown_prefix_is_refused():
    with pytest.raises(KeyError):
        numbering.next_number("XX")


def test_errors_carry_code_message_field_and_status():
    error = ValidationFailed("zero_quantity", "Quantity cannot be zero.", field="quantity")
    assert (error.code, error.message, error.field, error.errors, error.status, str(error)) == (
        "zero_quantity",
        "Quantity cannot be zero.",
        "quantity",
        {"quantity": ["Quantity cannot be zero."]},
        400,
        "Quantity cannot be zero.",
    )
    conflict = StateConflict("closed", "The PO is closed.")
    assert (conflict.status, conflict.field, conflict.errors, isinstance(conflict, DomainError)) == (
        409,
        None,
        {},
        True,
    )
