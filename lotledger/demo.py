"""The demo data set, seeded app by app in dependency order (``manage.py seed_demo``). Each app's
``demo.py`` seeds its own records through its services and reads what the apps below it seeded;
only this module, at the top, knows every app."""

from __future__ import annotations

import datetime
import random

from cogs import demo as cogs_demo
from inventory_lots import demo as inventory_lots_demo
from orders import demo as orders_demo
from production import demo as production_demo
from purchasing import demo as purchasing_demo


def seed(*, rng: random.Random, actor, today: datetime.date) -> None:
    inventory_lots_demo.seed_master_data()  # offices, LICs
    purchasing_demo.seed_vendors()
    orders_demo.seed_customers()
    orders_demo.seed_orders(actor=actor, today=today)
    inventory_lots_demo.seed_ledger(rng=rng, actor=actor, today=today)  # adjustment lots, write-offs
    purchasing_demo.seed(rng=rng, actor=actor, today=today)
    orders_demo.seed(rng=rng, actor=actor, today=today)
    production_demo.seed(rng=rng, actor=actor, today=today)
    cogs_demo.seed(rng=rng, actor=actor, today=today)
