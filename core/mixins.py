from django.contrib.auth.mixins import PermissionRequiredMixin

from core import roles


class ViewerRequiredMixin(PermissionRequiredMixin):
    """Every page needs the viewer permission (login alone is not enough)."""

    permission_required = roles.VIEW
    raise_exception = True
