"""Kit forms (issue 10): the light kit under the dispense threshold, the full kit above,
either forced by --kit or the project's « kit » field; the representative's civility;
tagged PDFs with language and title; the quote's live formulas and safe texts."""

from __future__ import annotations

import io
import json
import re
import subprocess

import pytest
from conftest import DISPENSE, EXEMPLES, MAPA, RACINE, RICHE, donnees, ecrire
from openpyxl import load_workbook
from pdfutil import require_soffice

from cctp_builder import load_project
from cctp_builder.cli import main
from cctp_builder.kit import render_kit, render_piece
from cctp_builder.models import Consultation
from cctp_builder.render import docx_to_text

LEGER = {"01-Lettre-de-consultation.docx", "02-Cahier-des-charges.docx", "03-Devis.xlsx",
         "manifest.json"}
COMPLET = {"01-RC.docx", "02-AE.docx", "03-CCAP.docx", "04-CCTP.docx", "05-DPGF.xlsx",
           "06-CMT.docx", "07-AAPC.docx", "manifest.json"}


def _construire(runner, tmp_path, projet, *options):
    res = runner.invoke(main, ["build", str(projet), "-o", str(tmp_path), *options])
    assert res.exit_code == 0, res.output
    (dossier,) = [p for p in tmp_path.iterdir() if p.is_dir()]
    return dossier


@pytest.mark.parametrize(("projet", "options", "attendu"), [
    (DISPENSE, ("--kit", "allege"), LEGER),
    (DISPENSE, ("--kit", "complet"), COMPLET),
    (DISPENSE, (), LEGER),
    (MAPA, (), COMPLET),
    (RICHE, (), COMPLET),
    (MAPA, ("--kit", "allege"), LEGER),
])
def test_build_writes_exactly_the_pieces_of_the_form(runner, tmp_path, projet, options, attendu):
    dossier = _construire(runner, tmp_path, projet, *options)
    assert {p.name for p in dossier.iterdir()} == attendu


def test_the_project_field_chooses_the_form_and_the_option_overrides_it(runner, tmp_path):
    data = donnees(DISPENSE)
    data["kit"] = "complet"
    chemin = ecrire(tmp_path, data)
    dossier = _construire(runner, tmp_path / "a", chemin)
    assert {p.name for p in dossier.iterdir()} == COMPLET
    dossier = _construire(runner, tmp_path / "b", chemin, "--kit", "allege")
    assert {p.name for p in dossier.iterdir()} == LEGER


def test_validate_warns_when_the_form_does_not_fit_the_amount(runner, tmp_path):
    data = donnees(RICHE)
    data["kit"] = "allege"
    res = runner.invoke(main, ["validate", "--json", str(ecrire(tmp_path, data))])
    constats = [c for c in json.loads(res.output) if c["path"] == "kit"]
    assert constats and constats[0]["severity"] == "avertissement"
    assert "kit complet" in constats[0]["message"]
    data = donnees(DISPENSE)
    data["kit"] = "complet"
    res = runner.invoke(main, ["validate", "--json", str(ecrire(tmp_path, data, "b.yaml"))])
    assert any(c["path"] == "kit" and "kit allégé" in c["message"]
               for c in json.loads(res.output))
    res = runner.invoke(main, ["validate", "--json", str(DISPENSE)])
    assert not [c for c in json.loads(res.output) if c["path"] == "kit"]


def test_light_kit_binds_only_what_such_a_purchase_needs():
    kit = render_kit(load_project(DISPENSE))
    lettre = docx_to_text(kit.fichiers["01-Lettre-de-consultation.docx"])
    cahier = docx_to_text(kit.fichiers["02-Cahier-des-charges.docx"])
    for attendu in ("tient lieu de règlement", "note méthodologique", "curriculum vitae",
                    "nombre de jours et le prix de journée", "Recours", "15 janvier 2027",
                    "120 jours", "Pondération"):
        assert attendu in lettre, attendu
    for attendu in ("Clauses administratives", "global et forfaitaire", "Paiement",
                    "Utilisation des résultats", "cahier des clauses administratives générales"):
        assert attendu in cahier, attendu
    tout = lettre + cahier
    for absent in ("anormalement basse", "chiffre d'affaires", "Avance", "Pénalités",
                   "acte d'engagement", "effectifs"):
        assert absent not in tout, absent


def test_quote_has_live_formulas_and_texts_never_read_as_formulas():
    data = donnees(DISPENSE)
    data["tranches"][0]["intitule"] = "=HYPERLINK(\"http://x\")"
    projet = Consultation.model_validate(data)
    wb = load_workbook(io.BytesIO(render_piece(projet, "devis")))
    ws = wb.active
    formules = [c.value for row in ws.iter_rows() for c in row
                if isinstance(c.value, str) and c.value.startswith("=") and c.data_type == "f"]
    assert any(re.fullmatch(r"=D\d+\*E\d+", f) for f in formules)
    assert any(f.startswith("=SUM(") for f in formules)
    assert not any("HYPERLINK" in f for f in formules)
    textes = [c for row in ws.iter_rows() for c in row
              if isinstance(c.value, str) and "HYPERLINK" in c.value]
    assert textes and all(c.data_type == "s" for c in textes)


@pytest.mark.parametrize(("representant", "appellation", "signature"), [
    ({"civilite": "Madame", "qualite": "Maire"}, "Madame la Maire", "La maire,"),
    ({"qualite": "Madame la Maire"}, "Madame la Maire", "La maire,"),
    ({"civilite": "Monsieur", "qualite": "Maire"}, "Monsieur le Maire", "Le maire,"),
    ({"civilite": "Madame", "qualite": "Président"}, "Madame la Présidente", "La présidente,"),
    ({"qualite": "Maire"}, "le maire", "Le maire,"),
])
def test_civility_gives_the_title_and_the_signature(representant, appellation, signature):
    data = donnees(MAPA)
    data["acheteur"]["representant"] = representant
    r = Consultation.model_validate(data).acheteur.representant
    assert r.appellation == appellation
    assert r.signature == signature
    texte = docx_to_text(render_piece(Consultation.model_validate(data), "ae"))
    assert f"{signature} " in texte
    assert "Le madame" not in texte and "Le Madame" not in texte


def test_civility_accepts_only_madame_or_monsieur(runner, tmp_path):
    data = donnees(MAPA)
    data["acheteur"]["representant"]["civilite"] = "Mademoiselle"
    res = runner.invoke(main, ["validate", str(ecrire(tmp_path, data))])
    assert res.exit_code == 1
    assert "Madame" in res.output and "Monsieur" in res.output


def _structure(pdf: bytes) -> set[str]:
    """The structure types (/S /H1, /Table, /LI…) of a tagged PDF, streams decompressed."""
    import zlib

    texte = pdf
    for m in re.finditer(rb"stream\r?\n(.*?)endstream", pdf, re.S):
        try:
            texte += zlib.decompress(m.group(1))
        except zlib.error:
            continue
    return {t.decode() for t in re.findall(rb"/S\s*/(\w+)", texte)}


def _pdfinfo(chemin) -> str:
    return subprocess.run(["pdfinfo", str(chemin)], capture_output=True, text=True,
                          check=True).stdout


@pytest.mark.parametrize("exemple", EXEMPLES, ids=lambda p: p.stem)
def test_every_pdf_is_tagged_in_french_with_the_piece_title(runner, tmp_path, exemple):
    require_soffice()
    dossier = _construire(runner, tmp_path, exemple, "--pdf")
    pdfs = sorted(dossier.glob("*.pdf"))
    assert len(pdfs) == len(list(dossier.glob("*.docx")))
    types: set[str] = set()
    for pdf in pdfs:
        types |= _structure(pdf.read_bytes())
        assert "H1" in _structure(pdf.read_bytes()), pdf.name  # real headings
        info = _pdfinfo(pdf)
        assert re.search(r"^Tagged:\s+yes$", info, re.M), pdf.name
        titre = re.search(r"^Title:\s+(.*)$", info, re.M)
        assert titre and load_project(exemple).marche.reference in titre.group(1), pdf.name
        assert b"/Lang(fr-FR)" in pdf.read_bytes(), pdf.name
    assert {"Table", "TR", "TD", "L", "LI"} <= types  # real tables and lists


def test_pdfa_on_request(runner, tmp_path):
    require_soffice()
    dossier = _construire(runner, tmp_path, DISPENSE, "--pdfa", "--only", "lettre")
    (pdf,) = dossier.glob("*.pdf")
    assert re.search(r"^Tagged:\s+yes$", _pdfinfo(pdf), re.M)
    assert b"pdfaid:part" in pdf.read_bytes() or b"pdfaid:part" in pdf.read_bytes().lower()


def test_urls_are_printed_exactly_as_given():
    data = donnees(MAPA)
    data["acheteur"]["profil_acheteur_url"] = "https://achats.chanteverne.example.fr"
    projet = Consultation.model_validate(data)
    assert projet.acheteur.profil_acheteur_url == "https://achats.chanteverne.example.fr"
    for code in ("rc", "aapc"):
        texte = docx_to_text(render_piece(projet, code))
        assert "https://achats.chanteverne.example.fr" in texte
        assert "https://achats.chanteverne.example.fr/" not in texte
        assert "https://achats.chanteverne.example.fr." not in texte


def _cahier_allege(exemple: str) -> str:
    projet = load_project(RACINE / "examples" / f"{exemple}.yaml")
    kit = render_kit(projet, kit="allege")
    return docx_to_text(kit.fichiers["02-Cahier-des-charges.docx"])


@pytest.mark.parametrize(("exemple", "clause"), [
    ("chanteverne-coeur-de-village", True),   # amo_ecoquartier, flagged in the catalogue
    ("saint-julien-centre-bourg", True),      # assistance_choix_moe, flagged in the catalogue
    ("sauvebonne-ilot-des-ecoles", False),    # faisabilite_amenagement alone is not flagged
    ("fontrousse-etude-de-capacite", False),
])
def test_light_kit_conflict_clause_follows_the_catalogue_flag(exemple, clause):
    assert ("Conflits d'intérêts" in _cahier_allege(exemple)) is clause


def test_light_kit_publishes_essential_data_from_the_threshold_on():
    from cctp_builder.rules import Regles

    seuil = Regles.charger().valeur("seuil_donnees_essentielles",
                                    load_project(MAPA).calendrier.date_envoi_publication)
    assert load_project(MAPA).valeur_estimee_ht >= seuil
    cahier = _cahier_allege("chanteverne-coeur-de-village")  # a forced light kit above it
    assert "Données essentielles." in cahier
    assert "portail national des données ouvertes, dans un délai de 2 mois" in cahier
    assert load_project(DISPENSE).valeur_estimee_ht < seuil
    assert "Données essentielles" not in _cahier_allege(DISPENSE.stem)


def _formule_et_egalite(texte: str) -> tuple[str, str]:
    lignes = [ligne.strip().replace("\u00a0", " ") for ligne in texte.splitlines()]
    return (next(ligne for ligne in lignes if ligne.startswith("Note = ")),
            next(ligne for ligne in lignes if ligne.startswith("En cas d'égalité")))


@pytest.mark.parametrize("methode", ["lineaire", "proportionnelle_inverse"])
def test_light_letter_scores_the_price_and_breaks_ties_as_the_rc(tmp_path, methode):
    from docxtext import docx_texte

    data = donnees(DISPENSE)
    data.setdefault("notation", {})["methode_prix"] = methode
    projet = load_project(ecrire(tmp_path, data))
    lettre = docx_texte(render_kit(projet, kit="allege").fichiers["01-Lettre-de-consultation.docx"],
                        entetes=False)
    rc = docx_texte(render_piece(projet, "rc"), entetes=False)
    assert _formule_et_egalite(lettre) == _formule_et_egalite(rc)
    if methode == "lineaire":
        assert "le plus cher 0 point" not in lettre
        assert "deux fois plus chère que la moins-disante obtient zéro point" in lettre
