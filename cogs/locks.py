"""The only place select_for_update() appears for COGS models. A run row is locked alone (never
while LIC rows are held by the same transaction before it: jobs update it last, by pk)."""

from __future__ import annotations

from .models import CogsRun


def run_for_update(run_id: int) -> CogsRun:
    return CogsRun.objects.select_for_update().get(pk=run_id)
