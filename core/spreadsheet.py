"""CSV/spreadsheet safety shared by every export: a text cell that a spreadsheet would run as a
formula (it starts with =, +, -, @, tab or carriage return) is prefixed with ' (API.md). Only
text cells go through this; numbers stay numbers."""

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
FORMULA_REGEX = r"^[-=+@\t\r]"  # the same rule for exports formatted in SQL


def safe_text(value) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_START) else text
