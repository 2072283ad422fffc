from core import roles as role_perms


def roles(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {
        "can_view": user.has_perm(role_perms.VIEW),  # no role: no menu (every page would answer 403)
        "can_post_stock": user.has_perm(role_perms.POST_STOCK),
        "can_post_production": user.has_perm(role_perms.POST_PRODUCTION),
        "can_post_accounting": user.has_perm(role_perms.POST_ACCOUNTING),
        "can_export": user.has_perm(role_perms.EXPORT),
    }
