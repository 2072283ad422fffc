"""Role permissions for the API (DOMAIN.md section 8).

Reads need the viewer permission (or the view's ``read_permission``, e.g. exports); writes need
the view's ``write_permission`` (a role permission from core.roles), master data the model's
add (POST) or change (PATCH) permission, which only administrators hold. A viewer's POST gets 403.
"""

from rest_framework import permissions

from core import roles


class RolePermission(permissions.BasePermission):
    message = "You do not have permission to perform this action."

    def has_permission(self, request, view) -> bool:
        user = request.user
        if not (user and user.is_authenticated):
            return False
        if request.method in permissions.SAFE_METHODS:
            return user.has_perm(getattr(view, "read_permission", roles.VIEW))
        needed = getattr(view, "write_permission", None)
        if needed is None:  # master data: administrators (the role holds every model permission)
            model = getattr(getattr(view, "queryset", None), "model", None)
            if model is None:
                return user.is_superuser
            action = "change" if request.method in ("PUT", "PATCH") else "add"  # both the Administrator's
            return user.has_perm(f"{model._meta.app_label}.{action}_{model._meta.model_name}")
        return user.has_perm(needed)
