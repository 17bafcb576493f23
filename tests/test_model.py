"""The project model through the public API: examples, identifiers, cross-field checks."""

from __future__ import annotations

from decimal import Decimal

import pytest
from conftest import DISPENSE, EXEMPLES, MAPA, RICHE, donnees, ecrire

from cctp_builder import Consultation, ProjetInvalide, load_project
from cctp_builder.loader import analyser_projet
from cctp_builder.models.base import cpv_chiffre_controle, luhn_valide


@pytest.mark.parametrize("chemin", EXEMPLES, ids=lambda p: p.stem)
def test_examples_are_valid(chemin):
    projet, resultat = analyser_projet(chemin)
    assert projet is not None, resultat.constats
    assert resultat.erreurs == []


def test_three_examples_cover_three_procedures():
    from cctp_builder.legal import decision_pour

    procedures = {p.stem: decision_pour(load_project(p)).procedure for p in (DISPENSE, MAPA, RICHE)}
    assert procedures == {
        DISPENSE.stem: "dispense", MAPA.stem: "mapa", RICHE.stem: "appel_offres_ouvert"}


def test_estimated_value_is_the_sum_of_all_tranches():
    projet = load_project(RICHE)
    assert projet.valeur_estimee_ht == sum(t.montant_estime_ht for t in projet.tranches)
    assert projet.valeur_estimee_ht == Decimal("246000")


@pytest.mark.parametrize("siret,ok", [
    ("21049990100010", True), ("21049990100011", False), ("2104999010001", False),
    ("35600000000010", True),  # La Poste: sum of digits multiple of 5
])
def test_siret(tmp_path, siret, ok):
    data = donnees()
    data["acheteur"]["siret"] = siret
    projet, resultat = analyser_projet(ecrire(tmp_path, data))
    assert (projet is not None) is ok
    if not ok:
        assert resultat.erreurs[0].chemin == "acheteur.siret"


@pytest.mark.parametrize("insee,ok", [
    ("04999", True), ("2A004", True), ("2B033", True), ("20004", False), ("2C004", False),
    ("4112", False), ("00123", False),
])
def test_insee(tmp_path, insee, ok):
    data = donnees()
    data["acheteur"]["code_insee"] = insee
    projet, _ = analyser_projet(ecrire(tmp_path, data))
    assert (projet is not None) is ok


def test_luhn_and_cpv_helpers():
    assert luhn_valide("21049990100010")
    assert not luhn_valide("21049990100019")
    assert cpv_chiffre_controle("71410000") == 5
    assert cpv_chiffre_controle("45233120") == 6


def _erreurs(tmp_path, data):
    projet, resultat = analyser_projet(ecrire(tmp_path, data))
    return {c.chemin: c.message for c in resultat.erreurs}


def test_weights_must_sum_to_100(tmp_path):
    data = donnees()
    data["criteres"][1]["poids"] = 40
    erreurs = _erreurs(tmp_path, data)
    assert "criteres" in erreurs and "105" in erreurs["criteres"]


def test_sub_criteria_must_sum_to_their_criterion(tmp_path):
    data = donnees()
    data["criteres"][0]["sous_criteres"][0]["poids"] = 10
    erreurs = _erreurs(tmp_path, data)
    assert "criteres.0.sous_criteres" in erreurs


def test_a_price_criterion_is_required(tmp_path):
    data = donnees()
    data["criteres"] = [dict(data["criteres"][0], poids=85), dict(data["criteres"][2])]
    erreurs = _erreurs(tmp_path, data)
    assert any("prix" in m for m in erreurs.values())


def test_dates_in_order(tmp_path):
    data = donnees()
    data["calendrier"]["date_limite_questions"] = "2027-02-01"
    assert "calendrier.date_limite_questions" in _erreurs(tmp_path, data)


def test_declared_total_must_match_tranches(tmp_path):
    data = donnees()
    data["montant_total_ht"] = 250000
    assert "montant_total_ht" in _erreurs(tmp_path, data)


def test_each_phase_in_exactly_one_tranche(tmp_path):
    data = donnees()
    data["tranches"][1]["phases"].append("risques")
    erreurs = _erreurs(tmp_path, data)
    assert any("une seule tranche" in m for m in erreurs.values())
    data = donnees()
    data["tranches"][0]["phases"].remove("risques")
    erreurs = _erreurs(tmp_path, data)
    assert any("aucune tranche" in m for m in erreurs.values())


def test_optional_tranche_references_a_chosen_module(tmp_path):
    data = donnees(MAPA)
    data["tranches"][2]["phases"] = ["potentiel_enr"]
    erreurs = _erreurs(tmp_path, data)
    assert "tranches.2.phases.0" in erreurs


def test_non_allotissement_needs_a_justification(tmp_path):
    data = donnees()
    del data["marche"]["allotissement"]["justification"]
    assert "marche.allotissement.justification" in _erreurs(tmp_path, data)


def test_unknown_module_suggests(tmp_path):
    data = donnees()
    data["etudes"][0]["module"] = "programation_urbaine"
    data["tranches"][0]["phases"][0] = "programation_urbaine"
    erreurs = _erreurs(tmp_path, data)
    assert "Vouliez-vous dire « programmation_urbaine »" in erreurs["etudes.0.module"]


def test_model_is_frozen_and_strict():
    projet = load_project(RICHE)
    from pydantic import ValidationError

    with pytest.raises(ValidationError):
        projet.marche = None  # type: ignore[misc]
    with pytest.raises(ValidationError):
        Consultation.model_validate({**donnees(), "inconnu": 1})


def test_load_project_raises_french_error(tmp_path):
    data = donnees()
    data["criteres"][1]["poids"] = 40
    with pytest.raises(ProjetInvalide) as exc:
        load_project(ecrire(tmp_path, data))
    assert "pondérations" in str(exc.value)


def test_tranche_ending_after_the_contract_is_a_warning(tmp_path):
    """Affirmed at the end of its delay, TO2 cannot end in time: a warning (tight)."""
    data = donnees(MAPA)
    data["marche"]["duree_mois"] = 25
    data["tranches"][2]["delai_affermissement_mois"] = 18
    projet, resultat = analyser_projet(ecrire(tmp_path, data))
    assert projet is not None and not resultat.erreurs, resultat.erreurs
    alertes = [c for c in resultat.avertissements
               if c.chemin == "tranches.2.delai_affermissement_mois"]
    assert any("TO2" in c.message and "tendu" in c.message for c in alertes), alertes


def test_impossible_calendar_is_an_error(tmp_path):
    """Even affirmed right after the firm tranche, TO2 cannot end in 12 months: an error."""
    data = donnees(MAPA)
    data["marche"]["duree_mois"] = 12
    projet, resultat = analyser_projet(ecrire(tmp_path, data))
    erreurs = [c for c in resultat.erreurs if c.chemin == "tranches.2"]
    assert erreurs and "impossible" in erreurs[0].message, resultat.erreurs
