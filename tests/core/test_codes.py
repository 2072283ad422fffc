"""Master-data codes (issue 17): one character set, unique ignoring case in PostgreSQL itself, one
case-insensitive lookup; and the migration that adds the constraints refuses data that breaks them
with a list of the offending codes."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from core.codes import MSG_CODE_CHARS, by_code, check_codes_fit, validate_code
from core.text import clean_text
from inventory_lots.models import LineItemCode, Office
from orders.models import Customer
from purchasing.models import Vendor

pytestmark = pytest.mark.django_db

MODELS = [
    pytest.param(Office, {"name": "x"}, id="office"),
    pytest.param(LineItemCode, {}, id="lic"),
    pytest.param(Vendor, {"name": "x"}, id="vendor"),
    pytest.param(Customer, {"name": "x"}, id="customer"),
]


@pytest.mark.parametrize(("model", "extra"), MODELS)
def test_postgresql_refuses_a_code_differing_only_by_case(model, extra):
    model.objects.create(code="AB-1", **extra)
    for twin in ("ab-1", "Ab-1", "aB-1"):
        with pytest.raises(IntegrityError, match="code_unique_ci"), transaction.atomic():
            model.objects.create(code=twin, **extra)
    assert model.objects.count() == 1


@pytest.mark.parametrize(("model", "extra"), MODELS)
@pytest.mark.parametrize("code", ["A B", "A/B", "A\u202eB", "Ä", "A\tB", "", "A'B", "A\nB"])
def test_postgresql_refuses_a_code_outside_the_character_set(model, extra, code):
    with pytest.raises(IntegrityError, match="code_chars"), transaction.atomic():
        model.objects.create(code=code, **extra)


@pytest.mark.parametrize("code", ["HQ", "widget-2", "A.B_C-9", "x"])
def test_the_code_validator_takes_letters_digits_dot_underscore_dash(code):
    validate_code(code)


@pytest.mark.parametrize("code", ["A B", "A\u202eB", "Ä", "A\nB", "WIDGET\n", "é", "A,B", "A*"])
def test_the_code_validator_refuses_anything_else_with_one_message(code):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        validate_code(code)
    assert exc.value.messages == [MSG_CODE_CHARS]


def test_by_code_matches_ignoring_case_and_surrounding_space(office, lic):
    assert by_code(Office.objects.all(), "hq") == office
    assert by_code(LineItemCode.objects.all(), " Widget ") == lic
    # PostgreSQL's UPPER() folds a dotless ı onto I and a long ſ onto S: never a way in to a code
    for miss in ("", "  ", None, 5, "WIDGET\x00", "WIDGE", "WIDGETS", "wıdget", "WIDGET\u202e", "ＷＩＤＧＥＴ"):
        assert by_code(LineItemCode.objects.all(), miss) is None


def test_the_lookup_is_served_by_the_upper_index(lic):
    # on a table of a few rows the planner may read any index and filter (seen: the plain code index
    # with a Filter on upper(code)); with thousands of codes and fresh statistics only the index on
    # UPPER(code) can find one row without reading them all
    LineItemCode.objects.bulk_create(LineItemCode(code=f"X{i:05d}", description="filler") for i in range(3000))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE inventory_lots_lineitemcode")
    plan = LineItemCode.objects.filter(code__iexact="widget").explain()
    assert "inventory_lots_lic_code_unique_ci" in plan and "Index Cond: (upper((code)::text)" in plan, plan


def test_the_migration_check_lists_case_twins_and_bad_characters():
    with connection.cursor() as cursor:
        cursor.execute("CREATE TEMP TABLE codes_probe (code varchar(40))")
        cursor.execute("INSERT INTO codes_probe VALUES ('HQ'), ('hq'), ('Hq'), ('OK'), ('A B'), ('ok-2')")
    with connection.schema_editor() as editor, pytest.raises(RuntimeError) as exc:
        check_codes_fit(editor, "codes_probe", "Office")
    message = str(exc.value)
    assert "Office codes that differ only by upper/lower case: HQ, Hq, hq" in message
    assert "'A B'" in message and "OK" not in message and "ok-2" not in message
    assert "Rename these records in the admin" in message
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM codes_probe WHERE code IN ('hq', 'Hq', 'A B')")
    with connection.schema_editor() as editor:
        check_codes_fit(editor, "codes_probe", "Office")  # clean data: no error


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("Head\u202eoffice", "Headoffice"),
        ("\u2066abc\u2069", "abc"),
        ("a\u200eb\u200fc\u061c", "abc"),
        ("\u202a\u202b\u202c\u202d\u2067\u2068 x ", "x"),
        ("Zürich – 東京 ✓", "Zürich – 東京 ✓"),
        (None, ""),
    ],
)
def test_clean_text_drops_bidirectional_controls(raw, clean):
    assert clean_text(raw) == clean
