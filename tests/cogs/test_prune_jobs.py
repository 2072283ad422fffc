"""The hourly task that prunes procrastinate's finished jobs (``cogs.tasks.prune_jobs``)."""

from __future__ import annotations

import asyncio
import concurrent.futures

import pytest
from django.db import connection

pytestmark = pytest.mark.django_db(transaction=True)


def _prune() -> None:
    """Run the periodic task's body on an event loop of its own, in a thread of its own (the
    browser tests leave an event loop in this one)."""
    from asgiref.sync import sync_to_async
    from django.db import connections
    from procrastinate.contrib.django import app

    from cogs.tasks import prune_jobs

    async def prune_then_close() -> None:
        try:
            await prune_jobs(app)
        finally:  # the connection procrastinate's queries opened in asgiref's executor thread
            await sync_to_async(connections.close_all)()

    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        pool.submit(asyncio.run, prune_then_close()).result(timeout=60)


def _job(status: str, hours_ago: int) -> int:
    """A cogs.run_round job in ``status`` whose events all happened ``hours_ago`` hours ago."""
    from cogs.tasks import run_round

    job_id = run_round.defer(run_id=0, after_round=0)
    with connection.cursor() as cursor:
        cursor.execute("UPDATE procrastinate_jobs SET status = %s WHERE id = %s", [status, job_id])
        cursor.execute(
            "UPDATE procrastinate_events SET at = now() - make_interval(hours => %s) WHERE job_id = %s",
            [hours_ago, job_id],
        )
    return job_id


def test_finished_jobs_past_their_keeping_time_are_deleted_with_their_events():
    jobs = {
        "succeeded 4 days ago": _job("succeeded", 96),
        "succeeded 2 days ago": _job("succeeded", 48),
        "failed 40 days ago": _job("failed", 960),
        "failed 4 days ago": _job("failed", 96),
        "cancelled 40 days ago": _job("cancelled", 960),
        "queued 40 days ago": _job("todo", 960),
    }
    _prune()
    with connection.cursor() as cursor:
        cursor.execute("SELECT id FROM procrastinate_jobs WHERE id = ANY(%s)", [list(jobs.values())])
        left = {row[0] for row in cursor.fetchall()}
        cursor.execute(
            "SELECT count(*) FROM procrastinate_events WHERE job_id = ANY(%s) AND NOT job_id = ANY(%s)",
            [list(jobs.values()), list(left)],
        )
        orphan_events = cursor.fetchone()[0]
    kept = sorted(name for name, job_id in jobs.items() if job_id in left)
    assert kept == ["failed 4 days ago", "queued 40 days ago", "succeeded 2 days ago"]
    assert orphan_events == 0
