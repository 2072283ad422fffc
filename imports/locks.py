"""The only place select_for_update() appears for imports: a batch row, taken before the LIC locks
its commit or reversal takes (a second commit or reversal of the batch waits, then is refused)."""

from __future__ import annotations

from .models import ImportBatch


def batch_for_update(batch_id: int) -> ImportBatch:
    return ImportBatch.objects.select_for_update(no_key=True).get(pk=batch_id)
