"""The 17 findings of the legal audit (issue 11), each checked in the generated text or in
the output of ``validate``; and a boundary test (day before / day of) for every dated rule
added or changed with them."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from conftest import DISPENSE, MAPA, RICHE, donnees, ecrire, modifier
from docxtext import docx_texte

from cctp_builder import Consultation
from cctp_builder.catalogue import catalogue
from cctp_builder.cli import main
from cctp_builder.errors import RegleIntrouvable
from cctp_builder.kit import render_piece
from cctp_builder.legal import check, decision_pour
from cctp_builder.rules import Regles, tribunal_du_departement

D = dt.date
REGLES = Regles.charger()
NB = "\u00a0"


def _piece(data: dict[str, Any], code: str) -> str:
    return docx_texte(render_piece(Consultation.model_validate(data), code), entetes=False)


def _section(texte: str, debut: str, fin: str | None = None) -> str:
    """The text from the heading ``debut`` (last occurrence: after the table of contents)."""
    i = texte.rindex(debut)
    j = texte.find(fin, i + len(debut)) if fin else -1
    return texte[i:j if j >= 0 else None]


def _constats(data: dict[str, Any]) -> dict[str, tuple[str, str]]:
    projet = Consultation.model_validate(data)
    return {c.chemin: (c.gravite, c.message) for c in check(projet, decision_pour(projet))}


def _validate(runner, tmp_path, data: dict[str, Any]):
    return runner.invoke(main, ["validate", str(ecrire(tmp_path, data))])


def _envoi(data: dict[str, Any], envoi: D, jours: int = 35) -> dict[str, Any]:
    data["calendrier"]["date_envoi_publication"] = envoi
    data["calendrier"]["date_limite_questions"] = envoi + dt.timedelta(days=jours - 10)
    data["calendrier"]["date_limite_remise"] = dt.datetime.combine(
        envoi + dt.timedelta(days=jours), dt.time(12))
    data["calendrier"].pop("demarrage_previsionnel", None)
    data["calendrier"].pop("visite_site", None)
    return data


# --------------------------------------------------------------------------- 1. e-signature


def test_1_signature_requires_a_qualified_certificate():
    for chemin in (RICHE, MAPA, DISPENSE):
        ae = _piece(donnees(chemin), "ae")
        assert "certificat qualifié" in ae and "avancée ou qualifiée" not in ae
    assert "certificat qualifié" in REGLES.valeur("signature_electronique", D(2026, 12, 1))
    assert "certificat qualifié" in _piece(donnees(MAPA), "rc")


# --------------------------------------------------------------------------- 2. staff


def test_2_staff_replacement_lives_in_the_ccap_without_derogation():
    data = donnees(RICHE)
    cctp, ccap = _piece(data, "cctp"), _piece(data, "ccap")
    assert "accord préalable et écrit" not in cctp
    assert "remplacement obéit aux stipulations du CCAP" in cctp
    representation = _section(ccap, "Représentation du titulaire", "Pièces constitutives")
    assert "personnes désignées" in representation and "article 3.4 du CCAG-PI" in representation
    assert "sans dérogation" in representation
    assert "ne déroge à aucune stipulation" in _section(ccap, "Dérogations au CCAG-PI")


# --------------------------------------------------------------------------- 3. references


def test_3_memoire_scores_staff_experience_not_firm_references():
    data = donnees(MAPA)  # chapter « Équipe et moyens » without elements of its own
    cmt, rc = _piece(data, "cmt"), _piece(data, "rc")
    assert "trois à cinq références" not in cmt and "coordonnées du maître d'ouvrage" not in cmt
    assert "fiches de références" not in cmt
    assert "auxquelles il a personnellement participé" in cmt and "R2152-7 (2°)" in cmt
    assert "les curriculum vitae et les références figurent" not in rc
    jugement = _section(rc, "Jugement des offres", "Notation du prix")
    assert "références" not in jugement


def test_3_validate_warns_on_firm_references_in_a_criterion():
    data = donnees(RICHE)
    chemin = "criteres.0.sous_criteres.2.elements.2"
    assert chemin not in _constats(data)
    modifier(data, ["criteres", 0, "sous_criteres", 2, "elements", 2],
             "références de quartiers durables en commune rurale")
    gravite, message = _constats(data)[chemin]
    assert gravite == "avertissement" and "R2152-7 (2°)" in message


# --------------------------------------------------------------------------- 4. tribunals


@pytest.mark.parametrize(("insee", "cp", "ville", "nom"), [
    ("35238", "35000", "Rennes", "Tribunal administratif de Rennes"),
    ("69123", "69001", "Lyon", "Tribunal administratif de Lyon"),
    ("2A004", "20000", "Ajaccio", "Tribunal administratif de Bastia"),
    ("97105", "97100", "Basse-Terre", "Tribunal administratif de la Guadeloupe"),
])
def test_4_recourse_section_names_the_tribunal_with_its_full_address(insee, cp, ville, nom):
    data = donnees(MAPA)
    data["acheteur"]["code_insee"] = insee
    data["acheteur"]["adresse"].update(code_postal=cp, commune=ville)
    t = tribunal_du_departement(insee[:3] if insee.startswith("97") else insee[:2])
    recours = _section(_piece(data, "rc"), "Voies et délais de recours")
    assert f"{nom}, {t.adresse_postale}" in recours
    assert re.search(r"\d{5} ", t.adresse_postale) and t.greffe_courriel in recours
    assert "[À compléter" not in recours
    for code in ("aapc", "ccap"):
        assert t.adresse_postale in _piece(data, code), code


def test_4_buyer_tribunal_overrides_the_table():
    data = donnees(MAPA)
    data["acheteur"]["tribunal"] = {"nom": "Tribunal administratif de Marseille",
                                    "adresse": "22-24 rue Breteuil", "code_postal": "13006",
                                    "ville": "Marseille"}
    recours = _section(_piece(data, "rc"), "Voies et délais de recours")
    assert "22-24 rue Breteuil, 13006 Marseille" in recours
    assert "Jean-François Leca" not in recours


# --------------------------------------------------------------------------- 5. DECP


@pytest.mark.parametrize(("montant", "publiees"), [(39999, False), (40000, True)])
def test_5_donnees_essentielles_from_40000(montant, publiees):
    data = donnees(DISPENSE)
    data["tranches"][0]["montant_estime_ht"] = montant
    kit = " ".join(_piece(data, code) for code in ("rc", "ae", "ccap", "cctp", "aapc"))
    assert ("données essentielles" in kit) is publiees
    if publiees:
        assert "R2196-1" in _section(_piece(data, "ccap"), "Données essentielles du marché")


# --------------------------------------------------------------------------- 6. CAO, préfet


def test_6_appel_d_offres_names_the_cao_and_the_transmission_to_the_prefet():
    rc = _piece(donnees(RICHE), "rc")
    attribution = _section(rc, "Attribution du marché", "Voies et délais de recours")
    assert "commission d'appel d'offres" in attribution and "L1414-2" in attribution
    assert "représentant de l'État" in attribution and "D2131-5-1" in attribution
    mapa = _section(_piece(donnees(MAPA), "rc"), "Attribution du marché")
    assert "commission d'appel d'offres" not in mapa and "représentant de l'État" not in mapa
    assert "par le maire" in mapa and "L2122-22 (4°)" in mapa
    assert REGLES.get("transmission_prefet", D(2026, 12, 1)).a_verifier


# --------------------------------------------------------------------------- 7. indemnité


def test_7_indemnite_d_attente_is_tied_to_a_date():
    data = donnees(MAPA)
    ccap = _piece(data, "ccap")
    assert "affermie après l'admission de la dernière phase de la tranche ferme" not in ccap
    assert "affermie plus de 3 mois après la notification du marché" in ccap


@pytest.mark.parametrize(("apres", "attendu"), [(5, None), (6, "ne pourrait jamais"),
                                                 (None, "fait générateur")])
def test_7_validate_refuses_an_impossible_trigger(runner, tmp_path, apres, attendu):
    data = donnees(MAPA)  # TO2: affermissement within 6 months
    data["tranches"][2]["indemnite_attente_apres_mois"] = apres
    res = _validate(runner, tmp_path, data)
    if attendu is None:
        assert res.exit_code == 0, res.output
    else:
        assert res.exit_code == 1 and "tranches.2.indemnite_attente_apres_mois" in res.output
        assert attendu in res.output


# --------------------------------------------------------------------------- 8. prices


@pytest.mark.parametrize(("duree", "averti"), [(18, False), (19, True)])
def test_8_fixed_prices_over_a_long_duration_are_warned(duree, averti):
    data = donnees(RICHE)
    data["marche"]["prix"]["variation"] = "ferme_actualisable"
    data["marche"]["duree_mois"] = duree
    for t in data["tranches"]:
        t.pop("delai_affermissement_mois", None) if t["code"] == "TF" else None
    constat = _constats(data).get("marche.prix.variation")
    assert (constat is not None) is averti
    if averti:
        assert constat[0] == "avertissement" and "Syntec" in constat[1]
        assert "R2112-13" in constat[1]


def test_8_ccap_prints_the_revision_clause_when_chosen():
    data = donnees(RICHE)
    variation = _section(_piece(data, "ccap"), "Variation des prix", "Avance, acomptes")
    assert "révisables" in variation and "R2112-13" in variation and "Syntec" in variation
    data["marche"]["prix"]["variation"] = "ferme_actualisable"
    assert "R2112-13" not in _section(_piece(data, "ccap"), "Variation des prix", "Avance, ")


# --------------------------------------------------------------------------- 9. avance


def test_9_avance_cites_r2191_13_and_r2191_7():
    avance = _section(_piece(donnees(RICHE), "ccap"), "Avance, acomptes et paiement", "Acomptes")
    assert "R2191-13" in avance and "R2191-7" in avance
    assert "tel que l'interprète" not in avance and "R2191-3 " not in avance


# --------------------------------------------------------------------------- 10. groupement


def test_10_solidaire_requires_a_justification(runner, tmp_path):
    data = donnees(RICHE)
    justification = data["marche"].pop("groupement_justification")
    res = _validate(runner, tmp_path, data)
    assert res.exit_code == 1 and "groupement_justification" in res.output
    assert "R2142-22" in res.output
    data["marche"]["groupement_justification"] = justification
    rc = _piece(data, "rc")
    assert "pour le motif suivant" + NB + ": les quatre études s'enchaînent" in rc


def test_10_default_is_a_joint_group_with_a_jointly_liable_agent():
    data = donnees(MAPA)
    del data["marche"]["groupement"]
    forme = _section(_piece(data, "rc"), "Forme juridique", "Sous-traitance")
    assert "mandataire est solidaire" in forme and "R2142-24" in forme
    assert "se transformer en groupement solidaire" not in forme
    ae = _section(_piece(data, "ae"), "Groupement", "Engagement")
    assert "☐ conjoint ☐ solidaire" in ae and "mandataire est solidaire" in ae
    paiement = _section(_piece(data, "ccap"), "Demandes de paiement", "Délai de paiement")
    assert "groupement conjoint" in paiement and "groupement solidaire" in paiement


# --------------------------------------------------------------------------- 11. condition


@pytest.mark.parametrize(("envoi", "code"), [(D(2026, 8, 20), 0), (D(2026, 8, 21), 1)])
def test_11_missing_environmental_condition_is_an_error_from_21_august_2026(
        runner, tmp_path, envoi, code):
    data = _envoi(donnees(MAPA), envoi)
    del data["marche"]["clause_environnementale"]
    res = _validate(runner, tmp_path, data)
    assert res.exit_code == code, res.output
    assert ("clause_environnementale" in res.output) is bool(code)


def test_11_soft_wording_is_warned():
    data = donnees(MAPA)
    data["marche"]["clause_environnementale"] = (
        "Le titulaire privilégie les transports collectifs lorsque c'est possible.")
    gravite, message = _constats(data)["marche.clause_environnementale"]
    assert gravite == "avertissement" and "« privilégie »" in message
    assert "« lorsque c'est possible »" in message


def test_11_one_text_in_every_piece_that_cites_it():
    data = donnees(RICHE)
    clause = " ".join(data["marche"]["clause_environnementale"].split()).rstrip(".")
    for code in ("ccap", "cctp", "rc"):
        assert clause in _piece(data, code), code
    assert "privilégie, pour s'y rendre" not in _piece(data, "cctp")


# --------------------------------------------------------------------------- 12. criterion


def test_12_environmental_criterion_wording_comes_from_its_definition():
    data = donnees(RICHE)
    rc = _piece(data, "rc")
    assert "réduit les incidences environnementales de l'exécution" not in rc
    assert "apprécie les engagements du candidat pour réduire les déplacements motorisés" in rc
    del data["criteres"][2]["definition"]
    assert "est défini par les éléments appréciés ci-après" in _piece(data, "rc")


def test_12_element_scored_twice_is_warned():
    data = donnees(RICHE)
    assert not [c for c in _constats(data) if c.startswith("criteres.0.")]
    data["criteres"][0]["sous_criteres"][1]["elements"].append("dématérialisation des livrables")
    gravite, message = _constats(data)["criteres.0.sous_criteres.1.elements.3"]
    assert gravite == "avertissement" and "noté deux fois" in message


# --------------------------------------------------------------------------- 13. comptable


def test_13_comptable_public_in_the_ae():
    data = donnees(RICHE)
    assert ("Comptable public assignataire des paiements" + NB + ": Service de gestion "
            "comptable de Digne-les-Bains") in _piece(data, "ae")
    del data["acheteur"]["comptable_assignataire"]
    assert "[À compléter" + NB + ": comptable public assignataire" in _piece(data, "ae")


# --------------------------------------------------------------------------- 14. HT / TTC


def test_14_price_comparison_choice_and_its_reason():
    data = donnees(MAPA)
    assert "puisqu'elle ne récupère pas la TVA" in _piece(data, "rc")
    assert "notation.prix_compare" not in _constats(data)
    del data["notation"]
    assert _constats(data)["notation.prix_compare"][0] == "avertissement"
    data["notation"] = {"prix_compare": "TTC", "tva_recuperee": True}
    assert "désavantage" in _constats(data)["notation.prix_compare"][1]
    data["notation"] = {"prix_compare": "HT", "tva_recuperee": True}
    assert "notation.prix_compare" not in _constats(data)
    assert "puisque la commune récupère la TVA" in _piece(data, "rc")


# --------------------------------------------------------------------------- 15. media


def test_15_publication_medium_is_named_above_90000():
    data = donnees(MAPA)
    for code in ("rc", "aapc"):
        assert "Bulletin officiel des annonces des marchés publics (BOAMP)" in _section(
            _piece(data, code), "Avis d'appel public" if code == "aapc" else "Publicité")
    del data["marche"]["publicite_supports"]
    gravite, message = _constats(data)["marche.publicite_supports"]
    assert gravite == "avertissement" and "profil d'acheteur seul" in message
    assert "BOAMP ou journal d'annonces légales retenu" in _piece(data, "rc")


# --------------------------------------------------------------------------- 16. eForms


def test_16_formal_notice_is_the_eforms_notice():
    aapc = _piece(donnees(RICHE), "aapc")
    assert "eForms" in aapc and "JOUE" in aapc and "l'avis qui fait foi" in aapc
    assert "eForms" not in _piece(donnees(MAPA), "aapc")
    regle = REGLES.get("publicite_procedure_formalisee", D(2026, 12, 1))
    assert regle.a_verifier and "R2131-16" in regle.note


# --------------------------------------------------------------------------- 17. conflict


def test_17_conflict_of_interest_clause_follows_the_catalogue_flag():
    assert catalogue()["amo_ecoquartier"].conflit_interets
    assert not catalogue()["programmation_urbaine"].conflit_interets
    data = donnees(MAPA)  # with amo_ecoquartier
    ccap = _section(_piece(data, "ccap"), "Prévention des conflits d'intérêts",
                    "Données essentielles")
    assert "ne se portent candidats" in ccap and "déclaration d'intérêts" in ccap
    assert "L2141-8 (2°)" in ccap
    assert "Incompatibilité avec les contrats préparés par l'étude" in _piece(data, "rc")
    sans = donnees(RICHE)
    sans["etudes"] = [e for e in sans["etudes"] if e["module"] != "amo_ecoquartier"]
    for t in sans["tranches"]:
        t["phases"] = [p for p in t["phases"] if not p.startswith("amo_ecoquartier")]
    sans["tranches"] = [t for t in sans["tranches"] if t["phases"]]
    sans.pop("montant_total_ht", None)  # the declared total was that of the removed phases
    assert "conflits d'intérêts" not in _piece(sans, "ccap")


# --------------------------------------------------------------------------- dated rules


@pytest.mark.parametrize(("ident", "veille", "jour"), [
    ("signature_electronique", D(2019, 3, 31), D(2019, 4, 1)),
    ("groupement_forme_imposee", D(2019, 3, 31), D(2019, 4, 1)),
    ("groupement_mandataire_solidaire", D(2019, 3, 31), D(2019, 4, 1)),
    ("ccag_pi_personnes_designees", D(2021, 3, 31), D(2021, 4, 1)),
    ("avis_eforms", D(2023, 10, 24), D(2023, 10, 25)),
    ("donnees_essentielles_delai_mois", D(2023, 12, 31), D(2024, 1, 1)),
    ("prix_revisable_aleas_majeurs", D(2019, 3, 31), D(2019, 4, 1)),
])
def test_dated_rule_starts_on_its_day(ident, veille, jour):
    with pytest.raises(RegleIntrouvable):
        REGLES.get(ident, veille)
    assert REGLES.get(ident, jour).reference


def test_price_rule_cites_the_2024_decree_from_1_january_2025():
    assert "2024-1251" not in REGLES.reference("prix_revisable_aleas_majeurs", D(2024, 12, 31))
    assert "2024-1251" in REGLES.reference("prix_revisable_aleas_majeurs", D(2025, 1, 1))


def test_readme_lists_every_rule_still_to_verify():
    from conftest import RACINE

    readme = (RACINE / "README.md").read_text("utf-8")
    section = readme[readme.index("### Ce qui reste à vérifier"):readme.index("## Architecture")]
    for r in REGLES.a_verifier():
        assert f"`{r.id}`" in section, r.id
    assert "tribunaux.yaml" in section


def test_6_a_voluntary_appel_d_offres_below_the_threshold_is_awarded_by_the_maire():
    data = donnees(MAPA)
    data["marche"]["procedure"] = "appel_offres_ouvert"
    data = _envoi(data, D(2026, 12, 2), 40)
    attribution = _section(_piece(data, "rc"), "Attribution du marché")
    assert "n'est pas choisi par la commission d'appel d'offres" in attribution
    assert "par le maire" in attribution
