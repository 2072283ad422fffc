"""Real parallel connections for concurrency tests (Oscar's run_concurrently idea): each
function runs in its own thread, all released at once by a barrier, each closing its own
database connection; what each returned or raised comes back in order."""

from __future__ import annotations

import threading

from django.db import connection


def run_concurrently(*fns, timeout: float = 60):
    barrier = threading.Barrier(len(fns))
    results = [None] * len(fns)

    def runner(index, fn):
        try:
            barrier.wait(timeout=10)
            results[index] = fn()
        except Exception as exc:  # noqa: BLE001 - the test inspects what each thread got
            results[index] = exc
        finally:
            connection.close()

    threads = [threading.Thread(target=runner, args=(i, fn)) for i, fn in enumerate(fns)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=timeout)
    assert not any(t.is_alive() for t in threads), "deadlock or hang"
    return results
