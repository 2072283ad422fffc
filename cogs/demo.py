"""Demo data of the COGS app: one run over everything (in this process), so the demo's lots and
usage show their allocations, the run page has a run and unallocated usage its reasons."""

from __future__ import annotations

import datetime
import random

from core.errors import DomainError

from . import services


def seed(*, rng: random.Random, actor, today: datetime.date) -> None:
    try:
        services.run_cogs_now(actor=actor, date=today)
    except DomainError:  # e.g. a demo lock date on today: the first scheduled run catches up
        return
