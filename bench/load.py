"""Load and invariants: `python bench/load.py --clients 8 --seconds 60`.

Serves the app with gunicorn on loopback (127.0.0.1, its own database `ll_bench_load`), drives
it with N parallel API clients for S seconds — clerks creating and receiving POs, shipping,
taking returns (some naming the shipment's usage) and adjusting; accountants running COGS — then
runs a last COGS run and checks every ledger invariant (cogs.selectors.ledger_violations and
check_ledger's document checks). Prints a table, then one JSON line."""

from __future__ import annotations

import argparse
import json
import os
import random
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from pathlib import Path

from common import ROOT, parse_args, setup_django

PORT = 8123
DB = "ll_bench_load"
LICS = [f"LD-{i:02d}" for i in range(1, 13)]


def seed() -> dict:
    """Fresh ledger; master data, users with tokens, opening stock. Returns what clients need."""
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from core import roles
    from inventory_lots.models import LineItemCode, Office
    from orders.models import Customer
    from orders.services import create_order
    from purchasing.models import Vendor

    call_command("flush", "--noinput", verbosity=0)
    roles.ensure_role_groups()
    office = Office.objects.create(code="LD", name="Load office")
    for code in LICS:
        LineItemCode.objects.create(code=code, description=f"Load item {code}", inventoried=True)
    Vendor.objects.create(code="LV", name="Load vendor")
    customer = Customer.objects.create(code="LC", name="Load customer")
    import datetime

    orders = [create_order(customer=customer, office=office, date=datetime.date(2026, 1, 1)).pk for _ in range(20)]
    tokens = {}
    for name, role in (("clerk", roles.CLERK), ("accountant", roles.ACCOUNTANT)):
        user = User.objects.create_user(name, password="load-pass-123")
        user.groups.add(Group.objects.get(name=role))
        tokens[name] = Token.objects.create(user=user).key
    return {"orders": orders, "tokens": tokens}


class Client:
    def __init__(self, token: str, stats: Counter, lock: threading.Lock):
        self.token, self.stats, self.lock = token, stats, lock

    def call(self, method: str, path: str, body: dict | None = None) -> tuple[int, dict]:
        data = json.dumps(body).encode() if body is not None else None
        request = urllib.request.Request(
            f"http://127.0.0.1:{PORT}/api/v1/{path}",
            data=data,
            method=method,
            headers={"Authorization": f"Token {self.token}", "Content-Type": "application/json"},
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - loopback only
                status, payload = response.status, response.read()
        except urllib.error.HTTPError as error:
            status, payload = error.code, error.read()
        with self.lock:
            self.stats[f"{status // 100}xx"] += 1
            self.stats["requests"] += 1
            if status >= 500:
                self.stats["errors_5xx"] += 1
        try:
            return status, json.loads(payload or b"{}")
        except ValueError:
            return status, {}


def clerk_step(client: Client, rng: random.Random, orders: list[int], shipped: list[tuple[int, str]]) -> None:
    lic = rng.choice(LICS)
    day = f"2026-02-{rng.randint(1, 28):02d}"
    action = rng.random()
    if action < 0.30:  # PO + receipt
        status, po = client.call(
            "POST",
            "purchase-orders/",
            {
                "vendor": "LV",
                "office": "LD",
                "date": "2026-01-15",
                "lines": [
                    {"lic": lic, "quantity": str(rng.randint(5, 30)), "unit_cost": f"{rng.randint(100, 900) / 100}"}
                ],
            },
        )
        if status == 201:
            line = po["lines"][0]
            client.call(
                "POST",
                f"purchase-orders/{po['id']}/receipts/",
                {"date": day, "lines": [{"po_line": line["id"], "quantity": line["quantity"]}]},
            )
    elif action < 0.75:  # shipment
        status, shipment = client.call(
            "POST",
            "shipments/",
            {"order": rng.choice(orders), "date": day, "lines": [{"lic": lic, "quantity": str(rng.randint(1, 6))}]},
        )
        if status == 201:
            shipped.append((shipment["lines"][0]["usage"], lic))
    elif action < 0.90 and shipped:  # a return naming an earlier shipment's usage
        usage, usage_lic = rng.choice(shipped)
        client.call(
            "POST",
            "returns/",
            {"order": rng.choice(orders), "date": day, "lines": [{"lic": usage_lic, "quantity": "1", "usage": usage}]},
        )
    else:  # adjustment in
        client.call(
            "POST",
            "adjustments/",
            {
                "office": "LD",
                "date": day,
                "reason": "load",
                "lines": [{"lic": lic, "quantity": "10", "unit_cost": "5.00"}],
            },
        )


def run_clients(n: int, seconds: float, ctx: dict) -> Counter:
    stats: Counter = Counter()
    lock = threading.Lock()
    shipped: list[tuple[int, str]] = []
    stop_at = time.monotonic() + seconds

    def worker(index: int) -> None:
        rng = random.Random(index)
        accountant = index == 0  # one client in N is an accountant running COGS
        client = Client(ctx["tokens"]["accountant" if accountant else "clerk"], stats, lock)
        while time.monotonic() < stop_at:
            if accountant:
                client.call("POST", "cogs-runs/", {"wait": True, "date": "2026-03-01"})
                with lock:
                    stats["cogs_runs"] += 1
            else:
                clerk_step(client, rng, ctx["orders"], shipped)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return stats


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    args = parse_args(parser, clients=2, seconds=5, workers=2)

    db = setup_django(DB)
    ctx = seed()
    env = {**os.environ, "LOTLEDGER_DB_NAME": db, "SECURE_COOKIES": "0", "DJANGO_SETTINGS_MODULE": "lotledger.settings"}
    server = subprocess.Popen(
        [
            str(Path(sys.executable).parent / "gunicorn"),
            "lotledger.wsgi",
            "--bind",
            f"127.0.0.1:{PORT}",
            "--workers",
            str(args.workers),
            "--timeout",
            "120",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
    )
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{PORT}/login/", timeout=2)  # noqa: S310
                break
            except OSError:  # not listening yet, or a worker still booting (a read timeout)
                time.sleep(0.1)
        start = time.monotonic()
        stats = run_clients(args.clients, args.seconds, ctx)
        elapsed = time.monotonic() - start
        final = Client(ctx["tokens"]["accountant"], Counter(), threading.Lock())
        final_status, final_run = final.call("POST", "cogs-runs/", {"wait": True, "date": "2026-03-01"})
    finally:
        server.terminate()
        server.wait(timeout=30)

    sys.path.insert(0, str(ROOT))
    from cogs.management.commands.check_ledger import document_violations
    from cogs.selectors import ledger_violations

    violations = ledger_violations() + document_violations()
    from inventory_lots.models import InventoryUsage, Lot

    print(
        f"Load: {args.clients} clients for {args.seconds:.0f} s against gunicorn ({args.workers} workers) on loopback"
    )
    print(f"{'requests':<24}{stats['requests']:>10}")
    print(f"{'requests/s':<24}{stats['requests'] / elapsed:>10.1f}")
    for key in ("2xx", "4xx", "5xx", "cogs_runs"):
        print(f"{key:<24}{stats[key]:>10}")
    print(f"{'final COGS run':<24}{final_status:>10} {final_run.get('status', '')}")
    print(f"{'lots / usage':<24}{Lot.objects.count():>10} / {InventoryUsage.objects.count()}")
    print(f"{'invariant violations':<24}{len(violations):>10}")
    for v in violations[:20]:
        print("  ", v)
    print(
        json.dumps(
            {
                "clients": args.clients,
                "seconds": args.seconds,
                "requests": stats["requests"],
                "requests_per_s": round(stats["requests"] / elapsed, 1),
                "errors_5xx": stats["errors_5xx"],
                "violations": len(violations),
            }
        )
    )


if __name__ == "__main__":
    main()
