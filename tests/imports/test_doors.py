"""Every door of the import: the page (upload, preview, commit, errors sheet, templates, reverse),
the API (multipart upload, dry run, commit, reverse, errors), the command (progress bar, dry run,
errors file) and the admin; who may use them."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from openpyxl import load_workbook

from imports.models import ImportBatch
from inventory_lots.models import Lot

from .conftest import OPENING_HEADER, counts, opening_row, sheet

D = Decimal
pytestmark = pytest.mark.django_db

GOOD = sheet(OPENING_HEADER, [opening_row(), opening_row(office="WEST", quantity="4", unit_cost="1.25")])
BAD = sheet(OPENING_HEADER, [opening_row(), opening_row(lic="NOPE")])


def upload(name: str, content: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, content)


# --- the page ----------------------------------------------------------------------------------------


def test_page_upload_preview_commit_and_reverse(client, importer, stock_master):
    client.force_login(importer)
    assert client.get("/imports/").status_code == 200
    response = client.post("/imports/", {"kind": "opening_stock", "file": upload("open.csv", GOOD)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/imports/{batch.pk}/"
    page = client.get(f"/imports/{batch.pk}/")
    html = page.content.decode()
    assert 'data-figure="total_value">30.00<' in html and Lot.objects.count() == 0
    assert page.context["summary"]["journal"][0] == {
        "date": "2026-03-01",
        "office": "HQ",
        "account": "1300",
        "debit": "25.00",
        "credit": "0.00",
    }
    response = client.post(f"/imports/{batch.pk}/commit/", {"control_total": "29.99"})
    assert response.status_code == 400 and Lot.objects.count() == 0
    assert response.context["commit_form"].errors["control_total"] == [
        "The control total 29.99 differs from the file's total value 30.00: nothing was imported."
    ]
    response = client.post(f"/imports/{batch.pk}/commit/", {"control_total": "30.00"})
    assert response.status_code == 302 and Lot.objects.count() == 2
    response = client.post(f"/imports/{batch.pk}/reverse/", {"reason": ""})
    assert response.status_code == 400
    response = client.post(f"/imports/{batch.pk}/reverse/", {"reason": "wrong file"})
    assert response.status_code == 302
    assert sorted(Lot.objects.values_list("qty_in", flat=True)) == [D("0"), D("0")]


def test_page_failed_file_shows_errors_and_gives_the_sheet_back(client, importer, stock_master):
    client.force_login(importer)
    before = counts()
    response = client.post("/imports/", {"kind": "opening_stock", "file": upload("open.csv", BAD)})
    batch = ImportBatch.objects.get()
    assert response.status_code == 302 and batch.status == "failed"
    html = client.get(f"/imports/{batch.pk}/").content.decode()
    assert "lic: unknown line item code “NOPE”." in html and 'data-figure="error_count">1<' in html
    sheet_back = client.get(f"/imports/{batch.pk}/errors/")
    assert sheet_back["Content-Disposition"] == 'attachment; filename="open.errors.csv"'
    rows = list(csv.reader(io.StringIO(sheet_back.content.decode())))
    assert [r[-1] for r in rows] == ["Errors", "", "lic: unknown line item code “NOPE”."]
    assert client.post(f"/imports/{batch.pk}/commit/", {}).status_code == 400  # nothing to import
    assert counts() == before


def test_page_refuses_a_missing_file(client, importer):
    client.force_login(importer)
    response = client.post("/imports/", {"kind": "offices"})
    assert response.status_code == 400 and response.context["form"].errors["file"]
    assert ImportBatch.objects.count() == 0


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_page_templates(client, importer, fmt):
    client.force_login(importer)
    response = client.get(f"/imports/templates/opening_stock.{fmt}")
    assert response.status_code == 200
    if fmt == "csv":
        assert response.content.decode().splitlines() == [",".join(OPENING_HEADER)]
    else:
        book = load_workbook(io.BytesIO(response.content), read_only=True)
        assert [list(r) for r in book.worksheets[0].iter_rows(values_only=True)] == [OPENING_HEADER]
        assert book.sheetnames[1] == "Help"
    assert client.get("/imports/templates/stock.csv").status_code == 404


def test_page_needs_the_import_permission(client, viewer, accountant, admin_user):
    for user in (viewer, accountant):
        client.force_login(user)
        assert client.get("/imports/").status_code == 403
        assert (
            client.post("/imports/", {"kind": "offices", "file": upload("o.csv", b"code,name\nA,B\n")}).status_code
            == 403
        )
    client.force_login(admin_user)
    assert client.get("/imports/").status_code == 200
    assert ImportBatch.objects.count() == 0


def test_nav_shows_import_to_who_may_use_it(client, importer, viewer):
    client.force_login(importer)
    assert 'href="/imports/"' in client.get("/imports/").content.decode()
    client.force_login(viewer)
    assert 'href="/imports/"' not in client.get("/lots/").content.decode()


def test_page_lists_batches_in_a_fixed_number_of_queries(client, importer, stock_master, django_assert_max_num_queries):
    client.force_login(importer)
    for _ in range(3):
        client.post("/imports/", {"kind": "opening_stock", "file": upload("open.csv", GOOD)})
    with django_assert_max_num_queries(8):
        assert client.get("/imports/").status_code == 200


# --- the API -----------------------------------------------------------------------------------------


def test_api_dry_run_then_commit_then_reverse(api, importer, stock_master):
    client = api(importer)
    response = client.post(
        "/api/v1/imports/",
        {"kind": "opening_stock", "file": upload("o.csv", GOOD), "dry_run": "true"},
        format="multipart",
    )
    assert response.status_code == 201, response.json()
    body = response.json()
    assert (body["status"], body["total_value"], body["preview"]["create_count"]) == ("previewed", "30.00", 2)
    assert Lot.objects.count() == 0
    response = client.post(f"/api/v1/imports/{body['id']}/commit/", {"control_total": "30.00"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "committed" and Lot.objects.count() == 2
    assert client.get(f"/api/v1/imports/{body['id']}/").json()["created_count"] == 2
    assert [b["id"] for b in client.get("/api/v1/imports/").json()["results"]] == [body["id"]]
    response = client.post(f"/api/v1/imports/{body['id']}/reverse/", {"reason": "wrong"}, format="json")
    assert response.status_code == 200 and response.json()["status"] == "reversed"
    response = client.post(f"/api/v1/imports/{body['id']}/reverse/", {"reason": "again"}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "batch_not_committed"


def test_api_import_in_one_call(api, importer, stock_master):
    response = api(importer).post(
        "/api/v1/imports/",
        {"kind": "offices", "file": upload("o.xlsx", sheet(["code", "name"], [["N1", "New"]], "xlsx"))},
        format="multipart",
    )
    assert response.status_code == 201 and response.json()["status"] == "committed"
    assert response.json()["file_format"] == "xlsx"


def test_api_bad_file_is_400_with_every_row_and_writes_nothing(api, importer, stock_master):
    before = counts()
    response = api(importer).post(
        "/api/v1/imports/", {"kind": "opening_stock", "file": upload("o.csv", BAD)}, format="multipart"
    )
    assert response.status_code == 400
    body = response.json()
    assert (body["code"], body["field"]) == ("import_invalid", "file")
    assert body["errors"] == {"file": ["Row 3: lic: unknown line item code “NOPE”."]}
    assert counts() == before and ImportBatch.objects.count() == 0


def test_api_control_total_mismatch_writes_nothing(api, importer, stock_master):
    response = api(importer).post(
        "/api/v1/imports/",
        {"kind": "opening_stock", "file": upload("o.csv", GOOD), "control_total": "1.00"},
        format="multipart",
    )
    assert response.status_code == 400 and response.json()["code"] == "control_total_mismatch"
    assert Lot.objects.count() == 0 and ImportBatch.objects.count() == 0


def test_api_refuses_without_the_permission(api, accountant, stock_master):
    client = api(accountant)
    response = client.post(
        "/api/v1/imports/", {"kind": "opening_stock", "file": upload("o.csv", GOOD)}, format="multipart"
    )
    assert response.status_code == 403
    assert client.get("/api/v1/imports/").status_code == 403
    assert Lot.objects.count() == 0


def _page_and_api(client, api_client, kind: str, fmt: str):
    """The page's template and the API's; an xlsx carries the second it was written (openpyxl's
    document properties and zip entries), so a pair that straddles a second is fetched again."""
    for _ in range(3):
        page = client.get(f"/imports/templates/{kind}.{fmt}")
        door = api_client.get(f"/api/v1/imports/templates/{kind}.{fmt}")
        if page.content == door.content:
            break
    return page, door


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("kind", ["offices", "lics", "vendors", "customers", "opening_stock"])
def test_api_templates_are_the_page_files(client, api, importer, kind, fmt):
    client.force_login(importer)
    page, door = _page_and_api(client, api(importer), kind, fmt)
    assert (page.status_code, door.status_code) == (200, 200)
    assert door.content == page.content and len(door.content) > 10
    assert door["Content-Type"] == page["Content-Type"]
    assert door["Content-Disposition"] == page["Content-Disposition"] == f'attachment; filename="{kind}-template.{fmt}"'


def test_api_template_refusals(api, importer, viewer, accountant):
    from rest_framework.test import APIClient

    for fmt in ("csv", "xlsx"):
        url = f"/api/v1/imports/templates/opening_stock.{fmt}"
        anonymous = APIClient().get(url, HTTP_ACCEPT="text/csv")
        assert anonymous.status_code == 401 and anonymous.json()["code"] == "not_authenticated"
        for user in (viewer, accountant):
            refused = api(user).get(url)
            assert refused.status_code == 403 and refused.json()["code"] == "permission_denied"
        unknown = api(importer).get(f"/api/v1/imports/templates/stock.{fmt}", HTTP_ACCEPT="text/csv")
        assert unknown.status_code == 404 and unknown["Content-Type"] == "application/json"
        assert unknown.json()["code"] == "not_found"
        assert api(importer).get(url).status_code == 200


def test_api_json_upload_is_415(api, importer):
    response = api(importer).post("/api/v1/imports/", {"kind": "offices"}, format="json")
    assert response.status_code == 415


# --- the command -------------------------------------------------------------------------------------


def test_command_imports_with_a_progress_bar(tmp_path, stock_master, capsys):
    rows = [opening_row(reference=f"R{i}") for i in range(2500)]
    path = tmp_path / "open.csv"
    path.write_bytes(sheet(OPENING_HEADER, rows))
    call_command("import_data", "opening_stock", str(path))
    out, err = capsys.readouterr()
    assert "Imported IMP-" in out and "2,500 record(s)" in out
    assert "\rcheck   1,000 rows" in err and "\rcommit  [##############################] 2,500/2,500 rows\n" in err
    assert Lot.objects.count() == 2500


def test_command_dry_run_imports_nothing(tmp_path, stock_master, capsys):
    path = tmp_path / "open.csv"
    path.write_bytes(GOOD)
    call_command("import_data", "opening_stock", str(path), "--dry-run")
    out, _ = capsys.readouterr()
    assert "Total quantity 14.000000, total value 30.00" in out and "Dry run: nothing imported" in out
    assert Lot.objects.count() == 0 and ImportBatch.objects.get().status == "previewed"


def test_command_bad_file_writes_the_errors_file(tmp_path, stock_master, capsys):
    path = tmp_path / "open.csv"
    path.write_bytes(BAD)
    before = counts()
    with pytest.raises(CommandError, match="1 error"):
        call_command("import_data", "opening_stock", str(path))
    _, err = capsys.readouterr()
    assert "Row 3: lic: unknown line item code “NOPE”." in err
    rows = list(csv.reader(io.StringIO((tmp_path / "open.errors.csv").read_text())))
    assert rows[2][-1] == "lic: unknown line item code “NOPE”."
    assert counts() == before


def test_command_control_total_and_unknown_user(tmp_path, stock_master):
    path = tmp_path / "open.csv"
    path.write_bytes(GOOD)
    with pytest.raises(CommandError, match="control_total_mismatch"):
        call_command("import_data", "opening_stock", str(path), "--control-total", "31")
    with pytest.raises(CommandError, match="No such user: nobody"):
        call_command("import_data", "opening_stock", str(path), "--user", "nobody")
    assert Lot.objects.count() == 0


# --- the admin ---------------------------------------------------------------------------------------


def test_admin_lists_batches_read_only(admin_client, stock_master):
    from imports import services

    services.stage_import(kind="opening_stock", file_name="o.csv", content=GOOD, actor=None)
    batch = ImportBatch.objects.get()
    response = admin_client.get("/admin/imports/importbatch/")
    assert response.status_code == 200 and "o.csv" in response.content.decode()
    assert admin_client.get(f"/admin/imports/importbatch/{batch.pk}/change/").status_code == 200
    assert admin_client.post(f"/admin/imports/importbatch/{batch.pk}/delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/imports/importbatch/add/").status_code == 403
