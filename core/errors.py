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


class OfficeNotPermitted(NotPermitted):
    """Posting in an office the user may only view, or may not see (DOMAIN.md section 11). Pages
    answer it with 403 instead of showing it on the form (core.forms.add_domain_error)."""


def line_error(exc: DomainError, index: int) -> DomainError:
    """A line's error re-keyed as ``lines[i].field`` (``lines[i].non_field`` when it names no field)
    with "Line i+1: " before its message, so every door can point at the line. An error already
    keyed to a line (a rule across lines names the line itself) is returned as it is."""
    if exc.field and exc.field.startswith("lines["):
        return exc
    key = f"lines[{index}].{exc.field or 'non_field'}"
    return type(exc)(exc.code, f"Line {index + 1}: {exc.message}", field=key)
