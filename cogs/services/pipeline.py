"""The machinery of a COGS job: one database thread beside the planner, on the job's connection.

A job's statements run on a database thread, one at a time in the order they are submitted, in
the job's transaction, while the job's own thread converts rows and plans (the database thread's
waits on the server release the GIL): PostgreSQL and Python work at the same time (docs/cogs.md,
"Speed"). Here are that thread (``job_pipeline``), its cursor (``JobCursor``), the switch
interval it needs (``quick_gil_handoff``, allowed only by ``switch_interval_tuning``), the
planner settings of the balance UPDATEs (``by_primary_key``) and the phase profile the bench
prints (``PHASES``). Nothing of the domain is decided here.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import sys
import threading
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any, TypeVar

import psycopg
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.utils import CursorWrapper

from . import statements

T = TypeVar("T")

# --- phase profile ---------------------------------------------------------------------------

PHASES: dict[str, float] = defaultdict(float)  # seconds per step of a job, this process (bench/cogs.py)


@contextlib.contextmanager
def phase(name: str) -> Iterator[None]:
    start = time.perf_counter()
    try:
        yield
    finally:
        PHASES[name] += time.perf_counter() - start


# --- the switch interval ---------------------------------------------------------------------

SWITCH_INTERVAL = 0.0002  # seconds (the interpreter's default is 0.005)
_switch_lock = threading.Lock()
_switch_users = 0
_switch_before = 0.005
_may_tune: contextvars.ContextVar[bool] = contextvars.ContextVar("cogs_may_tune_switch_interval", default=False)


@contextlib.contextmanager
def switch_interval_tuning() -> Iterator[None]:
    """Let the jobs run inside this block lower the interpreter's switch interval. The interval is
    process-wide: only a process doing nothing else meanwhile may change it (a worker's job, the
    ``run_cogs`` command, the bench), never a web request (a ``wait`` run through the API or a page
    would slow every other request of its worker)."""
    token = _may_tune.set(True)
    try:
        yield
    finally:
        _may_tune.reset(token)


@contextlib.contextmanager
def quick_gil_handoff() -> Iterator[None]:
    """The database thread needs the GIL back briefly after each wait on the server (each block of
    a COPY, each result); at the interpreter's default 5 ms switch interval it would queue behind
    the planner that long every time. Lowered while any job of the process is pipelining (and
    allowed to: ``switch_interval_tuning``), restored when the last one ends."""
    if not _may_tune.get():
        yield
        return
    global _switch_users, _switch_before
    with _switch_lock:
        if _switch_users == 0:
            _switch_before = sys.getswitchinterval()
            sys.setswitchinterval(SWITCH_INTERVAL)
        _switch_users += 1
    try:
        yield
    finally:
        with _switch_lock:
            _switch_users -= 1
            if _switch_users == 0:
                sys.setswitchinterval(_switch_before)


# --- the database thread's cursor --------------------------------------------------------------

FETCH_ROWS = 256


class JobCursor:
    """A psycopg cursor of the job's connection for the database thread (Django's cursors belong
    to the thread that opened the connection), whose statements still pass through the
    connection's execute wrappers (``connection.execute_wrapper``), as every query of the app does."""

    def __init__(self, db: BaseDatabaseWrapper, wrappers: Sequence[Callable[..., Any]]) -> None:
        self.db = db
        self.wrappers = wrappers
        # server-side binding (Django's own cursors bind client-side): the balance arrays (megabytes per
        # job) go in the Bind message as they are, not quoted into the statement text and lexed back
        self.cursor: psycopg.Cursor[Any] = psycopg.Cursor(db.connection)

    def _run(self, executor: Callable[..., Any], sql: str, params: Any) -> Any:
        context = {"connection": self.db, "cursor": self}
        for wrapper in reversed(self.wrappers):
            executor = functools.partial(wrapper, executor)
        return executor(sql, params, False, context)

    def execute(self, sql: str, params: Any = None) -> Any:
        return self._run(lambda sql, params, many, context: self.cursor.execute(sql, params), sql, params)

    def copy_in(self, sql: str, text: str) -> None:
        def copy(sql: str, params: Any, many: bool, context: dict[str, Any]) -> None:
            with self.cursor.copy(sql) as stream:
                stream.write(text)

        self._run(copy, sql, None)

    def pipeline(self) -> psycopg.Pipeline:
        return self.db.connection.pipeline()

    def fetchall(self) -> list[Any]:
        return self.cursor.fetchall()

    def fetchmany(self, size: int) -> list[Any]:
        return self.cursor.fetchmany(size)

    def close(self) -> None:
        self.cursor.close()


def rows(cursor: JobCursor) -> Iterator[Any]:
    """The rows of an executed query, converted FETCH_ROWS at a time: converting is one C call that
    holds the GIL, and the database thread must not wait behind a whole result's conversion."""
    while batch := cursor.fetchmany(FETCH_ROWS):
        yield from batch


# --- the pipeline ------------------------------------------------------------------------------


class Pipeline:
    """The job's database thread. ``later`` queues an operation and returns its future; ``now``
    queues one and waits for it (it runs after everything queued before it); ``write`` queues a
    write, first surfacing an earlier write's failure so planning stops at once."""

    def __init__(self) -> None:
        self.db = connections[DEFAULT_DB_ALIAS]  # this thread's wrapper (``connection`` resolves per thread)
        self._wrappers = list(self.db.execute_wrappers)
        self.cursor = self.new_cursor()  # the cursor of the operations that run one after another
        self._thread = ThreadPoolExecutor(max_workers=1, thread_name_prefix="cogs-db")
        self._writes: list[Future[None]] = []

    def new_cursor(self) -> JobCursor:
        return JobCursor(self.db, self._wrappers)

    def later(self, fn: Callable[..., T], *args: Any) -> Future[T]:
        return self._thread.submit(fn, *args)

    def now(self, fn: Callable[..., T], *args: Any) -> T:
        return self._thread.submit(fn, *args).result()

    def write(self, fn: Callable[..., None], *args: Any) -> None:
        if self._writes and self._writes[-1].done():
            self._writes[-1].result()  # a write failed: stop planning now
        self._writes.append(self._thread.submit(fn, *args))

    def wait_for_writes(self) -> None:
        for write in self._writes:
            write.result()

    def _raise_first_failed_write(self) -> None:
        # a failed write aborts the transaction: it, not what failed after it, is the cause
        for write in self._writes:
            if write.done() and not write.cancelled() and write.exception() is not None:
                raise write.exception() from None  # type: ignore[misc]

    @contextlib.contextmanager
    def running(self) -> Iterator[Pipeline]:
        try:
            with quick_gil_handoff():
                yield self
                with phase("write_wait"):
                    self.wait_for_writes()
        except BaseException:
            self._thread.shutdown(wait=True, cancel_futures=True)
            self._raise_first_failed_write()
            raise
        finally:
            self._thread.shutdown(wait=True)
            self.cursor.close()


def job_pipeline() -> contextlib.AbstractContextManager[Pipeline]:
    """A database thread for the job's connection, for the block; on leaving, every queued write
    has run (or the first failure is raised)."""
    return Pipeline().running()


@contextlib.contextmanager
def by_primary_key(cursor: CursorWrapper) -> Iterator[None]:
    """Plan the balance UPDATEs as one primary-key probe per delta row. Seeing a 30,000-element
    array, PostgreSQL prefers to hash it and scan the whole table (0.56 s for 33,500 usage rows
    of a million, against 0.17 s probing: the full run's largest step); a job's rows are a few
    per cent of the table, so the probe is always the right plan. ``work_mem`` keeps the usage
    trigger's transition table (every updated row) in memory: at the 4 MB default a job's
    33,500 rows spill to a temporary file and the trigger takes 187 ms instead of 113 ms."""
    cursor.execute(statements.PLANNER_SETTINGS_SQL)
    before = cursor.fetchone()
    cursor.execute(statements.PROBE_BY_PRIMARY_KEY_SQL)
    yield
    # back to what they were for the rest of the job's transaction (no try/finally: a failed
    # statement aborts the transaction, whose rollback undoes SET LOCAL, and its error must surface)
    cursor.execute(statements.RESTORE_PLANNER_SETTINGS_SQL, before)
