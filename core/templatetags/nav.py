"""Navigation entries of the apps (Purchasing, Production, COGS) that have pages so far."""

from django import template
from django.urls import NoReverseMatch, reverse

register = template.Library()

NAV = [
    ("Purchasing", "purchasing:po_list"),
    ("Orders", "orders:order_list"),
    ("Production", "production:production_order_list"),
    ("COGS", "cogs:run_list"),
    ("Reports", "reports:index"),
    ("Count", "inventory_lots:count_sheet"),
    ("Lock date", "inventory_lots:lock_date"),
    ("Master data", "master_data:list", {"kind": "lics"}),
]


@register.simple_tag
def nav_links():
    links = []
    for label, name, *kwargs in NAV:
        try:
            links.append((label, reverse(name, kwargs=kwargs[0] if kwargs else None)))
        except NoReverseMatch:
            continue
    return links
