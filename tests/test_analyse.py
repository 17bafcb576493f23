"""After the publication: offers file, scoring by the RC, award documents (CLI and public API)."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from pathlib import Path

import jsonschema
import pytest
import yaml
from conftest import MAPA, RACINE, RICHE, donnees, ecrire, modifier
from docxtext import docx_texte, normaliser

import cctp_builder
from cctp_builder import (
    OffresInvalides,
    analyser_offres,
    construire_analyse,
    load_project,
    render_piece,
)
from cctp_builder.cli import main

OFFRES_RICHE = RICHE.with_name("valmoirac-quartier-des-aires.offres.yaml")
OFFRES_MAPA = MAPA.with_name("chanteverne-coeur-de-village.offres.yaml")
# The official schema (139bercy/format-commande-publique, Unlicense), copied with its SOURCE.md.
SCHEMA_DECP = RACINE / "tests" / "fixtures" / "decp" / "schema_decp_v2.0.3.json"


def _schema() -> dict:
    return json.loads(SCHEMA_DECP.read_text("utf-8"))


def _offres(chemin: Path = OFFRES_RICHE) -> dict:
    return yaml.safe_load(chemin.read_text("utf-8"))


def _build(runner, tmp_path: Path, projet: Path = RICHE, offres: Path = OFFRES_RICHE,
           *args: str):
    return runner.invoke(main, ["analyse", "build", str(projet), str(offres), "-o",
                                str(tmp_path / "out"), *args])


# --------------------------------------------------------------------------- contract


def test_public_api_exports_the_analysis():
    assert {"analyser_offres", "charger_offres", "construire_analyse",
            "OffresInvalides"} <= set(cctp_builder.__all__)


@pytest.mark.parametrize("projet,offres,reference,gagnant,rejetes", [
    (RICHE, OFFRES_RICHE, "VLM-2026-07", "urbanova-conseil",
     ["agence-terres-d-aires", "cabinet-lignes-et-territoires", "espace-urba-sud",
      "atelier-nord-durance"]),
    (MAPA, OFFRES_MAPA, "CHV-2026-03", "atelier-sillons-paysage-et-urbanisme",
     ["territoires-et-concertation-scop", "urbicus-conseil", "agence-rhizome"]),
])
def test_cli_build_writes_the_award_folder(runner, tmp_path, projet, offres, reference, gagnant,
                                           rejetes):
    res = _build(runner, tmp_path, projet, offres)
    assert res.exit_code == 0, res.output
    dossier = tmp_path / "out" / reference / "analyse"
    noms = {p.name for p in dossier.iterdir()}
    attendus = {"RAO.docx", "grille.xlsx", "decp.json", "manifest.json",
                f"NOTI1-{gagnant}.docx", f"NOTI5-{gagnant}.docx",
                *(f"NOTI3-{r}.docx" for r in rejetes)}
    assert attendus <= noms
    assert ("avis-attribution.docx" in noms) == (projet == RICHE)  # formal procedure only
    for docx in dossier.glob("*.docx"):  # complete examples leave no marker to fill in
        assert "[À compléter" not in docx_texte(docx), docx.name
    jsonschema.validate(json.loads((dossier / "decp.json").read_text("utf-8")), _schema())
    manifeste = json.loads((dossier / "manifest.json").read_text("utf-8"))
    assert set(manifeste["fichiers"]) == noms - {"manifest.json"}
    for nom, info in manifeste["fichiers"].items():
        assert info["octets"] == (dossier / nom).stat().st_size
    assert manifeste["attributaire"] == manifeste["classement"][0]["candidat"]
    # A second build without --force refuses and leaves the folder as it was.
    res = _build(runner, tmp_path, projet, offres)
    assert res.exit_code == 1 and "--force" in res.output
    assert {p.name for p in dossier.iterdir()} == noms


def test_decp_carries_the_winner_and_the_contract(tmp_path):
    projet = load_project(RICHE)
    analyse = analyser_offres(projet, OFFRES_RICHE)
    construire_analyse(analyse, tmp_path)
    decp = json.loads((tmp_path / "VLM-2026-07" / "analyse" / "decp.json").read_text("utf-8"))
    marche = decp["marches"]["marche"][0]
    assert marche["montant"] == 235000
    assert marche["offresRecues"] == 5
    assert marche["procedure"] == "Appel d'offres ouvert"
    assert marche["typeGroupementOperateurs"] == "Solidaire"
    assert [t["titulaire"]["id"] for t in marche["titulaires"]] == ["85872492500012",
                                                                     "34149772500018"]
    assert marche["acheteur"]["id"] == projet.acheteur.siret
    assert marche["dateNotification"] == "2027-03-03"
    assert marche["sousTraitanceDeclaree"] is True


def test_no_decp_below_the_threshold(tmp_path):
    data = donnees(MAPA)
    for t, m in zip(data["tranches"], (20000, 5000, 8000), strict=True):
        t["montant_estime_ht"] = m
    projet = ecrire(tmp_path, data)
    offres = _offres(OFFRES_MAPA)
    for o in offres["offres"]:
        o["prix"] = {"TF": 19000, "TO1": 4000, "TO2": 7000}
        o.pop("offre_anormalement_basse", None)
    chemin = ecrire(tmp_path, offres, "offres.yaml")
    analyse = analyser_offres(load_project(projet), chemin)
    assert not analyse.donnees_essentielles
    ecrits = construire_analyse(analyse, tmp_path / "out")
    assert "decp.json" not in {p.name for p in ecrits}


# --------------------------------------------------------------------------- scoring


def _note_prix_attendue(nmax: int, pmin: Fraction, p: Fraction) -> Decimal:
    exacte = Fraction(nmax) * pmin / p
    return (Decimal(exacte.numerator) / Decimal(exacte.denominator)).quantize(
        Decimal("0.01"), rounding=ROUND_HALF_UP)


def test_example_ranking_and_exclusions():
    analyse = analyser_offres(load_project(RICHE), OFFRES_RICHE)
    assert [(r.rang, r.nom, r.total) for r in analyse.classement] == [
        (1, "Urbanova Conseil", Decimal("88.98")),
        (2, "Agence Terres d'Aires", Decimal("88.00")),
        (3, "Cabinet Lignes et Territoires", Decimal("83.65")),
    ]
    exclues = {r.nom: r.motif_exclusion for r in analyse.exclues}
    assert "anormalement basse" in exclues["Espace Urba Sud"]
    assert "irrégulière" in exclues["Atelier Nord-Durance"]
    assert [r.nom for r in analyse.oab] == ["Espace Urba Sud"]
    # The near tie: under one point between the first two.
    assert analyse.classement[0].total - analyse.classement[1].total < 1


def test_price_formula_recomputed_from_the_offers_file():
    """The price notes equal 35 × Pmin / P computed here from the file's own figures (HT per
    tranche, + 20 % VAT since the RC compares TTC), with exact fractions."""
    offres = _offres()
    analyse = analyser_offres(load_project(RICHE), OFFRES_RICHE)
    retenus = {r.nom for r in analyse.classement}
    ttc = {o["candidat"]["nom"]: Fraction(sum(o["prix"].values())) * Fraction(6, 5)
           for o in offres["offres"] if o["candidat"]["nom"] in retenus}
    pmin = min(ttc.values())
    for r in analyse.classement:
        assert r.note_prix == _note_prix_attendue(35, pmin, ttc[r.nom]), r.nom


def test_tie_broken_by_the_rc_rule(tmp_path):
    """Two offers with the same total: the one better on the RC's tie criterion comes first."""
    data = _offres()
    a, b = data["offres"][0], data["offres"][1]
    b["prix"] = dict(a["prix"])  # same price note
    # a: technique 10.5 + 20 + 10.5 = 41, environment 15 × 80 % = 12 → 53 + price
    # b: technique 10.5 + 14 + 15 = 39.5, environment 15 × 90 % = 13.5 → 53 + price
    b["notes"]["Compréhension du site et des enjeux de Valmoirac"]["appreciation"] = \
        "satisfaisant"
    b["notes"]["Méthode et organisation des phases"]["appreciation"] = "satisfaisant"
    b["notes"]["Composition et expérience de l'équipe"]["appreciation"] = "très satisfaisant"
    b["notes"]["Performance environnementale de l'exécution"]["appreciations"] = \
        ["très satisfaisant", "très satisfaisant", "satisfaisant"]
    chemin = ecrire(tmp_path, data, "offres.yaml")
    analyse = analyser_offres(load_project(RICHE), chemin)
    ra = next(r for r in analyse.classement if r.nom == a["candidat"]["nom"])
    rb = next(r for r in analyse.classement if r.nom == b["candidat"]["nom"])
    assert ra.total == rb.total
    assert analyse.departage.nom == "Valeur technique"
    assert ra.note(analyse.departage).note == Decimal(41)
    assert rb.note(analyse.departage).note == Decimal("39.5")
    assert (ra.rang, rb.rang) == (1, 2) and ra.departage and rb.departage


def test_abnormally_low_offer_is_flagged_never_decided(tmp_path, runner):
    data = _offres()
    data["offres"][3].pop("offre_anormalement_basse")
    data["offres"][3].pop("justification_prix")
    chemin = ecrire(tmp_path, data, "offres.yaml")
    analyse = analyser_offres(load_project(RICHE), chemin)
    urba = next(r for r in analyse.resultats if r.nom == "Espace Urba Sud")
    assert urba.oab_signalee and urba.admise  # flagged, still in the ranking
    assert urba.oab_ecart >= analyse.seuil_oab
    res = _build(runner, tmp_path, RICHE, chemin)
    assert res.exit_code == 0, res.output
    assert "anormalement basse" in res.output
    rao = normaliser(docx_texte(tmp_path / "out" / "VLM-2026-07" / "analyse" / "RAO.docx"))
    assert "demande de justification à adresser au candidat avant toute décision" in rao


# --------------------------------------------------------------------------- consistency


def _ligne_formule(texte: str) -> str:
    return next(ligne.strip() for ligne in texte.splitlines() if ligne.startswith("Note = "))


@pytest.mark.parametrize("projet,offres,reference", [(RICHE, OFFRES_RICHE, "VLM-2026-07"),
                                                      (MAPA, OFFRES_MAPA, "CHV-2026-03")])
def test_rc_and_rao_show_the_same_criteria_weights_formula_and_tie_rule(
        runner, tmp_path, projet, offres, reference):
    assert _build(runner, tmp_path, projet, offres).exit_code == 0
    rc = docx_texte(render_piece(load_project(projet), "rc"), entetes=False)
    rao = docx_texte(tmp_path / "out" / reference / "analyse" / "RAO.docx", entetes=False)
    assert _ligne_formule(rc) == _ligne_formule(rao)
    modele = load_project(projet)
    for c in modele.criteres:
        motif = f"{c.nom}\n{int(c.poids)} %"
        assert motif in rc.replace("\u00a0", " ").replace("*", "")
        assert motif in rao.replace("\u00a0", " ")
        for s in c.sous_criteres:
            assert f"– {s.nom}\n{int(s.poids)} %" in rc.replace("\u00a0", " ")
            assert f"– {s.nom}\n{int(s.poids)} %" in rao.replace("\u00a0", " ")
    departage = re.search(r"En cas d'égalité, l'offre la mieux notée sur le critère « (.+?) »",
                          normaliser(rc)).group(1)
    assert f"sur le critère « {departage} » est classée première" in normaliser(rao)
    assert normaliser(modele.notation.bareme_technique) in normaliser(rao)
    # The certificates asked of the winner are those the RC announces.
    noti1 = next((tmp_path / "out" / reference / "analyse").glob("NOTI1-*.docx"))
    for piece in ("attestations de régularité fiscale et sociale",
                  "extrait d'inscription au registre du commerce et des sociétés",
                  "attestation d'assurance de responsabilité civile professionnelle"):
        assert piece in normaliser(rc) and piece in normaliser(docx_texte(noti1))


def _classement_rao(chemin: Path) -> list[tuple[int, str, Decimal]]:
    texte = docx_texte(chemin, entetes=False)
    bloc = texte[texte.index("Classement final"):texte.index("Proposition d'attribution")]
    lignes = [x for x in bloc.splitlines() if x.strip()]
    debut = lignes.index("Note globale sur 100") + 1
    out = []
    for i in range(debut, len(lignes) - 3, 4):
        if not lignes[i].isdigit():
            break
        total = Decimal(lignes[i + 3].replace("\u202f", "").replace(",", "."))
        out.append((int(lignes[i]), lignes[i + 1], total))
    return out


def _recalculer(xlsx: Path, tmp_path: Path) -> Path:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if soffice is None:
        pytest.skip("LibreOffice (soffice) absent")
    profil = tmp_path / "profil-lo"
    sortie = tmp_path / "recalc"
    entree = tmp_path / "entree" / "grille.xlsx"
    entree.parent.mkdir()
    shutil.copy(xlsx, entree)
    subprocess.run([soffice, f"-env:UserInstallation={profil.as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(sortie), str(entree)],
                   check=True, capture_output=True, timeout=180)
    return sortie / "grille.xlsx"


def test_ranking_in_rao_equals_offers_file_and_recalculated_grid(runner, tmp_path):
    from openpyxl import load_workbook

    assert _build(runner, tmp_path).exit_code == 0
    dossier = tmp_path / "out" / "VLM-2026-07" / "analyse"
    rao = _classement_rao(dossier / "RAO.docx")
    analyse = analyser_offres(load_project(RICHE), OFFRES_RICHE)
    assert rao == [(r.rang, r.nom, r.total) for r in analyse.classement]
    calcule = load_workbook(_recalculer(dossier / "grille.xlsx", tmp_path), data_only=True)
    ws = calcule["Notation"]
    entetes = [c.value for c in ws[6]]
    i_total, i_rang = entetes.index("Note globale"), entetes.index("Rang")
    grille = []
    for ligne in ws.iter_rows(min_row=7, max_row=6 + len(rao), values_only=True):
        grille.append((int(ligne[i_rang]), ligne[0],
                       Decimal(str(round(ligne[i_total], 2))).quantize(Decimal("0.01"))))
    assert sorted(grille) == rao
    formules = load_workbook(dossier / "grille.xlsx")["Notation"]
    assert str(formules.cell(row=7, column=i_total + 1).value).startswith("=SUM(")


# --------------------------------------------------------------------------- letters


def test_letters_carry_reasons_scores_winner_and_standstill(runner, tmp_path):
    assert _build(runner, tmp_path).exit_code == 0
    dossier = tmp_path / "out" / "VLM-2026-07" / "analyse"
    rejet = normaliser(docx_texte(dossier / "NOTI3-agence-terres-d-aires.docx"))
    assert "classée au rang 2 sur 3" in rejet and "88,00" in rejet and "88,98" in rejet
    assert "Le marché est attribué à Urbanova Conseil" in rejet
    assert "avantages relatifs" in rejet
    assert "délai de 11 jours" in rejet and "pas avant le 26 février 2027" in rejet
    oab = normaliser(docx_texte(dossier / "NOTI3-espace-urba-sud.docx"))
    assert "anormalement basse" in oab and "n'a donc pas été notée" in oab
    noti1 = normaliser(docx_texte(dossier / "NOTI1-urbanova-conseil.docx"))
    assert "délai de 8 jours" in noti1 and "au plus tard le 23 février 2027" in noti1
    assert "Ecotone Environnement" in noti1  # every member of the groupement
    noti5 = normaliser(docx_texte(dossier / "NOTI5-urbanova-conseil.docx"))
    assert "Ordre de service n° 1" in noti5 and "15 mars 2027" in noti5
    assert "prend effet à la date de réception" in noti5
    avis = normaliser(docx_texte(dossier / "avis-attribution.docx"))
    assert "30 jours" in avis and "31 mars 2027" in avis


def test_mapa_letters_have_no_standstill_but_the_15_day_request(runner, tmp_path):
    assert _build(runner, tmp_path, MAPA, OFFRES_MAPA).exit_code == 0
    rejet = normaliser(docx_texte(tmp_path / "out" / "CHV-2026-03" / "analyse" /
                                  "NOTI3-urbicus-conseil.docx"))
    assert "délai de suspension" not in rejet and "ne sera pas signé" not in rejet
    assert "dans un délai de 15 jours" in rejet


def test_tranche_letters_on_demand(runner, tmp_path):
    base = ["analyse", "tranche", str(RICHE), str(OFFRES_RICHE)]
    sortie = ["-o", str(tmp_path)]
    res = runner.invoke(main, [*base, "TO3", "--affermir", "--date", "2027-11-02",
                               "--fin-tf", "2027-10-15", *sortie])
    assert res.exit_code == 0, res.output
    lettre = normaliser(docx_texte(tmp_path / "VLM-2026-07" / "analyse" /
                                   "affermissement-TO3-urbanova-conseil.docx"))
    assert "13 500,00 € HT" in lettre and "indemnité d'attente" in lettre
    assert "1 500,00 € HT, vous est due" in lettre
    res = runner.invoke(main, [*base, "TO4", "--renoncer", "--date", "2027-11-02", *sortie])
    assert res.exit_code == 0, res.output
    lettre = normaliser(docx_texte(tmp_path / "VLM-2026-07" / "analyse" /
                                   "renonciation-TO4-urbanova-conseil.docx"))
    assert "indemnité de dédit" in lettre and "2 000,00 € HT" in lettre
    res = runner.invoke(main, [*base, "TO1", "--affermir", "--date", "2028-04-01", *sortie])
    assert res.exit_code == 1 and "délai d'affermissement" in res.output
    res = runner.invoke(main, [*base, "TF", "--affermir", "--date", "2027-11-02", *sortie])
    assert res.exit_code == 1 and "n'est pas une tranche optionnelle" in res.output


# --------------------------------------------------------------------------- init


def test_init_writes_a_starter_that_builds(runner, tmp_path):
    chemin = tmp_path / "offres.yaml"
    res = runner.invoke(main, ["analyse", "init", str(RICHE), str(chemin)])
    assert res.exit_code == 0, res.output
    texte = chemin.read_text("utf-8")
    for u in ("Compréhension du site et des enjeux de Valmoirac",
              "Performance environnementale de l'exécution"):
        assert u in texte
    res = _build(runner, tmp_path, RICHE, chemin)
    assert res.exit_code == 0, res.output
    assert "decp.json n'est pas écrit" in res.output  # no notification date yet
    res = runner.invoke(main, ["analyse", "init", str(RICHE), str(chemin)])
    assert res.exit_code == 1 and "--force" in res.output


# --------------------------------------------------------------------------- bad input


def _ligne_de(chemin: Path, fragment: str) -> int:
    return next(i for i, ligne in enumerate(chemin.read_text("utf-8").splitlines(), start=1)
                if fragment in ligne)


@pytest.mark.parametrize("modif,attendu,repere", [
    (lambda d: d["offres"][0]["notes"].__setitem__("Originalité", {
        "appreciation": "satisfaisant", "commentaire": "x"}),
     "« Originalité » n'est pas un sous-critère du RC", "Originalité"),
    (lambda d: d["offres"][0]["notes"].pop("Méthode et organisation des phases"),
     "appréciation manquante pour « Méthode et organisation des phases »", None),
    (lambda d: d["offres"][1]["notes"]["Méthode et organisation des phases"].__setitem__(
        "appreciation", "excellent"), "appréciation « excellent » hors du barème du RC", None),
    (lambda d: d["offres"][0]["prix"].pop("TO4"), "prix manquant pour la tranche TO4", None),
    (lambda d: d["offres"][0]["candidat"].__setitem__("courriel", "a@b.fr"),
     "clé inconnue « courriel »", "courriel"),
    (lambda d: d.__setitem__("reference", "AUTRE-2026"), "n'est pas celle du marché",
     "reference"),
    (lambda d: d["attribution"].__setitem__("date_signature", "2027-02-20"),
     "délai de suspension non respecté", "date_signature"),
    (lambda d: d["offres"][4].pop("motif"), "doit en donner le motif", None),
])
def test_bad_offers_file_exits_1_located_and_writes_nothing(runner, tmp_path, modif, attendu,
                                                            repere):
    data = _offres()
    modif(data)
    chemin = ecrire(tmp_path, data, "offres.yaml")
    res = _build(runner, tmp_path, RICHE, chemin)
    assert res.exit_code == 1
    assert attendu in res.output, res.output
    assert "Traceback" not in res.output
    assert re.search(rf"{re.escape(str(chemin))}:\d+:\d+", res.output), res.output
    if repere:
        assert f"{chemin}:{_ligne_de(chemin, repere)}:" in res.output
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").rglob("*.docx"))


def test_unknown_key_suggests_the_right_one(tmp_path):
    data = _offres()
    data["offres"][0]["candidat"]["emial"] = data["offres"][0]["candidat"].pop("email")
    chemin = ecrire(tmp_path, data, "offres.yaml")
    with pytest.raises(OffresInvalides) as exc:
        analyser_offres(load_project(RICHE), chemin)
    assert "Vouliez-vous dire « email » ?" in str(exc.value)


def test_late_offer_is_eliminated(tmp_path):
    data = _offres()
    data["offres"][2]["recue_le"] = "2027-01-18T12:00:01"
    chemin = ecrire(tmp_path, data, "offres.yaml")
    analyse = analyser_offres(load_project(RICHE), chemin)
    tard = next(r for r in analyse.resultats if r.nom == "Cabinet Lignes et Territoires")
    assert tard.hors_delai and not tard.admise and tard.rang is None


def test_dispense_purchase_gets_a_short_note_and_letters(tmp_path):
    """A project with a dispense procedure still gets a short analysis note and letters."""
    data = donnees(MAPA)
    modifier(data, ["marche", "procedure"], "dispense")
    for t, m in zip(data["tranches"], (30000, 6000, 9000), strict=True):
        t["montant_estime_ht"] = m
    projet = ecrire(tmp_path, data)
    offres = _offres(OFFRES_MAPA)
    for o in offres["offres"]:
        o["prix"] = {"TF": 29000, "TO1": 5500, "TO2": 8500}
        o.pop("offre_anormalement_basse", None)
    chemin = ecrire(tmp_path, offres, "offres.yaml")
    analyse = analyser_offres(load_project(projet), chemin)
    assert analyse.dispense and analyse.delai_suspension_jours is None
    ecrits = {p.name for p in construire_analyse(analyse, tmp_path / "out")}
    assert "avis-attribution.docx" not in ecrits
    assert "NOTI1-atelier-sillons-paysage-et-urbanisme.docx" in ecrits
    note = normaliser(docx_texte(tmp_path / "out" / "CHV-2026-03" / "analyse" / "RAO.docx"))
    assert "Note d'analyse des offres" in note
    rejet = normaliser(docx_texte(tmp_path / "out" / "CHV-2026-03" / "analyse" /
                                  "NOTI3-urbicus-conseil.docx"))
    assert "Vous pouvez me demander des précisions" in rejet and "R2181" not in rejet


def test_build_of_all_examples_leaves_the_offers_files_aside(runner, tmp_path):
    fichiers = sorted(str(p) for p in (RACINE / "examples").glob("*.yaml"))
    assert any(f.endswith(".offres.yaml") for f in fichiers)
    res = runner.invoke(main, ["build", *fichiers, "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "fichier des offres, ignoré" in res.output
    projets = [f for f in fichiers if not f.endswith(".offres.yaml")]
    attendus = sorted(cctp_builder.load_project(f).marche.reference for f in projets)
    assert len(attendus) == len(projets) >= 3
    assert sorted(p.name for p in tmp_path.iterdir()) == attendus
    res = runner.invoke(main, ["validate", str(OFFRES_RICHE)])
    assert res.exit_code == 1 and "analyse build" in res.output


def test_grid_written_then_read_back(runner, tmp_path):
    from openpyxl import load_workbook

    grille = tmp_path / "grille.xlsx"
    res = runner.invoke(main, ["analyse", "grille", str(RICHE), str(OFFRES_RICHE), "-o",
                               str(grille)])
    assert res.exit_code == 0, res.output
    wb = load_workbook(grille)
    ws = wb["Notation"]
    entetes = [c.value for c in ws[6]]
    assert len(entetes) == len(set(entetes))
    col = entetes.index("Compréhension du site et des enjeux de Valmoirac — appréciation (%)") + 1
    ligne = next(r for r in range(7, 10) if ws.cell(row=r, column=1).value ==
                 "Agence Terres d'Aires")
    ws.cell(row=ligne, column=col).value = 1.0  # satisfaisant → très satisfaisant (+4.5)
    wb.save(grille)
    res = _build(runner, tmp_path, RICHE, OFFRES_RICHE, "--grille", str(grille))
    assert res.exit_code == 0, res.output
    assert "1. Agence Terres d'Aires — 92,50\u00a0points" in res.output
    ws.cell(row=ligne, column=col).value = 0.55
    wb.save(grille)
    res = _build(runner, tmp_path, RICHE, OFFRES_RICHE, "--grille", str(grille), "--force")
    assert res.exit_code == 1
    assert f"{grille}:{ligne}:{col}" in res.output and "55 % ne correspond" in res.output


def test_negotiated_prices_replace_the_initial_ones(tmp_path):
    data = _offres(OFFRES_MAPA)
    data["offres"][1]["negociation"] = [{"numero": 1, "date": "2027-01-20",
                                         "prix": {"TF": 70000}, "objet": "prix de la phase 1"}]
    chemin = ecrire(tmp_path, data, "offres.yaml")
    analyse = analyser_offres(load_project(MAPA), chemin)
    scop = next(r for r in analyse.classement if r.nom == "Territoires et Concertation SCOP")
    assert scop.prix_ht == Decimal(70000 + 14500 + 31500)
    assert scop.note_prix == Decimal("25.34")  # 35 × 100 800 / 139 200, two decimals
    construire_analyse(analyse, tmp_path / "out")
    rao = normaliser(docx_texte(tmp_path / "out" / "CHV-2026-03" / "analyse" / "RAO.docx"))
    assert "Négociation" in rao and "prix de la phase 1" in rao and "70 000,00 €" in rao
    data["offres"][1]["negociation"][0]["prix"] = {"TO9": 1000}
    with pytest.raises(OffresInvalides) as exc:  # an unknown tranche in a round is refused
        analyser_offres(load_project(MAPA), ecrire(tmp_path, data, "offres.yaml"))
    assert "tranche « TO9 » inconnue" in str(exc.value)


def test_retained_pse_enters_the_compared_price(tmp_path):
    data = donnees(MAPA)
    data["marche"]["pse"] = [{"intitule": "Maquette numérique du plan-guide"}]
    projet = load_project(ecrire(tmp_path, data))
    offres = _offres(OFFRES_MAPA)
    offres["pse_retenues"] = ["PSE1"]
    for o, p in zip(offres["offres"], (4000, 3000, 2500, 5000), strict=True):
        o["prix_pse"] = {"PSE1": p}
    analyse = analyser_offres(projet, ecrire(tmp_path, offres, "offres.yaml"))
    sillons = analyse.classement[0]
    assert sillons.prix_ht == Decimal(121500 + 4000)
    construire_analyse(analyse, tmp_path / "out")
    noti5 = normaliser(docx_texte(next((tmp_path / "out" / "CHV-2026-03" / "analyse")
                                      .glob("NOTI5-*.docx"))))
    assert "PSE n° 1 — Maquette numérique du plan-guide" in noti5 and "125 500,00 € HT" in noti5
    del offres["offres"][0]["prix_pse"]
    with pytest.raises(OffresInvalides) as exc:
        analyser_offres(projet, ecrire(tmp_path, offres, "offres.yaml"))
    assert "prix manquant pour la PSE1" in str(exc.value)


def test_unreadable_offers_file_is_located(runner, tmp_path):
    chemin = tmp_path / "offres.yaml"
    chemin.write_text("version: 1\nreference: VLM-2026-07\noffres: [\n", "utf-8")
    res = _build(runner, tmp_path, RICHE, chemin)
    assert res.exit_code == 1 and "syntaxe YAML invalide" in res.output
    assert re.search(rf"{re.escape(str(chemin))}:\d+:\d+", res.output)
    assert not (tmp_path / "out" / "VLM-2026-07").exists()


def test_documents_are_reproducible(tmp_path):
    """No clock in the files: dates come from the consultation, so two builds are identical."""
    import zipfile

    analyse = analyser_offres(load_project(RICHE), OFFRES_RICHE)
    premier = {p.name: p.read_bytes() for p in construire_analyse(analyse, tmp_path / "a")}
    second = {p.name: p.read_bytes() for p in construire_analyse(analyse, tmp_path / "b")}
    assert premier == second
    with zipfile.ZipFile(tmp_path / "a" / "VLM-2026-07" / "analyse" / "grille.xlsx") as z:
        core = z.read("docProps/core.xml").decode()
    assert re.findall(r"<dcterms:modified[^>]*>([^<]+)<", core) == ["2027-01-18T12:00:00Z"]


def test_schema_of_the_offers_file_validates_the_examples(runner):
    res = runner.invoke(main, ["analyse", "schema"])
    assert res.exit_code == 0, res.output
    schema = json.loads(res.output)
    assert schema["title"] == "Fichier des offres cctp_builder"
    for chemin in (OFFRES_RICHE, OFFRES_MAPA):
        jsonschema.validate(json.loads(json.dumps(_offres(chemin), default=str)), schema)


def test_ranked_criteria_are_refused_without_inventing_a_method(tmp_path):
    data = donnees(MAPA)
    for c in data["criteres"]:
        c.pop("poids", None)
        for s in c.get("sous_criteres", []):
            s["poids"] = 1
    projet = ecrire(tmp_path, data)
    with pytest.raises(OffresInvalides) as exc:
        analyser_offres(load_project(projet), OFFRES_MAPA)
    assert "sans inventer une méthode" in str(exc.value)


def test_cli_version_stays_cheap_with_the_analyse_group():
    import sys

    code = ("import sys, cctp_builder.cli; print([m for m in ('pydantic', 'jinja2', 'docxtpl', "
            "'openpyxl', 'babel', 'cctp_builder.analyse') if m in sys.modules])")
    sortie = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert sortie.strip() == "[]"


def test_rao_and_ccap_take_the_essential_data_delay_from_one_rule(runner, tmp_path):
    from cctp_builder.rules import Regles

    regles = Regles.charger()
    assert "donnees_essentielles_delai" not in regles.identifiants()
    le = load_project(RICHE).calendrier.date_envoi_publication
    ref = regles.reference("donnees_essentielles_delai_mois", le)
    assert _build(runner, tmp_path).exit_code == 0
    rao = normaliser(docx_texte(tmp_path / "out" / "VLM-2026-07" / "analyse" / "RAO.docx"))
    ccap = normaliser(docx_texte(render_piece(load_project(RICHE), "ccap")))
    for texte in (rao, ccap):
        assert f"dans un délai de 2 mois à compter de {'sa' if texte is rao else 'la'} " \
               f"notification" in texte
        assert normaliser(ref) in texte
