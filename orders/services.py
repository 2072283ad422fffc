from __future__ import annotations

import datetime

from django.contrib.auth.models import User
from django.db import transaction

from core import numbering
from inventory_lots.models import Office

from .models import Customer, Order


@transaction.atomic
def create_order(*, customer: Customer, office: Office, date: datetime.date, actor: User | None = None) -> Order:
    return Order.objects.create(number=numbering.next_number("SO"), customer=customer, office=office, date=date)
