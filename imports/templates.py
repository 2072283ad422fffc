"""The downloadable template of each kind of import: the header row (CSV), or the header row and a
Help sheet describing every column (xlsx)."""

from __future__ import annotations

from . import formats
from .kinds import COLUMNS


def template_bytes(kind: str, fmt: str) -> bytes:
    columns = COLUMNS[kind]
    header = [c.name for c in columns]
    if fmt == "xlsx":
        help_rows = [("column", "required", "what it holds", "example")] + [
            (c.name, "yes" if c.required else "no", c.help, c.example) for c in columns
        ]
        return formats.xlsx_bytes(header, [], title=kind, help_rows=help_rows)
    return formats.csv_bytes(header, [])
