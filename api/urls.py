from django.urls import path
from drf_spectacular.views import SpectacularAPIView

from .docs import ApiDocsView

# /api/v1/ (every app's endpoints) is wired by lotledger/urls.py; here the schema and its page.
urlpatterns = [
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", ApiDocsView.as_view(url_name="schema"), name="api-docs"),  # no inline JS (CSP); 401: a login link
]
