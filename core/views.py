from django.contrib.auth.decorators import permission_required
from django.contrib.contenttypes.models import ContentType
from django.http import Http404
from django.shortcuts import redirect

from core import roles


@permission_required(roles.VIEW, raise_exception=True)
def goto(request, content_type_id: int, object_id: int, limit=None):
    """Go-To link of a generic target (a lot's transaction or parent order, a usage's source).
    ``limit(request, queryset)`` (given by the URL configuration: the office scope lives in a
    higher layer) narrows the records to those the user may see, so another office's record is a
    404 here too, not a redirect that confirms it exists."""
    try:
        model = ContentType.objects.get_for_id(content_type_id).model_class()
        records = model._default_manager.all()
        obj = (limit(request, records) if limit else records).get(pk=object_id)
        url = obj.get_absolute_url()
    except Exception as exc:  # noqa: BLE001 - unknown type, missing row or no page: 404
        raise Http404("That record has no page.") from exc
    return redirect(url)
