"""The helpers that stand for shapes every app repeats: a line's error re-keyed (core.errors.line_error),
an admin action over many records (core.admin.run_each), ids taken ahead of the row
(core.numbering.reserve_ids), a streamed CSV (core.spreadsheet.streamed_csv), serials typed in one
box (inventory_lots.serial_moves.split_serials) and the usage number (inventory_lots.models)."""

from __future__ import annotations

import pytest
from django.contrib import messages

from core.admin import run_each
from core.errors import StateConflict, ValidationFailed, line_error
from core.numbering import reserve_ids
from core.spreadsheet import streamed_csv
from inventory_lots.models import AdjustmentLine, Office, usage_number
from inventory_lots.serial_moves import split_serials
from tests.factories import OfficeFactory


def test_line_error_keys_the_field_to_the_line_and_names_the_line():
    error = line_error(ValidationFailed("zero_quantity", "Quantity cannot be zero.", field="quantity"), 2)
    assert (type(error), error.code, error.field, error.message, error.errors) == (
        ValidationFailed,
        "zero_quantity",
        "lines[2].quantity",
        "Line 3: Quantity cannot be zero.",
        {"lines[2].quantity": ["Line 3: Quantity cannot be zero."]},
    )


def test_line_error_without_a_field_keys_non_field_and_keeps_the_class():
    error = line_error(StateConflict("lot_closed", "The lot is closed."), 0)
    assert (type(error), error.status, error.field, error.message) == (
        StateConflict,
        409,
        "lines[0].non_field",
        "Line 1: The lot is closed.",
    )


def test_line_error_leaves_an_error_already_keyed_to_a_line_as_it_is():
    keyed = ValidationFailed("serial_repeated", "Line 2: S1 is on line 1.", field="lines[1].serial_numbers")
    assert line_error(keyed, 0) is keyed


class _Admin:
    def __init__(self):
        self.sent = []

    def message_user(self, request, message, level):
        self.sent.append((level, message))


@pytest.mark.django_db
def test_run_each_undoes_a_refused_records_writes_only():
    first, second = OfficeFactory(code="RUN1"), OfficeFactory(code="RUN2")

    def call(office):
        Office.objects.filter(pk=office.pk).update(name="renamed")
        if office == first:
            raise ValidationFailed("refused", "Not this one.")

    admin = _Admin()
    run_each(admin, None, Office.objects.filter(pk__in=[second.pk, first.pk]), call, "{obj} renamed.")
    first.refresh_from_db()
    second.refresh_from_db()
    assert (first.name, second.name) == ("Office RUN1", "renamed")
    assert admin.sent == [(messages.ERROR, "RUN1: Not this one."), (messages.SUCCESS, "RUN2 renamed.")]


@pytest.mark.django_db
def test_reserve_ids_takes_distinct_increasing_ids_from_the_tables_sequence():
    ids = reserve_ids(AdjustmentLine, 3)
    (after,) = reserve_ids(AdjustmentLine)
    assert len(set(ids)) == 3 and ids == sorted(ids) and after > ids[-1]


def test_streamed_csv_writes_the_header_then_each_row_as_it_is_read():
    response = streamed_csv(["A", "B"], iter([["1", "x,y"], ["2", ""]]), "f.csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="f.csv"'
    assert b"".join(response.streaming_content) == b'A,B\r\n1,"x,y"\r\n2,\r\n'
    plain = streamed_csv(["A"], [["1"]], "g.csv", lineterminator="\n")
    assert b"".join(plain.streaming_content) == b"A\n1\n"


@pytest.mark.parametrize(
    ("text", "serials"),
    [("S1, S2\nS3", ("S1", "S2", "S3")), (" S1 ,,\n\n", ("S1",)), ("", ()), (None, ())],
)
def test_split_serials_takes_comma_or_newline_separated_serials(text, serials):
    assert split_serials(text) == serials


def test_usage_number_is_u_and_six_digits():
    assert (usage_number(12), usage_number(1234567)) == ("U-000012", "U-1234567")
