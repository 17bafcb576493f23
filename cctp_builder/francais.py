"""French formatting shared by every layer (rules messages, CLI, template filters): dates and
amounts as the French administration writes them, through babel (locale fr_FR)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from babel.dates import format_date
from babel.numbers import format_decimal

LOCALE = "fr_FR"
NBSP = "\u00a0"
"""No-break space: before « : ; ! ? », inside « », between a number and its unit."""
NNBSP = "\u202f"
"""Narrow no-break space: babel's thousands separator in fr_FR."""


def date_fr(d: dt.date) -> str:
    """« 1er avril 2026 », « 21 août 2026 »."""
    jour = "1er" if d.day == 1 else str(d.day)
    return f"{jour} {format_date(d, 'MMMM y', locale=LOCALE)}"


def montant_fr(m: Decimal | int | float, unite: str = "€ HT") -> str:
    """« 216 000 € HT », « 39 999,99 € HT »: no cents on round amounts (thresholds),
    a narrow no-break space between thousands, a no-break space before the unit."""
    q = Decimal(str(m)) if isinstance(m, float) else Decimal(m)
    motif = "#,##0" if q == q.to_integral_value() else "#,##0.00"
    texte = format_decimal(q, format=motif, locale=LOCALE, decimal_quantization=True)
    return f"{texte}{NBSP}{unite}" if unite else texte
