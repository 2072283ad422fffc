from django.contrib.auth.middleware import LoginRequiredMiddleware as DjangoLoginRequired


class LoginRequiredMiddleware(DjangoLoginRequired):
    """Every page needs login. The API answers 401/403 itself (DRF), so it is not redirected."""

    def process_view(self, request, view_func, view_args, view_kwargs):
        if request.path_info.startswith("/api/"):
            return None
        return super().process_view(request, view_func, view_args, view_kwargs)


class RejectNulBytesMiddleware:
    """PostgreSQL text cannot hold NUL (0x00): a URL or query string carrying one is refused
    with 400 here instead of failing deep in a query (any door: pages, filters, API)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from urllib.parse import unquote

        raw = request.META.get("QUERY_STRING", "")
        if "\x00" in request.path or "\x00" in unquote(raw) or "%00" in raw.lower():
            from django.http import HttpResponseBadRequest

            return HttpResponseBadRequest("NUL bytes are not allowed in URLs.", content_type="text/plain")
        return self.get_response(request)
