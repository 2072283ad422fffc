"""A transfer from an office the user does not see into one they do: the received lot is theirs,
but where it came from is not (DOMAIN.md section 11): the source office's lots, usage and values
appear at no door of the received lot, only that it came from another office."""

import datetime
from decimal import Decimal

import pytest

from cogs.services import run_cogs_now
from core import roles
from tests.conftest import adjust_in
from tests.factories import LicFactory, OfficeFactory, user_with_role
from transfers.services import TransferLineInput, post_transfer

pytestmark = pytest.mark.django_db
DAY = datetime.date.today() - datetime.timedelta(days=3)


@pytest.fixture
def world():
    east, west = OfficeFactory(code="EAST"), OfficeFactory(code="WEST")
    lic = LicFactory(code="GEAR")
    source = adjust_in(office=west, lic=lic, quantity="10", unit_cost="913.57", date=DAY)
    transfer = post_transfer(
        from_office=west,
        to_office=east,
        date=DAY + datetime.timedelta(days=1),
        lines=[TransferLineInput(lic=lic, quantity=Decimal("4"))],
        actor=None,
    )
    run_cogs_now(actor=None, date=datetime.date.today())
    received = transfer.lines.get().lot
    clerk = user_with_role(roles.ACCOUNTANT, all_offices=False, offices={east: True})
    return {"source": source, "received": received, "transfer": transfer, "user": clerk}


def test_the_received_lot_shows_nothing_of_the_source_office(world, client, api):
    source, received, user = world["source"], world["received"], world["user"]
    client.force_login(user)
    page = client.get(f"/lots/{received.pk}/")
    assert page.status_code == 200
    body = api(user).get(f"/api/v1/lots/{received.pk}/")
    assert body.status_code == 200
    for text in (page.content.decode(), body.content.decode()):
        assert source.number not in text
        # the received lot's own cost is the source's (4 at 913.57 = 3,654.28: its own figures);
        # the source lot's are not: 10 in at 9,135.70, 6 left at 5,481.42
        for figure in ("9,135.70", "9135.70", "5,481.42", "5481.42"):
            assert figure not in text
    assert client.get(f"/lots/{source.pk}/").status_code == 404
    assert api(user).get(f"/api/v1/lots/{source.pk}/").status_code == 404


def test_the_source_lot_is_one_line_in_the_api_section(world, api):
    section = api(world["user"]).get(f"/api/v1/lots/{world['received'].pk}/").json()["sections"]["transferred_from"]
    assert section["allocations"] == [
        {"hidden": True, "label": "A lot in another office", "lot": None, "lot_number": None, "quantity": None}
    ]
    everyone = user_with_role(roles.ACCOUNTANT, username="head_office")
    section = api(everyone).get(f"/api/v1/lots/{world['received'].pk}/").json()["sections"]["transferred_from"]
    assert section["allocations"] == [
        {"lot": world["source"].pk, "lot_number": world["source"].number, "quantity": "4.000000", "value": "3654.28"}
    ]
