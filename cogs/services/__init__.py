"""Writes of the COGS app (a package: the run orchestration and the per-job engine)."""

from .engine import ChunkResult, process_chunk
from .runs import (
    MAX_ROUNDS,
    ChunkSpec,
    execute_run,
    fail_run,
    plan_round,
    run_chunk,
    run_cogs_now,
    start_cogs_run,
    unfinished_jobs,
)

__all__ = [
    "MAX_ROUNDS",
    "ChunkResult",
    "ChunkSpec",
    "execute_run",
    "fail_run",
    "plan_round",
    "process_chunk",
    "run_chunk",
    "run_cogs_now",
    "start_cogs_run",
    "unfinished_jobs",
]
