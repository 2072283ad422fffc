"""Going live from one file (issue 23): `python bench/import_opening.py [--rows 100000 --lics 20000 --format csv]`.

In its own database (`ll_bench_import`): imports ``--lics`` LICs from one file (5% serialized, 5%
tracked by mfr lot), then ``--rows`` opening-stock lots over them in ``--offices`` offices from one
file (serialized LICs get 1-3 units with their serials), both through imports.services as the page,
the API and `manage.py import_data` do: check every row (``validate_s``), then commit in one
transaction (``commit_s``). Memory: the growth of the process's peak RSS over the run
(``peak_mb``, resource.getrusage). On a shared machine the wall times follow its load, so the CPU
seconds of this process and of its PostgreSQL backend (/proc) are given too (``*_cpu_s``) with the
load average. Prints a table, then one JSON line."""

from __future__ import annotations

import argparse
import datetime
import json
import os
import random
import resource
import time
import uuid

from common import parse_args, setup_django


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        pages = int(f.read().split()[1])
    return pages * resource.getpagesize() / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def make_files(args, prefix: str, fmt: str):
    from imports import formats
    from inventory_lots.models import LIC_COLUMNS

    rng = random.Random(args.seed)
    lic_rows, kinds = [], []
    for i in range(args.lics):
        kind = "s" if i % 20 == 0 else ("m" if i % 20 == 1 else "")
        kinds.append(kind)
        lic_rows.append(
            [
                f"{prefix}{i:06d}",
                f"Bench item {i}",
                "yes",
                "yes" if kind == "s" else "no",
                "yes" if kind == "m" else "no",
                "fifo",
                "ea",
                "yes",
            ]
        )
    lic_header = list(LIC_COLUMNS)
    today = datetime.date.today()
    open_rows = []
    for r in range(args.rows):
        i = r % args.lics
        kind = kinds[i]
        quantity = str(rng.randint(1, 3)) if kind == "s" else f"{rng.randint(1, 5000)}.{rng.randint(0, 99):02d}"
        serials = ",".join(f"{prefix}-SN{r}-{k}" for k in range(int(quantity))) if kind == "s" else ""
        open_rows.append(
            [
                f"BO{r % args.offices}",
                f"{prefix}{i:06d}",
                quantity,
                f"{rng.randint(0, 999)}.{rng.randint(0, 999999):06d}",
                (today - datetime.timedelta(days=1 + r % 30)).isoformat(),
                f"M{r}" if kind == "m" else "",
                serials,
                f"OLD-{r}",
            ]
        )
    open_header = ["office", "lic", "quantity", "unit_cost", "lot_date", "mfr_lot", "serials", "reference"]
    if fmt == "xlsx":
        return (
            formats.xlsx_bytes(lic_header, lic_rows, title="lics"),
            formats.xlsx_bytes(open_header, open_rows, title="opening_stock"),
        )
    return formats.csv_bytes(lic_header, lic_rows), formats.csv_bytes(open_header, open_rows)


def backend_cpu_s() -> float:
    """CPU seconds (user + system) PostgreSQL's backend of this connection has used (server on this machine)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = cursor.fetchone()[0]
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def run_import(kind: str, name: str, content: bytes):
    from imports import services

    start, cpu = time.perf_counter(), time.process_time() + backend_cpu_s()
    batch, checked = services.stage_import(kind=kind, file_name=name, content=content, actor=None)
    validate_s, validate_cpu = time.perf_counter() - start, time.process_time() + backend_cpu_s() - cpu
    if batch.status != "previewed":
        raise SystemExit(f"{kind}: {batch.error_count} errors, first: {batch.errors[:3]}")
    start, cpu = time.perf_counter(), time.process_time() + backend_cpu_s()
    batch = services.commit_import(batch=batch, actor=None, checked=checked)
    commit_s, commit_cpu = time.perf_counter() - start, time.process_time() + backend_cpu_s() - cpu
    return batch, (validate_s, validate_cpu), (commit_s, commit_cpu)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--lics", type=int, default=20_000)
    parser.add_argument("--offices", type=int, default=5)
    parser.add_argument("--format", choices=["csv", "xlsx"], default="csv")
    parser.add_argument("--seed", type=int, default=23)
    args = parse_args(parser, rows=2000, lics=400)

    setup_django("ll_bench_import")
    from inventory_lots.models import Office

    for o in range(args.offices):
        Office.objects.get_or_create(code=f"BO{o}", defaults={"name": f"Bench office {o}"})
    prefix = "B" + uuid.uuid4().hex[:6].upper()  # new LICs every run
    lic_file, open_file = make_files(args, prefix, args.format)
    base_rss = rss_mb()
    _, (lic_validate_s, _), (lic_commit_s, _) = run_import("lics", f"lics.{args.format}", lic_file)
    batch, (validate_s, validate_cpu), (commit_s, commit_cpu) = run_import(
        "opening_stock", f"opening.{args.format}", open_file
    )
    growth = max(peak_mb() - base_rss, 0.0)
    load = os.getloadavg()[0]
    figures = {
        "rows": batch.created_count,
        "lics": args.lics,
        "format": args.format,
        "file_mb": round(len(open_file) / 2**20, 1),
        "lic_validate_s": round(lic_validate_s, 2),
        "lic_commit_s": round(lic_commit_s, 2),
        "validate_s": round(validate_s, 2),
        "commit_s": round(commit_s, 2),
        "total_s": round(lic_validate_s + lic_commit_s + validate_s + commit_s, 2),
        "peak_mb": round(growth, 1),
        # CPU of this process plus its PostgreSQL backend: the time on an idle machine, whatever the load
        "validate_cpu_s": round(validate_cpu, 2),
        "commit_cpu_s": round(commit_cpu, 2),
        "load_avg": round(load, 1),  # the machine's 1-minute load average when the run ended (2 cores)
        "total_value": str(batch.total_value),
    }
    print(f"{'step':<34}{'seconds':>10}")
    print(f"{'LICs: check ' + str(args.lics) + ' rows':<34}{lic_validate_s:>10.2f}")
    print(f"{'LICs: commit':<34}{lic_commit_s:>10.2f}")
    print(f"{'opening stock: check ' + str(args.rows) + ' rows':<34}{validate_s:>10.2f}")
    print(f"{'opening stock: commit':<34}{commit_s:>10.2f}")
    print(f"{'all':<34}{figures['total_s']:>10.2f}")
    print(f"peak RSS growth {growth:.1f} MB; opening file {figures['file_mb']} MB ({args.format})")
    print(f"CPU (process + PostgreSQL backend): check {validate_cpu:.2f} s, commit {commit_cpu:.2f} s; load {load:.1f}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
