"""Page lists without counting them: LazyPaginator (no ``COUNT(*)`` on million-row lists) with a
capped ``per_page``, so ``?per_page=1000000`` cannot read a million rows into one page. The page
shows "Page N" with first/previous/next, and says when it is the last page (templates/django_tables2/
lotledger.html); a total page count would need the count the lists are built to avoid."""

from __future__ import annotations

from django_tables2 import LazyPaginator

PER_PAGE = 50
MAX_PER_PAGE = 500


def capped_per_page(value) -> int:
    """A requested page size as the lists use it: 1 to MAX_PER_PAGE, PER_PAGE when not a number."""
    try:
        number = int(value)
    except (TypeError, ValueError):
        return PER_PAGE
    return max(1, min(number, MAX_PER_PAGE))


class CappedLazyPaginator(LazyPaginator):
    def __init__(self, object_list, per_page, **kwargs):
        super().__init__(object_list, capped_per_page(per_page), **kwargs)


TABLE_PAGINATION = {"per_page": PER_PAGE, "paginator_class": CappedLazyPaginator}
