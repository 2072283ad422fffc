"""Master-data codes (office, LIC, vendor, customer): one character set, unique ignoring case, and
one rule for finding a record by its code, used by every door (page forms, list filters, API
fields and URLs, the admin, commands).

- A code holds letters, digits, ``.``, ``_`` and ``-`` only (a model validator on each ``code``
  field, and a PostgreSQL CHECK constraint behind it).
- Codes are unique ignoring case: ``HQ`` and ``hq`` cannot both exist (a PostgreSQL unique index
  on ``UPPER(code)``), so matching case-insensitively always finds at most one record.
- ``by_code`` is that match: ``widget``, ``WIDGET`` and `` Widget `` all find ``WIDGET``.

Domain-free: the helpers take any queryset or model with a ``code`` field.
"""

from __future__ import annotations

import re

from django.core.validators import RegexValidator
from django.db import models

CODE_REGEX = r"^[A-Za-z0-9._-]+\Z"
CODE_CHECK_REGEX = r"^[A-Za-z0-9._-]+$"  # the same set, as PostgreSQL's ``~`` reads it (no \Z there)
MSG_CODE_CHARS = "A code may contain only letters (A-Z), digits, “.”, “_” and “-”: no spaces or other characters."

validate_code = RegexValidator(CODE_REGEX, message=MSG_CODE_CHARS, code="invalid_code")
_CODE = re.compile(CODE_REGEX)


def clean_code(value) -> str | None:
    """The code as typed, without surrounding whitespace; None when it cannot be a code at all: not
    text, or outside the character set. That also keeps out what PostgreSQL's UPPER() would fold
    onto a real code ("wıdget" with a dotless ı, "ſ" for "S") and NULs, which it cannot compare."""
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not _CODE.match(value):
        return None
    return value


def by_code(queryset: models.QuerySet, code) -> models.Model | None:
    """The record of ``queryset`` whose code is ``code`` ignoring case, or None. The one lookup of
    master data by code (``code__iexact`` is ``UPPER(code) = UPPER(%s)``, served by the unique
    index on ``UPPER(code)``)."""
    code = clean_code(code)
    if code is None:
        return None
    return queryset.filter(code__iexact=code).first()


def code_taken_message(model: type[models.Model], taken_by: str) -> str:
    """The refusal of a code that differs only by case (or not at all) from an existing one."""
    return (
        f"The {model._meta.verbose_name} “{taken_by}” already has this code: codes are unique "
        "ignoring upper and lower case."
    )


def code_in_use(model: type[models.Model], code: str, *, exclude_pk=None) -> models.Model | None:
    """The other record of ``model`` holding ``code`` ignoring case (for a clear refusal before the
    unique index would refuse the write)."""
    queryset = model._default_manager.all()
    if exclude_pk is not None:
        queryset = queryset.exclude(pk=exclude_pk)
    return by_code(queryset, code)


def code_constraints(model_name: str, app_label: str, verbose_name: str) -> list[models.BaseConstraint]:
    """The two constraints every master-data model's ``code`` carries: unique ignoring case, and
    the character set. Names follow ``<app>_<model>_<rule>``."""
    from django.db.models import Q
    from django.db.models.functions import Upper

    return [
        models.UniqueConstraint(
            Upper("code"),
            name=f"{app_label}_{model_name}_code_unique_ci",
            violation_error_message=f"Another {verbose_name} already has this code: codes are unique ignoring "
            "upper and lower case.",
        ),
        models.CheckConstraint(
            condition=Q(code__regex=CODE_CHECK_REGEX),
            name=f"{app_label}_{model_name}_code_chars",
            violation_error_message=MSG_CODE_CHARS,
        ),
    ]


# --- migrations: refuse to add the constraints over data that breaks them ------------------------


def check_codes_fit(schema_editor, table: str, label: str) -> None:
    """Called by the migration that adds the constraints, before adding them: existing codes that
    differ only by case, or hold other characters, stop the migration with a list of them (rename
    them in the admin, then migrate again). Nothing is renamed automatically: a code is printed on
    documents and exports, and only a person can tell which of two twins should change."""
    quoted = schema_editor.quote_name(table)
    with schema_editor.connection.cursor() as cursor:
        cursor.execute(
            f"SELECT string_agg(code, ', ' ORDER BY code) FROM {quoted} "  # noqa: S608 - table from the migration
            "GROUP BY UPPER(code) HAVING COUNT(*) > 1 ORDER BY UPPER(code)"
        )
        twins = [row[0] for row in cursor.fetchall()]
        cursor.execute(f"SELECT code FROM {quoted} WHERE code !~ %s ORDER BY code", [CODE_CHECK_REGEX])  # noqa: S608
        bad = [row[0] for row in cursor.fetchall()]
    problems = []
    if twins:
        problems.append(f"{label} codes that differ only by upper/lower case: " + "; ".join(twins))
    if bad:
        problems.append(
            f"{label} codes with characters other than letters, digits, “.”, “_” and “-”: "
            + ", ".join(repr(c) for c in bad)
        )
    if problems:
        raise RuntimeError(
            "Cannot make codes unique ignoring case yet. "
            + " | ".join(problems)
            + ". Rename these records in the admin (one code per record), then run migrate again."
        )
