"""Legal checks of a project (legal.check) and the decision computed from it (decision_pour)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from conftest import DISPENSE, EXEMPLES, MAPA, RICHE, donnees

from cctp_builder import Consultation, ProjetInvalide, load_project
from cctp_builder.legal import check, decision_pour

D = dt.date


def _projet(chemin=RICHE, **changements) -> Consultation:
    """An example project with some fields replaced; keys are paths joined by « __ »."""
    data = donnees(chemin)
    for chemin_champ, valeur in changements.items():
        *parents, cle = chemin_champ.split("__")
        cible = data
        for p in parents:
            cible = cible[int(p)] if p.isdigit() else cible[p]
        cible[int(cle) if cle.isdigit() else cle] = valeur
    return Consultation.model_validate(data)


def _constats(projet: Consultation) -> dict[str, tuple[str, str]]:
    return {c.chemin: (c.gravite, c.message) for c in check(projet, decision_pour(projet))}


def _calendrier(envoi: D, jours: int) -> dict:
    remise = dt.datetime.combine(envoi + dt.timedelta(days=jours), dt.time(12))
    return {"date_envoi_publication": envoi, "date_limite_remise": remise}


# --------------------------------------------------------------------------- decision_pour


def test_examples_cover_three_procedures_without_legal_errors():
    attendu = {DISPENSE: "dispense", MAPA: "mapa", RICHE: "appel_offres_ouvert"}
    for chemin, procedure in attendu.items():
        projet = load_project(chemin)
        decision = decision_pour(projet)
        assert decision.procedure == procedure
        assert [c for c in check(projet, decision) if c.gravite == "erreur"] == []


@pytest.mark.parametrize("chemin", EXEMPLES, ids=lambda p: p.stem)
def test_decision_uses_tranches_date_and_duration(chemin):
    projet = load_project(chemin)
    d = decision_pour(projet)
    assert d.montant_estime_ht == sum(t.montant_estime_ht for t in projet.tranches)
    assert d.date_consultation == projet.calendrier.date_envoi_publication
    assert d.duree_mois == projet.marche.duree_mois


def test_unknown_estimated_value_is_refused():
    data = donnees(MAPA)
    for t in data["tranches"]:
        t.pop("montant_estime_ht", None)
    data.pop("montant_total_ht", None)
    with pytest.raises(ProjetInvalide, match="valeur estimée du marché est inconnue"):
        decision_pour(Consultation.model_validate(data))


# --------------------------------------------------------------------------- procedure


def test_declared_mapa_above_the_eu_threshold_is_an_error():
    projet = _projet(RICHE, marche__procedure="mapa")
    gravite, message = _constats(projet)["marche.procedure"]
    assert gravite == "erreur"
    assert "246\u202f000\u00a0€ HT" in message and "216\u202f000\u00a0€ HT" in message
    assert "annexe n° 2 du code de la commande publique" in message  # the threshold's source
    assert "R2161-2" in message and "appel d'offres ouvert" in message


def test_declared_dispense_above_the_dispense_threshold_is_an_error():
    projet = _projet(MAPA, marche__procedure="dispense")
    gravite, message = _constats(projet)["marche.procedure"]
    assert gravite == "erreur" and "60\u202f000\u00a0€ HT" in message
    assert "R2122-8" in message and "R2123-1" in message
    assert decision_pour(projet).procedure == "mapa"


def test_a_more_demanding_declared_procedure_is_allowed_and_used():
    projet = _projet(DISPENSE, marche__procedure="mapa")
    assert "marche.procedure" not in _constats(projet)
    assert decision_pour(projet).procedure == "mapa"
    ao = _projet(MAPA, marche__procedure="appel_offres_ouvert")
    assert "marche.procedure" not in _constats(ao)
    assert decision_pour(ao).delai_minimum_jours == 30


def test_undeclared_procedure_takes_the_computed_one():
    projet = _projet(MAPA, marche__procedure=None)
    assert decision_pour(projet).procedure == "mapa"
    assert "marche.procedure" not in _constats(projet)


# --------------------------------------------------------------------------- delays


@pytest.mark.parametrize(("jours", "erreur"), [(29, True), (30, False), (42, False)])
def test_formal_procedure_minimum_delay(jours, erreur):
    projet = _projet(RICHE, calendrier=_calendrier(D(2026, 12, 7), jours))
    constats = _constats(projet)
    assert ("calendrier.date_limite_remise" in constats) is erreur
    if erreur:
        gravite, message = constats["calendrier.date_limite_remise"]
        assert gravite == "erreur"
        assert "29 jours" in message and "au moins 30 jours" in message and "R2161-3" in message
        assert "7 décembre 2026" in message


@pytest.mark.parametrize(("jours", "avertissement"), [(20, True), (21, False)])
def test_mapa_delay_under_the_recommended_floor_is_a_warning(jours, avertissement):
    projet = _projet(MAPA, calendrier=_calendrier(D(2026, 12, 2), jours))
    constats = _constats(projet)
    assert ("calendrier.date_limite_remise" in constats) is avertissement
    if avertissement:
        gravite, message = constats["calendrier.date_limite_remise"]
        assert gravite == "avertissement"
        assert "21 jours" in message and "R2143-1" in message


def test_dispense_has_no_delay_check():
    projet = _projet(DISPENSE, calendrier=_calendrier(D(2026, 12, 14), 5))
    assert "calendrier.date_limite_remise" not in _constats(projet)


# ------------------------------------------------------------------- environmental criterion


ENVOI_DECEMBRE = D(2026, 12, 7)


def _sans_critere_environnemental(chemin=RICHE, envoi=ENVOI_DECEMBRE):
    data = donnees(chemin)
    data["criteres"] = [c for c in data["criteres"] if c["type"] != "environnemental"]
    data["calendrier"] = _calendrier(envoi, 45)
    return data


@pytest.mark.parametrize(("envoi", "erreur"), [(D(2026, 8, 20), False), (D(2026, 8, 21), True)])
def test_missing_environmental_criterion(envoi, erreur):
    projet = Consultation.model_validate(_sans_critere_environnemental(envoi=envoi))
    constats = _constats(projet)
    assert ("criteres" in constats) is erreur
    if erreur:
        gravite, message = constats["criteres"]
        assert gravite == "erreur"
        assert "21 août 2026" in message and "R2152-7" in message and "L2152-7" in message


def test_environmental_sub_criterion_only_is_a_warning():
    data = _sans_critere_environnemental(MAPA, D(2026, 12, 2))
    sous = data["criteres"][0].setdefault("sous_criteres", [])
    sous.append({"nom": "Démarche environnementale de l'équipe", "poids": 5,
                 "elements": ["limitation des déplacements"]})
    constats = _constats(Consultation.model_validate(data))
    assert "criteres" not in constats
    gravite, message = constats[f"criteres.0.sous_criteres.{len(sous) - 1}"]
    assert gravite == "avertissement"
    assert "sous-critère" in message and "L2152-7" in message and "distinct" in message


def test_single_cost_criterion_is_a_warning_not_an_error():
    data = donnees(MAPA)
    data["criteres"] = [{"nom": "Coût global", "type": "cout", "poids": 100}]
    constats = _constats(Consultation.model_validate(data))
    assert "criteres" not in constats
    assert constats["criteres.0"][0] == "avertissement"


def test_no_environmental_criterion_needed_under_the_dispense():
    data = _sans_critere_environnemental(DISPENSE, D(2026, 12, 14))
    assert "criteres" not in _constats(Consultation.model_validate(data))


def test_missing_environmental_execution_clause_is_a_warning():
    sans = _projet(MAPA, marche__clause_environnementale=None,
                   calendrier=_calendrier(D(2026, 8, 21), 30))
    gravite, message = _constats(sans)["marche.clause_environnementale"]
    assert gravite == "avertissement" and "L2112-2" in message and "21 août 2026" in message
    avec = _projet(MAPA, marche__clause_environnementale="Réunions à distance privilégiées.")
    assert "marche.clause_environnementale" not in _constats(avec)
    avant = _projet(MAPA, marche__clause_environnementale=None,
                    calendrier=_calendrier(D(2026, 8, 20), 30))
    assert "marche.clause_environnementale" not in _constats(avant)


# --------------------------------------------------------------------------- weighting


def test_unweighted_criterion_in_a_formal_procedure_is_an_error():
    projet = _projet(RICHE, criteres__1__poids=None)
    gravite, message = _constats(projet)["criteres.1.poids"]
    assert gravite == "erreur" and f"« {projet.criteres[1].nom} »" in message
    assert "R2152-12" in message


def test_unweighted_criteria_are_allowed_in_a_mapa():
    data = donnees(MAPA)
    for c in data["criteres"]:
        c["poids"] = None
        c.pop("sous_criteres", None)
        c.setdefault("elements", ["éléments appréciés"])
    constats = _constats(Consultation.model_validate(data))
    assert not any(chemin.endswith(".poids") for chemin in constats)


# --------------------------------------------------------------------------- advance


def test_refused_mandatory_advance_is_an_error():
    projet = _projet(RICHE, marche__avance={"versee": False}, marche__duree_mois=30)
    gravite, message = _constats(projet)["marche.avance.versee"]
    assert gravite == "erreur"
    assert "50\u202f000\u00a0€ HT" in message and "tranche TF" in message and "R2191-3" in message


def test_advance_rate_below_the_minimum_is_an_error():
    projet = _projet(RICHE, marche__avance={"versee": True, "taux_pourcentage": Decimal(3)})
    gravite, message = _constats(projet)["marche.avance.taux_pourcentage"]
    assert gravite == "erreur" and "3 %" in message and "5 %" in message


@pytest.mark.parametrize(("chemin", "duree"), [(DISPENSE, 6), (DISPENSE, 2)])
def test_refused_advance_is_fine_when_not_mandatory(chemin, duree):
    projet = _projet(chemin, marche__avance={"versee": False}, marche__duree_mois=duree)
    assert "marche.avance.versee" not in _constats(projet)


# --------------------------------------------------------------------------- messages


def test_every_finding_is_french_and_cites_a_reference():
    data = _sans_critere_environnemental(RICHE)
    data["marche"]["procedure"] = "mapa"
    data["marche"]["avance"] = {"versee": False}
    data["criteres"][1]["poids"] = None
    projet = Consultation.model_validate(data)
    constats = check(projet, decision_pour(projet))
    assert {c.chemin for c in constats} >= {"marche.procedure", "criteres", "criteres.1.poids",
                                            "marche.avance.versee"}
    for c in constats:
        assert c.gravite in ("erreur", "avertissement")
        assert "code de la commande publique" in c.message, c.message


def test_advance_is_judged_tranche_by_tranche():
    """Two tranches of 45 000 € (90 000 € in all, 8 months): no tranche reaches the advance
    threshold, so refusing the advance is lawful; one tranche above it makes it due."""
    from conftest import MAPA, donnees

    from cctp_builder.legal import check, decision_pour
    from cctp_builder.models import Consultation

    data = donnees(MAPA)
    data["marche"]["avance"] = {"versee": False}
    for t, montant in zip(data["tranches"], (45000, 30000, 15000), strict=True):
        t["montant_estime_ht"] = montant
    projet = Consultation.model_validate(data)
    d = decision_pour(projet)
    assert d.avance_obligatoire is False and d.avance_tranches == ()
    assert not [c for c in check(projet, d) if c.chemin == "marche.avance.versee"]
    data["tranches"][0]["montant_estime_ht"] = 60000
    projet = Consultation.model_validate(data)
    d = decision_pour(projet)
    assert d.avance_tranches == ("TF",)
    erreurs = [c for c in check(projet, d) if c.chemin == "marche.avance.versee"]
    assert erreurs and "tranche TF" in erreurs[0].message and "DAJ" not in erreurs[0].message[:5]
