"""Post once: a double-submitted form or a retried API request carrying the same idempotency
key is answered with the first submission's result and writes nothing more.

- Forms carry a hidden ``idempotency_key`` (``{% idempotency_field %}``, a fresh key per page);
- API clients send an ``Idempotency-Key`` header.

The middleware claims the key (INSERT … ON CONFLICT DO NOTHING) in the same transaction as the
view, so a concurrent duplicate waits for the first to commit and then replays it. A refused
submission (anything but a redirect for forms, anything but 2xx for the API) rolls the claim back
with everything else, so the corrected form can be sent again with the same key.
"""

from __future__ import annotations

import hashlib
import uuid

from django.contrib import messages
from django.db import connection, transaction
from django.http import HttpResponse, HttpResponseRedirect, JsonResponse

from .models import IdempotencyKey

FORM_FIELD = "idempotency_key"
HEADER = "HTTP_IDEMPOTENCY_KEY"
ALREADY_POSTED = "This form was already submitted: showing what it posted (nothing was posted twice)."


def new_key() -> str:
    return uuid.uuid4().hex


def _user_id(request, is_api: bool) -> int | None:
    """The session user, or for the API the owner of the ``Authorization: Token`` (DRF itself
    authenticates later, inside the view; an unknown token simply gets no idempotency)."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return user.pk
    auth = request.META.get("HTTP_AUTHORIZATION", "")
    if is_api and auth.startswith("Token "):
        from rest_framework.authtoken.models import Token

        return Token.objects.filter(key=auth[6:].strip()).values_list("user_id", flat=True).first()
    return None


# Not wrapped: a COGS run started in the request runs many transactions of its own (one per
# chunk); holding them all in one would keep every LIC locked until the run ends.
EXEMPT_PREFIXES = ("/api/v1/cogs-runs/", "/cogs/runs/")
MISMATCH = "This idempotency key was already used for a different request."


def _fingerprint(request, is_api: bool) -> str:
    """What the key stands for: the method, the path and (API) the body, or (forms) the fields
    without the CSRF token and the key itself."""
    digest = hashlib.sha256(f"{request.method} {request.path}".encode())
    if is_api:
        digest.update(request.body)
    else:
        for name in sorted(request.POST):
            if name not in ("csrfmiddlewaretoken", FORM_FIELD):
                digest.update(f"\n{name}={request.POST.getlist(name)!r}".encode())
    return digest.hexdigest()


def _claim(key: str, user_id: int, path: str, fingerprint: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO core_idempotencykey (key, user_id, path, fingerprint, location, content_type) "
            "VALUES (%s, %s, %s, %s, '', '') ON CONFLICT (key) DO NOTHING RETURNING id",
            [key, user_id, path[:300], fingerprint],
        )
        return cursor.fetchone() is not None


class IdempotencyMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.method != "POST" or request.path_info.startswith(EXEMPT_PREFIXES):
            return self.get_response(request)
        is_api = request.path_info.startswith("/api/")
        key = request.META.get(HEADER, "") if is_api else request.POST.get(FORM_FIELD, "")
        key = key.strip()[:64]
        user_id = _user_id(request, is_api)
        if not key or user_id is None:
            return self.get_response(request)
        return self._once(request, f"{user_id}:{key}", user_id, is_api)

    def _once(self, request, key: str, user_id: int, is_api: bool):
        fingerprint = _fingerprint(request, is_api)
        with transaction.atomic():
            if not _claim(key, user_id, request.path, fingerprint):
                return self._replay(request, key, is_api, fingerprint)
            response = self.get_response(request)
            ok = 200 <= response.status_code < 300 if is_api else response.status_code in (301, 302, 303)
            if not ok or getattr(response, "streaming", False):
                transaction.set_rollback(True)
                return response
            IdempotencyKey.objects.filter(key=key).update(
                status_code=response.status_code,
                location=response.get("Location", "")[:500],
                body=bytes(response.content) if is_api else None,
                content_type=response.get("Content-Type", "")[:100],
            )
            return response

    def _replay(self, request, key: str, is_api: bool, fingerprint: str):
        prior = IdempotencyKey.objects.get(key=key)
        if prior.fingerprint and prior.fingerprint != fingerprint:
            if is_api:
                body = {"code": "idempotency_key_mismatch", "message": MISMATCH, "field": None, "errors": {}}
                return JsonResponse(body, status=422)
            messages.error(request, MISMATCH + " Nothing was posted: open the form again.")
            return HttpResponseRedirect(request.path)
        if is_api:
            response = HttpResponse(
                bytes(prior.body or b""),
                status=prior.status_code or 200,
                content_type=prior.content_type or "application/json",
            )
            response["Idempotent-Replayed"] = "true"
            return response
        messages.info(request, ALREADY_POSTED)
        return HttpResponseRedirect(prior.location or "/")
