"""French filters: exact strings, spaces included (U+202F thousands, U+00A0 before units)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from cctp_builder.render import make_environment
from cctp_builder.render.filters import (
    FILTERS,
    ACompleter,
    FiltreInvalide,
    ac,
    date_fr,
    date_heure_fr,
    duree_mois,
    duree_semaines,
    euros,
    libelle,
    liste_fr,
    montant,
    montant_lettres,
    montant_ttc,
    nombre,
    nombre_lettres,
    pourcentage,
)

NNBSP, NBSP = "\u202f", "\u00a0"


@pytest.mark.parametrize("value, expected", [
    (date(2026, 4, 6), "6 avril 2026"),
    (date(2026, 4, 1), "1er avril 2026"),
    (datetime(2026, 12, 25, 9, 30), "25 décembre 2026"),
    ("2026-08-15", "15 août 2026"),
])
def test_date_fr(value, expected):
    assert date_fr(value) == expected


def test_date_heure_fr():
    assert date_heure_fr(datetime(2026, 4, 6, 12, 0)) == "6 avril 2026 à 12 h 00"
    assert date_heure_fr(datetime(2026, 4, 1, 9, 5)) == "1er avril 2026 à 9 h 05"
    with pytest.raises(FiltreInvalide):
        date_heure_fr(date(2026, 4, 6))


@pytest.mark.parametrize("value", [Decimal("62000"), 62000, 62000.0, Decimal("62000.00")])
def test_montant(value):
    assert montant(value) == f"62{NNBSP}000,00{NBSP}€{NBSP}HT"
    assert montant_ttc(value) == f"62{NNBSP}000,00{NBSP}€{NBSP}TTC"
    assert euros(value) == f"62{NNBSP}000,00{NBSP}€"


def test_montant_rounding_and_millions():
    assert euros(Decimal("1234567.891")) == f"1{NNBSP}234{NNBSP}567,89{NBSP}€"
    assert euros(Decimal("0.5")) == f"0,50{NBSP}€"


@pytest.mark.parametrize("value, expected", [
    (Decimal("62000"), "soixante-deux mille euros"),
    (Decimal("62000.50"), "soixante-deux mille euros et cinquante centimes"),
    (1, "un euro"),
    (Decimal("1.01"), "un euro et un centime"),
    (Decimal("0.80"), "quatre-vingts centimes"),
    (80, "quatre-vingts euros"),
    (1000000, "un million d'euros"),
    (2000000, "deux millions d'euros"),
    (71, "soixante et onze euros"),
])
def test_montant_lettres(value, expected):
    assert montant_lettres(value) == expected


def test_nombre_lettres_and_nombre():
    assert nombre_lettres(62000) == "soixante-deux mille"
    assert nombre_lettres(Decimal("21")) == "vingt et un"
    assert nombre(Decimal("1234.5")) == f"1{NNBSP}234,5"
    assert nombre(2, 2) == "2,00"


@pytest.mark.parametrize("func, value, expected", [
    (duree_semaines, 1, "1 semaine"),
    (duree_semaines, 6, "6 semaines"),
    (duree_semaines, Decimal("1.5"), "1,5 semaine"),
    (duree_mois, 1, "1 mois"),
    (duree_mois, 3, "3 mois"),
    (pourcentage, 60, f"60{NBSP}%"),
    (pourcentage, Decimal("12.5"), f"12,5{NBSP}%"),
    (pourcentage, Decimal("12.50"), f"12,5{NBSP}%"),
])
def test_units(func, value, expected):
    assert func(value) == expected


@pytest.mark.parametrize("value", [None, "", "   ", [], ()])
def test_ac_marker(value):
    result = ac(value, "date de remise")
    assert result == "[À compléter\u00a0: date de remise]"
    assert isinstance(result, ACompleter)


@pytest.mark.parametrize("value", [0, "x", ["a"], Decimal("0")])
def test_ac_keeps_value(value):
    assert ac(value, "libellé") is value


def test_marker_passes_through_other_filters():
    marker = ac(None, "montant")
    assert montant(marker) == "[À compléter\u00a0: montant]"
    assert date_fr(marker) == "[À compléter\u00a0: montant]"


@pytest.mark.parametrize("name", sorted(set(FILTERS) - {"ac"}))
def test_none_is_refused_with_a_french_message(name):
    with pytest.raises(FiltreInvalide, match="valeur vide"):
        FILTERS[name](None)


def test_bad_values_are_refused():
    with pytest.raises(FiltreInvalide):
        montant("beaucoup")
    with pytest.raises(FiltreInvalide):
        montant(True)
    with pytest.raises(FiltreInvalide):
        date_fr("demain")


def test_liste_fr():
    assert liste_fr(["a", "b", "c"]) == "a, b et c"
    assert liste_fr(["a", "b"]) == "a et b"
    assert liste_fr(["a"]) == "a"
    assert liste_fr([]) == ""
    assert liste_fr(["a", "b"], "ou") == "a ou b"


def test_libelle():
    assert libelle("mapa") == "procédure adaptée"
    assert libelle("code_inconnu") == "code_inconnu"


def test_filters_in_environment():
    env = make_environment()
    out = env.from_string(
        '{{ m | montant }}|{{ d | date_fr }}|{{ x | ac("réf") | montant }}|{{ n }}').render(
        m=Decimal("62000"), d=date(2026, 4, 1), x=None, n=None)
    assert out == (f"62{NNBSP}000,00{NBSP}€{NBSP}HT|1er avril 2026|"
                   "[À compléter\u00a0: réf]|[À compléter]")
