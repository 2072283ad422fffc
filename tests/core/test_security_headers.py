"""Security: CSP without inline script, login throttling, cookies/HSTS with DEBUG off, login
required everywhere."""

import pytest
from django.test import override_settings


def test_pages_carry_a_strict_content_security_policy(viewer_client, office):
    response = viewer_client.get("/lots/")
    policy = response["Content-Security-Policy"]
    assert "default-src 'self'" in policy
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy
    assert b"<script>" not in response.content  # no inline scripts on our pages
    assert response["X-Frame-Options"] == "DENY"
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize("url", ["/", "/lots/", "/usage/", "/adjustments/new/", "/lots/export.csv", "/admin/"])
def test_every_page_needs_login(client, db, url):
    response = client.get(url)
    assert response.status_code == 302
    assert "/login/" in response["Location"]


def test_api_needs_authentication(client, db):
    response = client.get("/api/v1/lots/")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


@override_settings(AXES_ENABLED=True, AXES_FAILURE_LIMIT=3)
def test_login_is_throttled_after_repeated_failures(client, viewer):
    for _ in range(3):
        response = client.post("/login/", {"username": viewer.username, "password": "wrong"})
    assert response.status_code == 429
    assert b"Too many failed log-in attempts" in response.content
    # even the right password is refused while locked out
    response = client.post("/login/", {"username": viewer.username, "password": "pw-Secret-123"})
    assert response.status_code == 429


@override_settings(AXES_ENABLED=True)
def test_good_login_still_works_with_throttling(client, viewer):
    response = client.post("/login/", {"username": viewer.username, "password": "pw-Secret-123"})
    assert response.status_code == 302


def test_production_settings_are_secure(monkeypatch):
    """With DEBUG off and no overrides, cookies are Secure and HSTS is on (settings reloaded)."""
    import importlib

    import lotledger.settings as settings_module

    for name in ("DEBUG", "SECURE_COOKIES", "SECURE_HSTS_SECONDS"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("DATABASE_URL", "postgres://u@localhost/x")
    monkeypatch.setenv("SECRET_KEY", "x" * 60)
    fresh = importlib.reload(settings_module)
    try:
        assert fresh.DEBUG is False
        assert fresh.SESSION_COOKIE_SECURE and fresh.CSRF_COOKIE_SECURE and fresh.SESSION_COOKIE_HTTPONLY
        assert fresh.SECURE_HSTS_SECONDS >= 31536000 and fresh.SECURE_HSTS_INCLUDE_SUBDOMAINS
    finally:
        monkeypatch.undo()
        importlib.reload(settings_module)
