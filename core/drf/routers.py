"""The router of the apps' viewsets (``<app>/api.py``)."""

from __future__ import annotations

from rest_framework.routers import DefaultRouter


def api_router() -> DefaultRouter:
    """Trailing slashes and format suffixes (``/lots/1.json``) as DRF's DefaultRouter, without its
    root view: ``GET /api/v1/`` is api.root, which lists every endpoint, not only the routers'.
    The project's URL configuration routes each app's router after every app's fixed paths."""
    router = DefaultRouter(trailing_slash=True)
    router.include_root_view = False
    return router
