"""This app's API endpoints (routed under /api/v1/ by api/urls.py)."""

urlpatterns: list = []
