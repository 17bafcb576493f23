"""Rules data (data/regles.yaml), decide() at every threshold and date of effect, formatting."""

from __future__ import annotations

import ast
import datetime as dt
import inspect
import json
import re
import zipfile
from decimal import Decimal
from pathlib import Path

import pytest
import yaml

from cctp_builder import decision
from cctp_builder.decision import decide, format_decision
from cctp_builder.errors import CctpError, RegleIntrouvable
from cctp_builder.rules import Regles, ReglesInvalides

ROOT = Path(__file__).resolve().parents[1]
D = dt.date
REGLES = Regles.charger()


def _decide(montant, le, duree=None, **kw):
    return decide(montant, le, duree, regles=REGLES, **kw)


# --------------------------------------------------------------------------- the data file


def test_version_is_the_review_date():
    assert REGLES.version == "2026-11-25"
    assert Regles.charger() is REGLES  # cached


def test_every_rule_has_libelle_reference_and_source():
    assert len(REGLES.toutes()) >= 40
    for r in REGLES.toutes():
        assert re.fullmatch(r"[a-z][a-z0-9_]*", r.id), r.id
        assert r.libelle.strip(), r.id
        assert len(r.reference) > 10, r.id
        assert r.source.startswith(("https://", "http://")), r.id
        assert isinstance(r.a_verifier, bool), r.id
        if r.a_verifier:
            assert r.note, f"{r.id} : une règle à vérifier doit dire pourquoi (note)"


def test_raw_file_entries_carry_every_key():
    brut = yaml.safe_load((ROOT / "cctp_builder/data/regles.yaml").read_text(encoding="utf-8"))
    assert set(brut) == {"version", "regles"}
    for e in brut["regles"]:
        assert {"id", "libelle", "valeur", "unite", "en_vigueur_du", "au", "reference", "source",
                "a_verifier"} <= set(e), e.get("id")


def test_periods_of_a_same_id_do_not_overlap():
    par_id: dict[str, list] = {}
    for r in REGLES.toutes():
        par_id.setdefault(r.id, []).append(r)
    for ident, entrees in par_id.items():
        for i, a in enumerate(entrees):
            for b in entrees[i + 1:]:
                a_du, a_au = a.en_vigueur_du or D.min, a.au or D.max
                b_du, b_au = b.en_vigueur_du or D.min, b.au or D.max
                assert a_au < b_du or b_au < a_du, ident


def test_required_ids_exist():
    attendus = {
        "seuil_dispense_services", "seuil_publicite_boamp_jal",
        "seuil_procedure_formalisee_services", "valeur_estimee", "delai_ao_ouvert",
        "delai_ao_ouvert_electronique", "delai_mapa_recommande",
        "seuil_dce_gratuit_profil_acheteur", "seuil_donnees_essentielles", "avance_seuil_montant",
        "avance_seuil_duree_mois", "avance_taux_minimum", "delai_paiement_jours",
        "interets_moratoires_majoration_points", "indemnite_forfaitaire_recouvrement",
        "penalites_diviseur_ccag_pi", "penalites_franchise", "penalites_plafond_pourcentage",
        "critere_environnemental_obligatoire_depuis", "plafond_chiffre_affaires",
        "ponderation_criteres", "echanges_electroniques", "echanges_electroniques_dispense",
        "ccag_pi", "ccag_pi_derogations", "ccag_pi_propriete_intellectuelle",
        "ccag_pi_resiliation", "ccag_pi_admission", "retenue_garantie_plafond",
        "prix_actualisation", "indice_variation_etudes", "dume_accepte",
        "tribunaux_administratifs",
    }
    assert attendus <= set(REGLES.identifiants())


@pytest.mark.parametrize(("ident", "le", "valeur"), [
    ("seuil_dispense_services", D(2026, 3, 31), Decimal(40000)),
    ("seuil_dispense_services", D(2026, 4, 1), Decimal(60000)),
    ("seuil_dce_gratuit_profil_acheteur", D(2026, 3, 31), Decimal(40000)),
    ("seuil_dce_gratuit_profil_acheteur", D(2026, 4, 1), Decimal(60000)),
    ("seuil_procedure_formalisee_services", D(2025, 12, 31), Decimal(221000)),
    ("seuil_procedure_formalisee_services", D(2026, 1, 1), Decimal(216000)),
    ("seuil_publicite_boamp_jal", D(2026, 6, 1), Decimal(90000)),
    ("seuil_donnees_essentielles", D(2026, 6, 1), Decimal(40000)),
    ("delai_ao_ouvert", D(2026, 6, 1), 35),
    ("delai_ao_ouvert_electronique", D(2026, 6, 1), 30),
    ("avance_seuil_montant", D(2026, 6, 1), Decimal(50000)),
    ("avance_seuil_duree_mois", D(2026, 6, 1), 2),
    ("avance_taux_minimum", D(2026, 6, 1), Decimal(5)),
    ("delai_paiement_jours", D(2026, 6, 1), 30),
    ("interets_moratoires_majoration_points", D(2026, 6, 1), Decimal(8)),
    ("indemnite_forfaitaire_recouvrement", D(2026, 6, 1), Decimal(40)),
    ("penalites_diviseur_ccag_pi", D(2026, 6, 1), Decimal(3000)),
    ("penalites_franchise", D(2026, 6, 1), Decimal(1000)),
    ("penalites_plafond_pourcentage", D(2026, 6, 1), Decimal(10)),
    ("retenue_garantie_plafond", D(2026, 6, 1), Decimal(5)),
    ("plafond_chiffre_affaires", D(2026, 1, 1), Decimal("1.5")),
    ("critere_environnemental_obligatoire_depuis", D(2026, 6, 1), D(2026, 8, 21)),
    ("indice_variation_etudes", D(2026, 6, 1), "Syntec"),
])
def test_values_by_date(ident, le, valeur):
    assert REGLES.valeur(ident, le) == valeur


def test_references_name_the_articles():
    le = D(2026, 6, 1)
    assert "R2122-8" in REGLES.reference("seuil_dispense_services", le)
    assert "R2131-12" in REGLES.reference("seuil_publicite_boamp_jal", le)
    assert "R2132-2" in REGLES.reference("seuil_dce_gratuit_profil_acheteur", le)
    assert "R2196-1" in REGLES.reference("seuil_donnees_essentielles", le)
    assert "R2161-2" in REGLES.reference("delai_ao_ouvert", le)
    assert "R2152-12" in REGLES.reference("ponderation_criteres", le)
    assert "R2142-7" in REGLES.reference("plafond_chiffre_affaires", le)
    assert "30 mars 2021" in REGLES.reference("ccag_pi", le)


def test_missing_rule_raises_regle_introuvable():
    with pytest.raises(RegleIntrouvable, match="« seuil_inexistant »"):
        REGLES.get("seuil_inexistant", D(2026, 6, 1))
    with pytest.raises(RegleIntrouvable) as exc:
        REGLES.get("seuil_procedure_formalisee_services", D(2028, 1, 1))
    assert "seuil_procedure_formalisee_services" in str(exc.value)
    assert "1er janvier 2028" in str(exc.value)
    assert isinstance(exc.value, CctpError)
    with pytest.raises(RegleIntrouvable):
        _decide(100000, D(2023, 6, 1))  # no EU threshold encoded before 2024


def test_regle_en_vigueur_bounds_are_inclusive():
    avant = next(r for r in REGLES.toutes()
                 if r.id == "seuil_dispense_services" and r.au is not None)
    assert avant.en_vigueur(D(2026, 3, 31))
    assert not avant.en_vigueur(D(2026, 4, 1))
    assert avant.en_vigueur(dt.datetime(2026, 3, 31, 23, 59))


def test_a_verifier_lists_the_uncertain_rules():
    ids = {r.id for r in REGLES.a_verifier()}
    assert {"avance_taux_minimum", "tribunaux_administratifs", "ccag_pi_resiliation",
            "ccag_pi_propriete_intellectuelle", "ccag_pi_derogations", "penalites_franchise",
            "penalites_plafond_pourcentage", "critere_environnemental_sous_critere"} <= ids
    assert "seuil_publicite_boamp_jal" not in ids
    assert {r.id for r in REGLES.a_verifier(D(2020, 1, 1))} < ids  # CCAG-PI 2021 not yet in force


# --------------------------------------------------------------------------- validation on load

_ENTREE = """
  - id: {id}
    libelle: Essai
    valeur: {valeur}
    unite: EUR_HT
    en_vigueur_du: {du}
    au: {au}
    reference: article R0000-0 du code de la commande publique
    source: https://example.org/
    a_verifier: false
"""


def _yaml(*entrees: str, version: str = '"2026-11-25"') -> str:
    return f"version: {version}\nregles:\n" + "".join(entrees)


def test_valid_minimal_file_loads(tmp_path):
    f = tmp_path / "regles.yaml"
    f.write_text(_yaml(_ENTREE.format(id="x", valeur=1, du="null", au="2026-03-31"),
                       _ENTREE.format(id="x", valeur=2, du="2026-04-01", au="null")),
                 encoding="utf-8")
    r = Regles.depuis_fichier(f)
    assert r.valeur("x", D(2026, 3, 31)) == 1 and r.valeur("x", D(2026, 4, 1)) == 2


@pytest.mark.parametrize(("texte", "motif"), [
    (_yaml(_ENTREE.format(id="x", valeur=1, du="null", au="2026-04-01"),
           _ENTREE.format(id="x", valeur=2, du="2026-04-01", au="null")), "chevauchent"),
    (_yaml(_ENTREE.format(id="x", valeur=1, du="null", au="null"),
           _ENTREE.format(id="x", valeur=2, du="2026-04-01", au="null")), "chevauchent"),
    (_yaml(_ENTREE.format(id="x", valeur=1, du="null", au="null") + "    commentaire: oups\n"),
     "clés inconnues"),
    (_yaml(_ENTREE.format(id="x", valeur=1, du="null", au="null").replace("unite: EUR_HT",
                                                                         "unite: euros")),
     "unité inconnue"),
    (_yaml(_ENTREE.format(id="x", valeur='"beaucoup"', du="null", au="null")), "nombre attendu"),
    (_yaml(_ENTREE.format(id="x", valeur=1, du='"2026-04-01"', au="null")), "date attendue"),
    (_yaml(_ENTREE.format(id="x", valeur=1, du="2026-04-01", au="2026-03-01")), "précède"),
    (_yaml(_ENTREE.format(id="Seuil-X", valeur=1, du="null", au="null")), "identifiant"),
    (_yaml(_ENTREE.format(id="x", valeur=1, du="null", au="null").replace(
        "    source: https://example.org/\n", "")), "clés manquantes"),
    (_yaml(_ENTREE.format(id="x", valeur=1, du="null", au="null"), version="2026-11-25"),
     "version"),
    ("version: '2026-11-25'\nregles: []\nautre: 1\n", "clés racine"),
])
def test_invalid_files_are_refused(texte, motif):
    with pytest.raises(ReglesInvalides, match=motif):
        Regles.depuis_texte(texte)


def test_invalid_tribunal_table_is_refused():
    texte = _yaml(_ENTREE.format(id="tribunaux_administratifs", valeur="{'04': {nom: TA, rue: x}}",
                                 du="null", au="null").replace("unite: EUR_HT", "unite: null"))
    with pytest.raises(ReglesInvalides, match="clés inconnues"):
        Regles.depuis_texte(texte)


# --------------------------------------------------------------------------- decide(): thresholds


@pytest.mark.parametrize(("montant", "le", "procedure"), [
    (Decimal("39999.99"), D(2026, 3, 31), "dispense"),
    (Decimal("40000"), D(2026, 3, 31), "mapa"),
    (Decimal("40000"), D(2026, 4, 1), "dispense"),
    (Decimal("59999.99"), D(2026, 4, 1), "dispense"),
    (Decimal("60000"), D(2026, 4, 1), "mapa"),
    (Decimal("215999.99"), D(2026, 6, 1), "mapa"),
    (215999, D(2026, 6, 1), "mapa"),
    (216000, D(2026, 6, 1), "appel_offres_ouvert"),
    (220999, D(2025, 6, 1), "mapa"),
    (216000, D(2025, 6, 1), "mapa"),
    (221000, D(2025, 6, 1), "appel_offres_ouvert"),
    (216000, D(2025, 12, 31), "mapa"),
    (216000, D(2026, 1, 1), "appel_offres_ouvert"),
])
def test_procedure_at_thresholds(montant, le, procedure):
    d = _decide(montant, le)
    assert d.procedure == procedure
    assert d.procedure_minimale == procedure


def test_examples_of_the_brief():
    assert _decide(50000, D(2026, 5, 1)).procedure == "dispense"
    assert _decide(50000, D(2026, 3, 1)).procedure == "mapa"
    d = _decide(150000, D(2026, 5, 1))
    assert (d.procedure, d.publicite) == ("mapa", "boamp_ou_jal")
    ao = _decide(216000, D(2026, 5, 1))
    assert ao.procedure == "appel_offres_ouvert" and ao.delai_minimum_jours == 30
    assert ao.publicite == "boamp_et_joue"
    assert _decide(216000, D(2026, 5, 1), depot_electronique=False).delai_minimum_jours == 35


@pytest.mark.parametrize(("montant", "publicite", "avis"), [
    (Decimal("59999.99"), "aucune_obligatoire", False),
    (60000, "libre", True),
    (89999, "libre", True),
    (Decimal("89999.99"), "libre", True),
    (90000, "boamp_ou_jal", True),
    (215999, "boamp_ou_jal", True),
    (216000, "boamp_et_joue", True),
])
def test_publicity_at_thresholds(montant, publicite, avis):
    d = _decide(montant, D(2026, 5, 1))
    assert (d.publicite, d.avis_requis) == (publicite, avis)
    assert d.publicite_libelle.endswith(".")
    assert "R2131" in d.references["publicite"] or "R2122-8" in d.references["publicite"]


@pytest.mark.parametrize(("montant", "le", "gratuit"), [
    (Decimal("39999.99"), D(2026, 3, 31), False),
    (40000, D(2026, 3, 31), True),
    (50000, D(2026, 3, 31), True),
    (50000, D(2026, 4, 1), False),
    (Decimal("59999.99"), D(2026, 4, 1), False),
    (60000, D(2026, 4, 1), True),
])
def test_dce_gratuit_on_both_dates(montant, le, gratuit):
    d = _decide(montant, le)
    assert d.dce_gratuit_profil_acheteur is gratuit
    assert "R2132-2" in d.references["dce_gratuit"]


def test_dce_gratuit_needs_an_avis():
    # A voluntary MAPA under the dispense threshold publishes an avis, but is below R2132-2's
    # threshold; a dispense never has one.
    d = _decide(30000, D(2026, 5, 1), procedure="mapa")
    assert d.avis_requis and not d.dce_gratuit_profil_acheteur


@pytest.mark.parametrize(("le", "obligatoire"), [
    (D(2026, 8, 20), False),
    (D(2026, 8, 21), True),
    (D(2026, 11, 25), True),
])
def test_environmental_criterion_date_of_effect(le, obligatoire):
    d = _decide(100000, le)
    assert d.critere_environnemental_obligatoire is obligatoire
    assert d.critere_environnemental_depuis == D(2026, 8, 21)
    assert "R2152-7" in d.references["critere_environnemental"]


def test_no_environmental_criterion_required_without_competition():
    d = _decide(30000, D(2026, 9, 1))
    assert d.procedure == "dispense" and not d.critere_environnemental_obligatoire
    assert any("critère" in n for n in d.notes)


@pytest.mark.parametrize(("montant", "duree", "obligatoire"), [
    (50000, 3, False),
    (Decimal("50000.01"), 3, True),
    (100000, 2, False),
    (100000, 2.1, True),
    (Decimal("50000.01"), 2, False),
])
def test_advance_thresholds(montant, duree, obligatoire):
    d = _decide(montant, D(2026, 5, 1), duree)
    assert d.avance_obligatoire is obligatoire
    assert d.avance_taux_minimum == Decimal(5)
    assert "R2191-3" in d.references["avance"]


def test_advance_unknown_duration_is_false_and_noted():
    d = _decide(100000, D(2026, 5, 1))
    assert d.avance_obligatoire is False
    assert any("Durée du marché non renseignée" in n for n in d.notes)
    assert not any("Durée" in n for n in _decide(100000, D(2026, 5, 1), 6).notes)


@pytest.mark.parametrize(("montant", "due"), [(39999, False), (40000, True)])
def test_donnees_essentielles_even_under_the_dispense(montant, due):
    d = _decide(montant, D(2026, 5, 1))
    assert d.procedure == "dispense"
    assert d.donnees_essentielles is due
    assert "R2196-1" in d.references["donnees_essentielles"]


@pytest.mark.parametrize(("montant", "electronique", "ponderation", "reco", "minimum"), [
    (30000, False, False, None, None),
    (100000, True, False, 21, None),
    (300000, True, True, None, 30),
])
def test_exchanges_weighting_and_delays(montant, electronique, ponderation, reco, minimum):
    d = _decide(montant, D(2026, 5, 1))
    assert d.echanges_electroniques is electronique
    assert d.ponderation_obligatoire is ponderation
    assert d.delai_recommande_jours == reco
    assert d.delai_minimum_jours == minimum
    attendu = "R2132-7" if electronique else "R2132-12"
    assert attendu in d.references["echanges_electroniques"]


def test_declared_procedure_more_demanding_is_kept_lighter_is_replaced():
    ao = _decide(100000, D(2026, 5, 1), procedure="appel_offres_ouvert")
    assert ao.procedure == "appel_offres_ouvert" and ao.procedure_minimale == "mapa"
    assert ao.delai_minimum_jours == 30 and ao.ponderation_obligatoire
    d = _decide(100000, D(2026, 5, 1), procedure="dispense")
    assert d.procedure == "mapa"
    assert any("n'est pas permise" in n for n in d.notes)
    with pytest.raises(ValueError, match="Procédure inconnue"):
        _decide(100000, D(2026, 5, 1), procedure="negociee")


@pytest.mark.parametrize("montant", [Decimal("123456.70"), 123456.7, Decimal(123456)])
def test_amount_types(montant):
    d = _decide(montant, D(2026, 5, 1))
    assert isinstance(d.montant_estime_ht, Decimal)
    assert d.montant_estime_ht == Decimal(str(montant))
    assert _decide(100000, D(2026, 5, 1)).montant_estime_ht == Decimal(100000)


@pytest.mark.parametrize("montant", [-1, Decimal("-0.01"), -5.5])
def test_negative_amount_is_refused_in_french(montant):
    with pytest.raises(ValueError, match="ne peut pas être négatif"):
        _decide(montant, D(2026, 5, 1))


@pytest.mark.parametrize("montant", [float("nan"), float("inf"), "100000", True])
def test_invalid_amount_is_refused(montant):
    with pytest.raises(ValueError, match="Montant estimé invalide"):
        _decide(montant, D(2026, 5, 1))


def test_datetime_is_accepted_as_a_date():
    assert _decide(50000, dt.datetime(2026, 4, 1, 9, 30)).procedure == "dispense"


def test_decision_references_cover_every_item():
    d = _decide(300000, D(2026, 9, 1), 8)
    assert {"procedure", "publicite", "dce_gratuit", "echanges_electroniques", "delai", "avance",
            "critere_environnemental", "donnees_essentielles", "valeur_estimee",
            "ponderation"} <= set(d.references)
    assert all(v for v in d.references.values())
    assert d.base_legale == d.references["procedure"]
    assert "R2121-1" in d.references["valeur_estimee"]
    assert (d.seuil_dispense, d.seuil_publicite, d.seuil_formalise) == (60000, 90000, 216000)


def test_to_json_is_json_safe():
    d = _decide(Decimal("150000.50"), D(2026, 9, 1), 8)
    data = json.loads(json.dumps(d.to_json()))
    for cle in ("procedure", "publicite", "dce_gratuit_profil_acheteur", "delai_minimum_jours",
                "avance_obligatoire", "critere_environnemental_obligatoire",
                "donnees_essentielles", "references", "regles_a_verifier"):
        assert cle in data
    assert data["procedure"] == "mapa"
    assert data["montant_estime_ht"] == 150000.5
    assert data["date_consultation"] == "2026-09-01"
    assert data["seuil_formalise"] == 216000
    assert data["regles_a_verifier"] == ["avance_taux_minimum"]


def test_decide_reads_every_threshold_from_the_data():
    """A changed data file changes the decision: nothing is hard-coded in decide()."""
    texte = (ROOT / "cctp_builder/data/regles.yaml").read_text(encoding="utf-8")
    modifie = texte.replace("    valeur: 60000\n    unite: EUR_HT\n    en_vigueur_du: 2026-04-01",
                            "    valeur: 70000\n    unite: EUR_HT\n    en_vigueur_du: 2026-04-01",
                            1).replace("valeur: 2026-08-21\n", "valeur: 2026-09-15\n", 1)
    assert modifie != texte
    autres = Regles.depuis_texte(modifie)
    dispense = decide(65000, D(2026, 5, 1), regles=autres)
    assert dispense.procedure == "dispense"
    assert not dispense.dce_gratuit_profil_acheteur  # above R2132-2's threshold, but no avis
    assert decide(65000, D(2026, 5, 1), regles=REGLES).procedure == "mapa"
    assert not decide(100000, D(2026, 9, 1), regles=autres).critere_environnemental_obligatoire


def _nombres_et_articles(fonction) -> list[str]:
    arbre = ast.parse(inspect.getsource(fonction).lstrip())
    trouves = []
    for noeud in ast.walk(arbre):
        if isinstance(noeud, ast.Constant):
            v = noeud.value
            if isinstance(v, int | float) and not isinstance(v, bool) and v not in (0, 1):
                trouves.append(repr(v))
            if isinstance(v, str) and re.search(r"\b[LRD]\d{3,4}-\d+\b|\d{2}\s?000\b", v):
                trouves.append(v)
    return trouves


@pytest.mark.parametrize("fonction", [
    decision.decide, decision._procedure_minimale, decision._publicite, decision.format_decision])
def test_decision_code_holds_no_legal_number(fonction):
    assert _nombres_et_articles(fonction) == []


# --------------------------------------------------------------------------- format_decision


def test_format_decision_lists_the_flagged_rules():
    d = _decide(216000, D(2026, 9, 1), 8)
    assert set(d.regles_a_verifier) == {"publicite_procedure_formalisee", "avance_taux_minimum"}
    texte = format_decision(d)
    entete, _, liste = texte.partition("Règles à vérifier sur Légifrance :")
    assert liste, texte
    for ident in d.regles_a_verifier:
        regle = REGLES.get(ident, d.date_consultation)
        assert f"- {ident} ({regle.libelle}) : {regle.note}" in liste
    assert "appel d'offres ouvert" in entete
    assert "R2161-2" in entete and "R2161-3" in entete and "R2152-12" in entete
    assert "216\u202f000\u00a0€ HT" in entete
    assert "30 jours" in entete
    assert "1er septembre 2026" in entete


def test_format_decision_without_flagged_rules_says_so():
    texte = (ROOT / "cctp_builder/data/regles.yaml").read_text(encoding="utf-8")
    sans = Regles.depuis_texte(texte.replace("a_verifier: true", "a_verifier: false"))
    d = decide(100000, D(2026, 5, 1), 4, regles=sans)
    assert d.regles_a_verifier == ()
    assert "Règles à vérifier sur Légifrance :\n  aucune" in format_decision(d)


def test_format_decision_for_a_dispense():
    texte = format_decision(_decide(45000, D(2026, 9, 1), 1))
    assert "dispense" in texte and "R2122-8" in texte
    assert "non imposés" in texte  # electronic exchanges
    assert "Données essentielles : à publier" in texte


# --------------------------------------------------------------------------- tribunals


@pytest.mark.parametrize(("dep", "nom", "appel"), [
    ("04", "Marseille", "Marseille"), ("05", "Marseille", "Marseille"),
    ("13", "Marseille", "Marseille"), ("06", "Nice", "Marseille"),
    ("83", "Toulon", "Marseille"), ("84", "Nîmes", "Toulouse"), (4, "Marseille", "Marseille"),
    ("6", "Nice", "Marseille"),
])
def test_tribunal_by_departement(dep, nom, appel):
    t = REGLES.tribunal(dep, D(2026, 5, 1))
    assert t is not None and t.nom.endswith(nom) and t.appel.endswith(appel)
    assert "R221-3" in t.reference and "justice administrative" in t.reference


@pytest.mark.parametrize("dep", ["75", "38", "2A", "971"])
def test_unknown_departement_has_no_tribunal(dep):
    assert REGLES.tribunal(dep, D(2026, 5, 1)) is None


def test_uncertain_addresses_are_left_empty_and_flagged():
    toulon = REGLES.tribunal("83", D(2026, 5, 1))
    assert toulon.adresse is None and toulon.code_postal is None and toulon.a_verifier
    assert toulon.adresse_postale is None
    marseille = REGLES.tribunal("13", D(2026, 5, 1))
    assert marseille.adresse is None and marseille.code_postal == "13002"
    assert "Mazenod" in marseille.note
    assert REGLES.tribunal("84", D(2026, 5, 1)).adresse == "16 avenue Feuchères"


# --------------------------------------------------------------------------- templates


def _texte_docx(path: Path) -> str:
    with zipfile.ZipFile(path) as z:
        return " ".join(re.sub(r"<[^>]+>", "", z.read(n).decode("utf-8", "replace"))
                        for n in z.namelist() if n.startswith("word/") and n.endswith(".xml"))


def _textes_modeles(racine: Path = ROOT) -> list[tuple[Path, str]]:
    out = []
    for dossier in ("templates_src", "templates"):
        base = racine / dossier
        if not base.is_dir():
            continue
        for p in sorted(base.rglob("*")):
            if p.suffix == ".docx":
                out.append((p, _texte_docx(p)))
            elif p.suffix in {".txt", ".xml", ".j2", ".jinja", ".md", ".html"}:
                out.append((p, p.read_text(encoding="utf-8", errors="replace")))
    return out


SEUILS_INTERDITS = ("40 000", "60 000", "90 000", "216 000", "221 000")


def _articles_des_regles() -> set[str]:
    textes = [r.reference for r in REGLES.toutes()]
    return {f"{m[0]}{m[1]}" for t in textes for m in re.findall(r"\b([LRD])(\d{3,4}-\d+)\b", t)}


def _seuils_des_regles() -> set[str]:
    out = set()
    for r in REGLES.toutes():
        if r.unite == "EUR_HT" and r.valeur >= 10000:
            out.add(f"{int(r.valeur):,}".replace(",", " "))
    return out


def _motif_montant(m: str) -> re.Pattern[str]:
    milliers, centaines = m.rsplit(" ", 1)
    return re.compile(rf"(?<![\d/.,]){milliers}[ \u00a0\u202f.]?{centaines}(?![\d])")


def _motif_article(a: str) -> re.Pattern[str]:
    lettre, numero = a[0], a[1:]
    return re.compile(rf"(?<![\w]){lettre}\.?\s*{re.escape(numero)}(?![\d])")


def _violations(racine: Path) -> list[str]:
    motifs = [(s, _motif_montant(s)) for s in _seuils_des_regles()]
    motifs += [(a, _motif_article(a)) for a in _articles_des_regles()]
    out = []
    for path, texte in _textes_modeles(racine):
        for libelle, motif in motifs:
            for m in motif.finditer(texte):
                extrait = texte[max(0, m.start() - 40):m.end() + 40].replace("\n", " ")
                out.append(f"{path.relative_to(racine)} : « {libelle} » écrit en dur "
                           f"(…{extrait}…) ; utilisez regle()/ref()/procedure.*")
    return out


def test_template_scan_patterns():
    assert {"R2122-8", "R2123-1", "R2161-2", "R2131-12", "R2132-2", "R2196-1", "R2152-12",
            "R2191-3", "L2152-7", "R221-3"} <= _articles_des_regles()
    assert set(SEUILS_INTERDITS) <= _seuils_des_regles()
    assert _motif_montant("40 000").search("seuil : 40000 € HT")
    assert _motif_montant("40 000").search("40\u202f000 €")
    assert not _motif_montant("40 000").search("140 000 € ; échelle 1/40 000")
    assert _motif_article("R2161-2").search("article R. 2161-2")
    assert not _motif_article("R2161-2").search("articles R2161-23 et R2161-25")


def test_template_scan_catches_hard_coded_values(tmp_path):
    (tmp_path / "templates_src" / "rc").mkdir(parents=True)
    (tmp_path / "templates_src" / "rc" / "01.txt").write_text(
        "Procédure adaptée (article {{ ref('procedure_adaptee') }}), seuil {{ regle('x') }}.\n",
        encoding="utf-8")
    assert _violations(tmp_path) == []
    (tmp_path / "templates_src" / "rc" / "02.txt").write_text(
        "Marché inférieur à 90 000 € HT.\n", encoding="utf-8")
    (tmp_path / "templates" / "rc").mkdir(parents=True)
    with zipfile.ZipFile(tmp_path / "templates" / "rc" / "01.docx", "w") as z:
        z.writestr("word/document.xml", "<w:p><w:r><w:t>article R2</w:t></w:r>"
                                        "<w:r><w:t>122-8 du code</w:t></w:r></w:p>")
    trouvees = _violations(tmp_path)
    assert len(trouvees) == 2
    assert any("90 000" in v and "02.txt" in v for v in trouvees)
    assert any("R2122-8" in v and "01.docx" in v for v in trouvees)


def test_templates_take_thresholds_and_articles_from_the_rules():
    violations = _violations(ROOT)
    assert not violations, "\n".join(violations)


# --------------------------------------------------------------------------- schema of the file


def test_schema_json_des_regles_a_jour(update_golden):
    """data/regles.schema.json is the pydantic model's schema (editors validate against it)."""
    from cctp_builder.models.regles import schema_regles

    chemin = Path(__file__).resolve().parents[1] / "cctp_builder" / "data" / "regles.schema.json"
    if update_golden:
        chemin.write_text(schema_regles(), encoding="utf-8")
    assert chemin.read_text(encoding="utf-8") == schema_regles(), (
        "schéma des règles périmé : pytest tests/test_rules.py --update-golden")
    schema = json.loads(chemin.read_text(encoding="utf-8"))
    entree = schema["$defs"]["EntreeRegle"]
    assert set(entree["required"]) == {"id", "libelle", "valeur", "unite", "en_vigueur_du", "au",
                                       "reference", "source", "a_verifier"}
    assert entree["additionalProperties"] is False
    premiere = (chemin.parent / "regles.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert premiere == "# yaml-language-server: $schema=regles.schema.json"


def test_erreurs_multiples_toutes_signalees_en_francais():
    texte = _yaml(_ENTREE.format(id="x", valeur=1, du="null", au="null")
                  .replace("a_verifier: false", "a_verifier: peut-etre")
                  .replace("source: https://example.org/", "source: example.org"))
    with pytest.raises(ReglesInvalides) as exc:
        Regles.depuis_texte(texte, origine="essai.yaml")
    message = str(exc.value)
    assert message.startswith("essai.yaml : règle n° 1 « x »")
    assert "a_verifier doit valoir true ou false" in message
    assert "la source doit être une adresse http(s)" in message
