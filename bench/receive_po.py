"""Receiving a big PO and the purchase lot page: `python bench/receive_po.py [--lines 200 --repeat 5]`.

In its own database (`ll_bench_receive_po`): creates POs of ``--lines`` lines (one LIC each)
and times `receive_purchase_order` receiving every line (one lot per line) through the service,
then an invoice with freight over all lines and the close (which re-costs every lot). Then
counts the queries of the purchase lot page (HTML and API) with 1 and with 20 receipts and
invoices on the PO. Prints a table, then one JSON line."""

from __future__ import annotations

import argparse
import json
import time
from decimal import Decimal

from common import parse_args, setup_django, summary, viewer_client

D = Decimal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--lines", type=int, default=200)
    parser.add_argument("--repeat", type=int, default=5)
    args = parse_args(parser, lines=20, repeat=2)

    setup_django("ll_bench_receive_po")
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from inventory_lots.models import LineItemCode, Office
    from purchasing import services
    from purchasing.models import Vendor

    office, _ = Office.objects.get_or_create(code="BENCH", defaults={"name": "Bench office"})
    vendor, _ = Vendor.objects.get_or_create(code="BENCHV", defaults={"name": "Bench vendor"})
    lics = [
        LineItemCode.objects.get_or_create(code=f"RCV{i:04d}", defaults={"inventoried": True})[0]
        for i in range(args.lines)
    ]
    today = time.strftime("%Y-%m-%d")
    import datetime

    day = datetime.date.fromisoformat(today)

    def new_po():
        return services.create_purchase_order(
            vendor=vendor,
            office=office,
            date=day,
            actor=None,
            lines=[services.POLineInput(lic=lic, quantity=D(10), unit_cost=D("3.25")) for lic in lics],
        )

    receive_ms, invoice_ms, close_ms, queries = [], [], [], []
    invoice_no = int(time.time())
    for _ in range(args.repeat):
        po = new_po()
        po_lines = list(po.lines.select_related("lic").order_by("line_no"))
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            services.receive_purchase_order(
                purchase_order=po,
                date=day,
                actor=None,
                lines=[services.ReceiptLineInput(po_line=line, quantity=D(10)) for line in po_lines],
            )
            receive_ms.append((time.perf_counter() - start) * 1000)
        queries.append(len(ctx.captured_queries))
        invoice_no += 1
        start = time.perf_counter()
        services.post_vendor_invoice(
            vendor=vendor,
            purchase_order=po,
            number=f"B-{invoice_no}",
            date=day,
            actor=None,
            freight=D("99.99"),
            lines=[services.InvoiceLineInput(po_line=line, quantity=D(10), amount=D("32.50")) for line in po_lines],
        )
        invoice_ms.append((time.perf_counter() - start) * 1000)
        start = time.perf_counter()
        services.close_purchase_order(purchase_order=po, date=day, actor=None)
        close_ms.append((time.perf_counter() - start) * 1000)

    # the purchase lot page's query count: 1 receipt + 1 invoice vs 20 of each on the PO line
    client = viewer_client()
    po = services.create_purchase_order(
        vendor=vendor,
        office=office,
        date=day,
        actor=None,
        lines=[services.POLineInput(lic=lics[0], quantity=D(1000), unit_cost=D("3.25"))],
    )
    line = po.lines.get()

    def receive_and_invoice():
        nonlocal invoice_no
        invoice_no += 1
        receipt = services.receive_purchase_order(
            purchase_order=po, date=day, actor=None, lines=[services.ReceiptLineInput(po_line=line, quantity=D(2))]
        )
        services.post_vendor_invoice(
            vendor=vendor,
            purchase_order=po,
            number=f"B-{invoice_no}",
            date=day,
            actor=None,
            freight=D("1.00"),
            lines=[services.InvoiceLineInput(po_line=line, quantity=D(2), amount=D("6.50"))],
        )
        return receipt

    lot = receive_and_invoice().lines.get().lot

    def page_queries() -> tuple[int, int, float]:
        with CaptureQueriesContext(connection) as ctx:
            start = time.perf_counter()
            assert client.get(f"/lots/{lot.pk}/").status_code == 200
            ms = (time.perf_counter() - start) * 1000
        html = len(ctx.captured_queries)
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(f"/api/v1/lots/{lot.pk}/", HTTP_ACCEPT="application/json").status_code == 200
        return html, len(ctx.captured_queries), ms

    page_1 = page_queries()
    for _ in range(19):
        receive_and_invoice()
    page_20 = page_queries()

    r_med, r_p95, r_max = summary(receive_ms)
    figures = {
        "lines": args.lines,
        "repeat": args.repeat,
        "receive_ms_median": round(r_med, 1),
        "receive_ms_p95": round(r_p95, 1),
        "receive_ms_max": round(r_max, 1),
        "receive_ms_per_line": round(r_med / args.lines, 3),
        "receive_queries": queries[0],
        "invoice_ms_median": round(summary(invoice_ms)[0], 1),
        "close_ms_median": round(summary(close_ms)[0], 1),
        "lot_page_queries_1_receipt": page_1[0],
        "lot_page_queries_20_receipts": page_20[0],
        "lot_api_queries_1_receipt": page_1[1],
        "lot_api_queries_20_receipts": page_20[1],
        "lot_page_ms_20_receipts": round(page_20[2], 1),
    }
    print(f"Receiving a {args.lines}-line PO through purchasing.services ({args.repeat} runs)")
    print(
        f"  receive: median {r_med:8.1f} ms  p95 {r_p95:8.1f} ms  max {r_max:8.1f} ms "
        f"({figures['receive_ms_per_line']} ms/line, {queries[0]} queries)"
    )
    print(f"  invoice with freight over all lines: median {figures['invoice_ms_median']:8.1f} ms")
    print(f"  close (re-cost {args.lines} lots):       median {figures['close_ms_median']:8.1f} ms")
    print("Purchase lot page queries   1 receipt+invoice   20 receipts+invoices")
    print(f"  HTML /lots/<id>/          {page_1[0]:>17}   {page_20[0]:>20}")
    print(f"  API /api/v1/lots/<id>/    {page_1[1]:>17}   {page_20[1]:>20}")
    print(json.dumps(figures))


if __name__ == "__main__":
    main()
