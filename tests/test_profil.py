"""Issue 9: the CCTP follows the commune's real project (profile, new modules, computed
meetings and sequence, scales, one skills table, annexes, input hygiene)."""

from __future__ import annotations

import hashlib
import json
import re

import pytest
from conftest import EXEMPLES, MAPA, RACINE, donnees, ecrire
from docxtext import docx_texte, normaliser, xlsx_texte
from hypothesis import given, settings
from hypothesis import strategies as st

from cctp_builder import analyser_projet, load_project, render_piece
from cctp_builder.catalogue import catalogue
from cctp_builder.cli import main
from cctp_builder.echelles import OBJETS, denominateur, format_echelle, jetons
from cctp_builder.kit import render_kit
from cctp_builder.models import Consultation
from cctp_builder.render.filters import compte
from cctp_builder.resolution import compter_reunion, resoudre

ECOLE = RACINE / "examples" / "lescaux-ancienne-ecole.yaml"
ILOT = RACINE / "examples" / "sauvebonne-ilot-des-ecoles.yaml"
CENTRE = RACINE / "examples" / "saint-julien-centre-bourg.yaml"


def cctp(data: dict) -> str:
    return normaliser(docx_texte(render_piece(Consultation.model_validate(data), "cctp"),
                                 entetes=False))


# --------------------------------------------------------------------------- contract


def test_etudes_json_lists_modules_phases_and_dependencies(runner):
    res = runner.invoke(main, ["etudes", "--json"])
    assert res.exit_code == 0, res.output
    modules = json.loads(res.output)
    cles = {m["cle"] for m in modules}
    refs = {f"{m['cle']}/{p['code']}" for m in modules for p in m["phases"]} | cles
    for m in modules:
        assert {"cle", "intitule", "phases"} <= set(m)
        for p in m["phases"]:
            assert {"code", "nom", "duree_semaines", "depend_de"} <= set(p)
            assert all(d in refs for d in p["depend_de"]), (m["cle"], p["depend_de"])
    intitules = [m["intitule"] for m in modules]
    assert any("réhabilitation" in i or "reconversion" in i for i in intitules)
    assert any("maître d'œuvre" in i or "maîtrise d'œuvre" in i for i in intitules)
    assert any("OAP" in i or "réglementaire" in i for i in intitules)
    faisa = next(m for m in modules if m["cle"] == "faisabilite_amenagement")
    assert "programmation_urbaine/scenarios" in faisa["phases"][0]["depend_de"]
    concert = next(m for m in modules if m["cle"] == "concertation")
    assert "concertation/animation" in concert["phases"][-1]["depend_de"]
    moe = next(m for m in modules if m["cle"] == "assistance_choix_moe")
    assert moe["conflit_interets"] is True


def test_validate_warns_on_working_notes_and_exits_0(runner, tmp_path):
    data = donnees(MAPA)
    data["operation"]["enjeux"] = ("Accueillir de jeunes ménages "
                                   "(à vérifier au porter à connaissance).")
    res = runner.invoke(main, ["validate", str(ecrire(tmp_path, data))])
    assert res.exit_code == 0, res.output
    assert "[operation.enjeux]" in res.output and "à vérifier" in res.output


def test_dpgf_has_an_additional_meeting_row():
    texte = xlsx_texte(render_kit(load_project(MAPA), pieces=["dpgf"]).fichiers["05-DPGF.xlsx"])
    assert "Réunion supplémentaire" in texte


def test_annexes_are_copied_hashed_listed_and_cited(runner, tmp_path):
    dce = tmp_path / "dce"
    res = runner.invoke(main, ["build", str(ILOT), "-o", str(dce)])
    assert res.exit_code == 0, res.output
    kit = dce / "2027-04"
    manifeste = json.loads((kit / "manifest.json").read_text("utf-8"))
    projet = load_project(ILOT)
    for i, a in enumerate(projet.annexes):
        source = (ILOT.parent / a.fichier).read_bytes()
        nom = next(n for n in manifeste["fichiers"] if n.endswith(a.fichier.rsplit("/", 1)[1]))
        assert manifeste["fichiers"][nom]["sha256"] == hashlib.sha256(source).hexdigest()
        assert (kit / nom).read_bytes() == source
        rc = normaliser(docx_texte((kit / "01-RC.docx").read_bytes()))
        assert f"Annexe A{i + 1}" in rc and normaliser(a.titre) in rc
    texte = normaliser(docx_texte((kit / "04-CCTP.docx").read_bytes()))
    assert "annexe A1, « Plan de l'îlot des Écoles et des périmètres »" in texte


def test_missing_or_bad_annex_is_a_located_error_and_nothing_is_written(runner, tmp_path):
    data = donnees(ILOT)
    data["annexes"] = [{"fichier": "absent.pdf", "titre": "Plan du site"},
                       {"fichier": "notes.txt", "titre": "Notes"}]
    chemin = ecrire(tmp_path, data)
    res = runner.invoke(main, ["build", str(chemin), "-o", str(tmp_path / "dce")])
    assert res.exit_code == 1
    assert "[annexes.0.fichier]" in res.output and "absent.pdf" in res.output
    assert "[annexes.1.fichier]" in res.output and "PDF" in res.output
    assert "Traceback" not in res.output
    assert not (tmp_path / "dce" / "2027-04").exists()


def test_no_site_plan_leaves_a_marker_refused_by_final(runner, tmp_path):
    data = donnees(ILOT)
    data["annexes"] = [a for a in data["annexes"] if "Plan" not in a["titre"]]
    for a in data["annexes"]:
        a["fichier"] = str(ILOT.parent / a["fichier"])
    texte = cctp(data)
    assert "[À compléter : plan du site" in texte
    assert "[À compléter : plan du site" not in cctp(donnees(ILOT))


# --------------------------------------------------------------------------- profile

@pytest.mark.parametrize("nature, present", [("extension", True), ("densification", False)])
def test_enaf_sentence_only_for_an_extension(nature, present):
    data = donnees(MAPA)
    data["operation"]["nature"] = nature
    texte = cctp(data)
    assert ("la surface d'ENAF consommée" in texte) is present
    assert ("Le site est inclus dans l'enveloppe urbaine" in texte) is not present


@pytest.mark.parametrize("mode, cession", [("cession_operateur", True),
                                           ("location_communale", False)])
def test_sale_to_operators_only_when_the_commune_sells(mode, cession):
    data = donnees(MAPA)
    data["operation"]["foncier"] = {"mode_gestion": mode}
    texte = cctp(data)
    assert ("conditions de cession aux futurs opérateurs" in texte) is cession
    assert ("entend les conserver" in texte) is not cession


@pytest.mark.parametrize("statut, pup", [("communal", False), ("prive", True)])
def test_pup_only_when_private_land_is_involved(statut, pup):
    data = donnees(MAPA)
    data["operation"]["sites"][0]["statut_foncier"] = statut
    assert ("projet urbain partenarial" in cctp(data)) is pup


@pytest.mark.parametrize("nature, relier", [("extension", True),
                                            ("renouvellement_centre_bourg", False)])
def test_link_to_the_centre_only_for_an_extension(nature, relier):
    data = donnees(MAPA)
    data["operation"]["nature"] = nature
    texte = cctp(data)
    assert ("relier le quartier au centre-bourg" in texte) is relier
    assert ("trame agricole, lisières" in texte) is relier


def test_topographic_survey_claim_follows_the_chosen_phases():
    data = donnees(MAPA)
    assert "le levé topographique réalisé dans le cadre du présent marché" not in cctp(data)
    data["etudes"].append({"module": "etudes_techniques"})
    data["tranches"][0]["phases"].append("etudes_techniques")
    assert "le levé topographique réalisé dans le cadre du présent marché" in cctp(data)


def test_without_cotech_no_technical_committee_is_mentioned():
    data = donnees(MAPA)
    avec = cctp(data)
    assert "comité technique" in avec and "COTECH" in avec
    del data["pilotage"]["cotech"]
    data["marche"]["clause_environnementale"] = "Le titulaire limite ses déplacements."
    sans = cctp(data)
    assert "comité technique" not in sans and "COTECH" not in sans
    assert "0 réunion" not in sans
    projet = Consultation.model_validate(data)
    for piece in ("cmt", "ccap"):
        assert "comité technique" not in normaliser(docx_texte(render_piece(projet, piece)))


@pytest.mark.parametrize("cadre, phrase", [
    ({"type": "abords_mh", "nom": "abords de l'église"},
     "l'accord de l'architecte des Bâtiments de France"),
    ({"type": "old", "nom": "débroussaillement"}, "bandes débroussaillées"),
    ({"type": "zone_sismique", "nom": "zone de sismicité 4"}, "construction parasismique"),
])
def test_site_frameworks_are_printed_only_when_declared(cadre, phrase):
    data = donnees(MAPA)
    assert phrase not in cctp(data)
    data["operation"]["cadres"] = [cadre]
    assert phrase in cctp(data)


def test_building_rehabilitation_text():
    texte = normaliser(docx_texte(render_piece(load_project(ECOLE), "cctp"), entetes=False))
    assert "densité brute" not in texte and "ENAF" not in texte
    assert "plan-guide" not in texte and "scénario" not in texte
    assert "surface de plancher existante : environ 240 m², sur deux niveaux" in texte.lower()
    assert "amiante" in texte and "commande séparément" in texte
    assert "loyers couvrent-ils les annuités" in texte
    assert "1/100" in texte
    assert "Le marché ne prévoit pas de temps de participation" in texte
    mapa = normaliser(docx_texte(render_piece(load_project(MAPA), "cctp"), entetes=False))
    assert "densité brute" in mapa
    assert "Le marché ne prévoit pas de temps de participation" not in mapa


def test_conflict_of_interest_clause_only_with_the_moe_module():
    centre = normaliser(docx_texte(render_piece(load_project(CENTRE), "cctp"), entetes=False))
    assert "ne peuvent ni se porter candidats" in centre
    assert "du maître d'œuvre de l'opération" in centre
    assert "ne peuvent ni se porter candidats" not in cctp(donnees(MAPA))


# --------------------------------------------------------------------------- computations


def test_feasibility_waits_for_the_scenario_and_the_critical_path_counts_it():
    res = resoudre(load_project(MAPA))
    ph = {p.ref: p for p in res.phases}
    assert ph["faisabilite_amenagement/faisabilite"].debut_semaine == \
        ph["programmation_urbaine/scenarios"].fin_semaine
    tf = res.tranches[0]
    assert tf.duree_calendaire_semaines == max(p.fin_semaine for p in tf.phases)
    assert tf.duree_semaines > 24  # not the parallel-studies maximum of one module


def test_phase_numbers_are_unique_and_sequential_in_the_cctp():
    for chemin in EXEMPLES:
        texte = docx_texte(render_piece(load_project(chemin), "cctp"), entetes=False)
        numeros = [int(n) for n in re.findall(r"^Phase (\d+) – ", texte, re.M)]
        assert numeros == list(range(1, len(numeros) + 1)), chemin.name


def test_scales_never_get_coarser_and_use_one_typography():
    for m in catalogue().values():
        precedent = None
        for p in m.phases:
            objets = [o for x in p.contenu + p.livrables for o in jetons(x)]
            assert all(o in OBJETS for o in objets), m.cle
            if not objets:
                continue
            for surface, bat in ((0.5, False), (5, False), (30, False), (0.1, True)):
                fin = min(denominateur(o, surface, bat) for o in objets)
                if precedent is not None:
                    assert fin <= precedent[(surface, bat)], (m.cle, p.code)
            precedent = {(s, b): min(denominateur(o, s, b) for o in objets)
                         for s, b in ((0.5, False), (5, False), (30, False), (0.1, True))}
    for chemin in EXEMPLES:
        texte = docx_texte(render_piece(load_project(chemin), "cctp"))
        assert not re.search(r"1/\d{4}", texte), chemin.name
        assert not re.search(r"1/\d \d{3}", texte.replace("\u00a0", "#")), chemin.name


def test_impossible_and_tight_calendars(tmp_path):
    data = donnees(ECOLE)
    data["marche"]["duree_mois"] = 4
    _, r = analyser_projet(ecrire(tmp_path, data, "court.yaml"))
    assert any(c.chemin == "marche.duree_mois" and "impossible" in c.message for c in r.erreurs)
    data["marche"]["duree_mois"] = 6
    _, r = analyser_projet(ecrire(tmp_path, data, "tendu.yaml"))
    assert any(c.chemin == "marche.duree_mois" and "tendu" in c.message
               for c in r.avertissements)


# --------------------------------------------------------------------------- hygiene


def test_hygiene_warnings(tmp_path):
    data = donnees(MAPA)
    data["marche"]["reference"] = "etude-pre-cure"
    data["acheteur"]["population_annee"] = 2015
    data["calendrier"]["date_limite_questions"] = "2026-12-25"  # Noël
    data["calendrier"]["date_limite_remise"] = "2027-01-09T12:00:00"  # samedi
    data["calendrier"]["visite_site"] = {"obligatoire": True}
    projet, r = analyser_projet(ecrire(tmp_path, data))
    assert projet is not None and not r.erreurs, r.erreurs
    par_chemin = {c.chemin: c.message for c in r.avertissements}
    assert "2026-12" in par_chemin["marche.reference"]
    assert "2015" in par_chemin["acheteur.population_annee"]
    assert "Noël" in par_chemin["calendrier.date_limite_questions"]
    assert "samedi" in par_chemin["calendrier.date_limite_remise"]
    assert "rendez-vous" in par_chemin["calendrier.visite_site"]


def test_clean_examples_have_no_hygiene_warning():
    for chemin in (ECOLE, ILOT, CENTRE):
        _, r = analyser_projet(chemin)
        # the examples' communes are fictional: the commune table rightly says so
        # (tests/test_communes.py); every other warning is a hygiene fault
        autres = [c for c in r.avertissements if c.chemin != "acheteur.code_insee"]
        assert not r.erreurs and not autres, (chemin.name, autres)


# --------------------------------------------------------------------------- consistency


@pytest.mark.parametrize("chemin", EXEMPLES, ids=lambda p: p.stem)
def test_meetings_durations_scales_and_skills_agree_across_pieces(chemin):
    projet = load_project(chemin)
    kit = render_kit(projet, kit="complet")  # the full kit: CCTP, CCAP, CMT and DPGF
    t = {nom.split("-", 1)[1].split(".")[0]: normaliser(
        xlsx_texte(d) if nom.endswith(".xlsx") else docx_texte(d))
        for nom, d in kit.fichiers.items()}
    res = resoudre(projet)
    reunions = res.reunions
    # meetings: the CCTP table, the CMT table and the CCAP sentence give the computed totals
    assert f"Total {reunions['copil']}" in t["CCTP"].replace("*", "")
    assert f"Total {reunions['copil']}" in t["CMT"].replace("*", "")
    dont = compte(reunions["copil"], "réunion", genre="f")  # counts are written in words
    assert normaliser(f"dont {dont} du comité de pilotage") in t["CCAP"]
    assert "Réunion supplémentaire" in t["DPGF"]
    for tr in res.tranches:
        ligne = f"{tr.code} {tr.reunions['copil']}"
        assert ligne in t["CCTP"] and ligne in t["CMT"], tr.code
        # durations: the same critical path in the CCTP and the CMT
        from cctp_builder.render.filters import duree_semaines
        assert normaliser(duree_semaines(tr.duree_semaines)) in t["CCTP"]
        assert normaliser(duree_semaines(tr.duree_semaines)) in t["CMT"]
    # skills: the same rows in the RC, the CCTP and the CMT
    from cctp_builder.equipe import competences_equipe
    for c in competences_equipe(projet, res):
        libelle = normaliser(c.domaine[:1].upper() + c.domaine[1:])
        for piece in ("RC", "CCTP", "CMT"):
            assert libelle in t[piece], (piece, c.domaine)
            assert normaliser(c.libelle_exigence) in t[piece]
    # scales: every scale printed by the CCTP comes from the table
    for e in re.findall(r"1/(\d[\d\u00a0\u202f ]*\d|\d+)", t["CCTP"]):
        assert int(re.sub(r"\D", "", e)) in {25000, 10000, 5000, 2000, 1000, 500, 200, 100, 50}


def test_land_control_in_figures_only_when_given():
    data = donnees(MAPA)
    assert "Maîtrise foncière de l'opération" not in cctp(data)
    data["operation"]["foncier"] = {"communal_ha": 1.2, "prive_ha": 0.4,
                                    "acquisitions": ["parcelle AB 12, en négociation"]}
    texte = cctp(data)
    assert "1,2 ha appartenant à la commune et 0,4 ha restant à des propriétaires privés" in texte
    assert "parcelle AB 12, en négociation" in texte


# --------------------------------------------------------------------------- properties



@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(min_value=1, max_value=20), min_size=1, max_size=5),
       st.lists(st.booleans(), min_size=5, max_size=5), st.integers(min_value=0, max_value=4))
def test_critical_path_bounds(durees, liens, validation):
    """The tranche lasts at least its longest phase and at most all phases end to end."""
    data = donnees(MAPA)
    phases = []
    for i, d in enumerate(durees):
        phase = {"code": f"p{i}", "nom": f"Phase {i}", "duree_semaines": d}
        phases.append(phase)
    data["etudes"] = [{"module": "programmation_urbaine", "phases": phases[:1]},
                      {"module": "concertation", "phases": phases[1:]}
                      if len(phases) > 1 else {"module": "concertation"}]
    if len(phases) > 1 and liens[0]:
        phases[1]["depend_de"] = ["programmation_urbaine/p0"]
    data["tranches"] = [{"code": "TF", "intitule": "Études", "montant_estime_ht": 50000,
                         "phases": ["programmation_urbaine", "concertation"]}]
    data["pilotage"]["delai_validation_semaines"] = validation
    res = resoudre(Consultation.model_validate(data))
    tf = res.tranches[0]
    faites = [p.duree_semaines for p in tf.phases]
    assert max(faites) <= tf.duree_semaines <= sum(faites)
    assert tf.duree_calendaire_semaines >= tf.duree_semaines + validation
    assert [p.numero for p in res.phases] == list(range(1, len(res.phases) + 1))


@given(st.integers(min_value=1, max_value=50),
       st.sampled_from(["comité de pilotage", "comité technique", "atelier public"]))
def test_meeting_lines_are_counted(n, objet):
    categorie, compte = compter_reunion(f"{n} {objet} de présentation")
    assert compte == n
    assert categorie == {"comité de pilotage": "copil", "comité technique": "cotech"}.get(
        objet, "autres")


@given(st.sampled_from([50, 100, 200, 500, 1000, 2000, 5000, 10000, 25000]))
def test_scale_typography(n):
    texte = format_echelle(n)
    assert texte.startswith("1/") and " " not in texte
    assert int(texte[2:].replace("\u00a0", "")) == n


def test_annex_file_names_are_kept_unless_they_collide(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    for d in ("a", "b"):
        (tmp_path / d / "plan.pdf").write_bytes(b"%PDF-1.4 " + d.encode())
    (tmp_path / "photo.jpg").write_bytes(b"\xff\xd8\xff jpeg")
    data = donnees(MAPA)
    data["annexes"] = [{"fichier": "a/plan.pdf", "titre": "Plan du site"},
                       {"fichier": "b/plan.pdf", "titre": "Plan des réseaux"},
                       {"fichier": "photo.jpg", "titre": "Photographies"}]
    projet = load_project(ecrire(tmp_path, data))
    from cctp_builder import build_kit
    build_kit(projet, tmp_path / "dce", annexes_depuis=tmp_path)
    kit = tmp_path / "dce" / "CHV-2026-03" / "annexes"
    assert sorted(p.name for p in kit.iterdir()) == ["A1-plan.pdf", "A2-plan.pdf", "photo.jpg"]
    manifeste = json.loads((kit.parent / "manifest.json").read_text("utf-8"))
    assert manifeste["fichiers"]["annexes/photo.jpg"]["sha256"] == hashlib.sha256(
        b"\xff\xd8\xff jpeg").hexdigest()
