from django.utils.functional import SimpleLazyObject

from .scope import scope_for


def scope(request):
    """``scope`` (read when a template first uses it) and ``can_see_costs``: templates leave money
    out without "see costs" and the header shows the user's offices (DOMAIN.md section 11)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "scope": SimpleLazyObject(lambda: scope_for(user)),
        "can_see_costs": user.has_perm("inventory_lots.see_costs"),
    }
