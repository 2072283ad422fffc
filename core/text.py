"""Free text as it is stored (names, descriptions, reasons, memos): the one cleaning every door
applies (forms, API fields, admin, services).

Unicode bidirectional controls are dropped: embeddings and overrides (U+202A–U+202E), isolates
(U+2066–U+2069) and the invisible direction marks (U+200E, U+200F, U+061C). They change how the
text around them is displayed without being visible themselves ("Trojan Source"): a reason or a
name could read differently on screen than what it says, and text copied from a page would not
be what is stored. Surrounding whitespace is stripped too.
"""

from __future__ import annotations

BIDI_CONTROLS = (
    "\u202a\u202b\u202c\u202d\u202e"  # LRE, RLE, PDF, LRO, RLO
    "\u2066\u2067\u2068\u2069"  # LRI, RLI, FSI, PDI
    "\u200e\u200f\u061c"  # LRM, RLM, ALM
)
_DROP = dict.fromkeys(map(ord, BIDI_CONTROLS))


def clean_text(value) -> str:
    """``value`` without bidirectional controls and surrounding whitespace ("" for None)."""
    if value is None:
        return ""
    return str(value).translate(_DROP).strip()


def has_bidi_controls(value) -> bool:
    return isinstance(value, str) and any(c in value for c in BIDI_CONTROLS)
