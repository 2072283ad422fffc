"""One error vocabulary for every door (form, admin, API, command).

Services raise DomainError (or a subclass); each door maps it once: form.add_error(field,
message), ModelAdmin.message_user(..., ERROR), the API's 400/409 body, CommandError.
"""

from __future__ import annotations


class DomainError(Exception):
    """A refused domain operation. ``code`` is stable snake_case; ``message`` is for humans."""

    status = 400

    def __init__(self, code: str, message: str, field: str | None = None, errors: dict | None = None):
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field
        self.errors = errors or ({field: [message]} if field else {})

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DomainError):
    """Bad input (400)."""


class StateConflict(DomainError):
    """The record's state forbids the operation (409): closed PO, released twice, ..."""

    status = 409


class NotPermitted(DomainError):
    """The user's role may not do this (403): e.g. overriding a limit only accountants may override.
    Doors admit by role; a service raises this where the rule depends on what is asked."""

    status = 403
