"""The API reference page (drf-spectacular's split Swagger view: no inline script, CSP). Without
login it answers 401 with a page that links to the login form, not DRF's JSON error body."""

from __future__ import annotations

from django.shortcuts import render
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.exceptions import AuthenticationFailed, NotAuthenticated


class ApiDocsView(SpectacularSwaggerSplitView):
    def handle_exception(self, exc):
        if isinstance(exc, (NotAuthenticated, AuthenticationFailed)):
            return render(self.request, "401_api_docs.html", status=401)
        return super().handle_exception(exc)
