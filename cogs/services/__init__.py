"""Writes of the COGS app (a package: the run orchestration and the per-job engine)."""

from .engine import JobResult, process_job
from .runs import (
    MAX_ROUNDS,
    JobSpec,
    execute_run,
    fail_run,
    plan_round,
    run_cogs_now,
    run_job,
    start_cogs_run,
    unfinished_jobs,
)

__all__ = [
    "MAX_ROUNDS",
    "JobResult",
    "JobSpec",
    "execute_run",
    "fail_run",
    "plan_round",
    "process_job",
    "run_job",
    "run_cogs_now",
    "start_cogs_run",
    "unfinished_jobs",
]
