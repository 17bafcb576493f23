"""French filters of the templates (babel for numbers and months, num2words for words).

Every filter refuses ``None`` with a clear French error except ``ac``, which turns an
empty value into the marker "[À compléter : libellé]". The marker is a ``ACompleter``
string: the other filters pass it through unchanged, so ``x | ac("…") | montant`` works.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from functools import lru_cache
from typing import Any

from babel import Locale
from babel.numbers import format_currency, format_decimal
from jinja2 import Undefined
from num2words import num2words

from .. import francais
from ..errors import CctpError

LOCALE = Locale.parse(francais.LOCALE)
NBSP = francais.NBSP
MARQUEUR = "À compléter"


class FiltreInvalide(CctpError, ValueError):
    """A filter received a value it cannot format (French message)."""


class ACompleter(str):
    """The marker "[À compléter : …]" (highlighted in the rendered document)."""


def marqueur(libelle: str | None = None) -> ACompleter:
    return ACompleter(f"[{MARQUEUR}{NBSP}: {libelle}]" if libelle else f"[{MARQUEUR}]")


def _passthrough(func: Callable[..., str]) -> Callable[..., str]:
    """Let a marker through; refuse None and undefined values with a French message."""
    name = func.__name__

    def wrapper(value: Any, *args: Any, **kwargs: Any) -> str:
        if isinstance(value, ACompleter):
            return value
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
        if value is None:
            raise FiltreInvalide(
                f"le filtre « {name} » a reçu une valeur vide ; "
                f"écrire « valeur | ac(\"libellé\") | {name} »")
        try:
            return func(value, *args, **kwargs)
        except FiltreInvalide:
            raise
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise FiltreInvalide(
                f"le filtre « {name} » ne sait pas mettre en forme {value!r}") from exc

    wrapper.__name__ = name
    wrapper.__doc__ = func.__doc__
    return wrapper


def _decimal(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise FiltreInvalide(f"nombre attendu, reçu {value!r}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            return Decimal(value.strip().replace(",", ".").replace(" ", ""))
        except InvalidOperation as exc:
            raise FiltreInvalide(f"nombre attendu, reçu {value!r}") from exc
    raise FiltreInvalide(f"nombre attendu, reçu {value!r}")


def _date(value: Any) -> date:
    if isinstance(value, (date, datetime)):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value) if "T" in value else date.fromisoformat(value)
        except ValueError as exc:
            raise FiltreInvalide(f"date attendue (AAAA-MM-JJ), reçu {value!r}") from exc
    raise FiltreInvalide(f"date attendue, reçu {value!r}")


@_passthrough
def date_fr(value: Any) -> str:
    """6 avril 2026; 1er avril 2026."""
    return francais.date_fr(_date(value))


@_passthrough
def date_heure_fr(value: Any) -> str:
    """6 avril 2026 à 12 h 00."""
    d = _date(value)
    if not isinstance(d, datetime):
        raise FiltreInvalide(f"date et heure attendues, reçu la date seule {value!r}")
    return f"{date_fr(d)} à {d.hour} h {d.minute:02d}"


@_passthrough
def nombre(value: Any, decimales: int | None = None) -> str:
    """French decimal formatting: 1 234,5 (narrow no-break space between thousands)."""
    v = _decimal(value)
    if decimales is None:
        return format_decimal(v, locale=LOCALE)
    pattern = "#,##0" + ("." + "0" * decimales if decimales else "")
    return format_decimal(v, format=pattern, locale=LOCALE, decimal_quantization=True)


@_passthrough
def euros(value: Any) -> str:
    """62 000,00 €."""
    return _currency(_decimal(value))


@lru_cache(maxsize=4096)
def _currency(value: Decimal) -> str:
    return format_currency(value, "EUR", locale=LOCALE)


@_passthrough
def montant(value: Any) -> str:
    """62 000,00 € HT."""
    return f"{euros(value)}{NBSP}HT"


@_passthrough
def montant_ttc(value: Any) -> str:
    """62 000,00 € TTC."""
    return f"{euros(value)}{NBSP}TTC"


@lru_cache(maxsize=4096)
def _lettres_entier(n: int) -> str:
    return num2words(n, lang="fr")


@_passthrough
def montant_lettres(value: Any) -> str:
    """soixante-deux mille euros; … euros et cinquante centimes; un million d'euros."""
    v = _decimal(value).quantize(Decimal("0.01"))
    if v < 0:
        raise FiltreInvalide(f"montant négatif {value!r}")
    entiers, centimes = int(v), int((v - int(v)) * 100)
    if entiers == 0 and centimes:
        partie = ""
    else:
        mots = _lettres_entier(entiers)
        if mots.endswith(("million", "millions", "milliard", "milliards")):
            unite = " d'euros"
        else:
            unite = " euro" if entiers <= 1 else " euros"
        partie = mots + unite
    if centimes:
        cts = f"{_lettres_entier(centimes)} centime{'s' if centimes > 1 else ''}"
        return f"{partie} et {cts}" if partie else cts
    return partie


@_passthrough
def nombre_lettres(value: Any) -> str:
    """62000 → soixante-deux mille (num2words, French)."""
    v = _decimal(value)
    return num2words(int(v) if v == int(v) else v, lang="fr")


def _unite(value: Any, singulier: str, pluriel: str) -> str:
    v = _decimal(value)
    texte = format_decimal(v, locale=LOCALE)
    return f"{texte} {singulier if abs(v) < 2 else pluriel}"


@_passthrough
def duree_semaines(value: Any) -> str:
    """1 semaine; 6 semaines."""
    return _unite(value, "semaine", "semaines")


@_passthrough
def duree_mois(value: Any) -> str:
    """1 mois; 3 mois."""
    return _unite(value, "mois", "mois")


@_passthrough
def pourcentage(value: Any) -> str:
    """60 %; 12,5 % (the value is already a percentage)."""
    return f"{format_decimal(_decimal(value), locale=LOCALE)}{NBSP}%"


def ac(value: Any, libelle: str = "") -> Any:
    """The value, or the marker "[À compléter : libellé]" when it is None, "" or empty."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if value is None or (isinstance(value, (str, list, tuple, dict, set)) and not value):
        return marqueur(libelle)
    if isinstance(value, str) and not value.strip():
        return marqueur(libelle)
    return value


@_passthrough
def liste_fr(value: Iterable[Any], conjonction: str = "et") -> str:
    """["a", "b", "c"] → "a, b et c"."""
    if isinstance(value, str):
        return value
    items = [str(v) for v in value]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjonction} {items[-1]}"


@_passthrough
def libelle(value: Any) -> str:
    """Code → French label (``cctp_builder.models.libelles.LIBELLES``), else the code."""
    from ..models.libelles import LIBELLES

    code = value.value if isinstance(value, Enum) else value
    return LIBELLES.get(str(code), str(code))


FILTERS: dict[str, Callable[..., Any]] = {
    "ac": ac,
    "date_fr": date_fr,
    "date_heure_fr": date_heure_fr,
    "duree_mois": duree_mois,
    "duree_semaines": duree_semaines,
    "euros": euros,
    "libelle": libelle,
    "liste_fr": liste_fr,
    "montant": montant,
    "montant_lettres": montant_lettres,
    "montant_ttc": montant_ttc,
    "nombre": nombre,
    "nombre_lettres": nombre_lettres,
    "pourcentage": pourcentage,
}
