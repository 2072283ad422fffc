"""Shared request bodies for failure tests."""


def adjustment_post(**extra):
    data = {
        "office": "HQ",
        "date": "2026-03-01",
        "reason": "count",
        "lines-TOTAL_FORMS": "1",
        "lines-INITIAL_FORMS": "0",
        "lines-MIN_NUM_FORMS": "1",
        "lines-MAX_NUM_FORMS": "1000",
        "lines-0-lic": "WIDGET",
        "lines-0-quantity": "5",
        "lines-0-unit_cost": "2.00",
    }
    data.update(extra)
    return data
