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
    ("Lock date", "inventory_lots:lock_date"),
]


@register.simple_tag
def nav_links():
    links = []
    for label, name in NAV:
        try:
            links.append((label, reverse(name)))
        except NoReverseMatch:
            continue
    return links
