"""The CCTP: each study module alone, the richest example's length and language, the PDF."""

from __future__ import annotations

import re

import pytest
from conftest import EXEMPLES, MAPA, RICHE, donnees
from docxtext import docx_texte, normaliser
from pdfutil import pdf_pages, pdf_text, require_soffice

from cctp_builder import load_project
from cctp_builder.catalogue import catalogue
from cctp_builder.echelles import remplacer_echelles
from cctp_builder.kit import render_piece
from cctp_builder.models import Consultation

# One heading per point of the CCTP checklist (studies-and-ecoquartier.md, section 6).
TITRES_CHECKLIST = [
    "Objet", "Contexte", "Site", "Objectifs", "Déroulement", "Contenu des études",
    "Gouvernance", "Concertation", "Données", "Livrables", "Délais", "Compétences",
    "Développement durable", "Propriété",
]


def _texte_cctp(projet: Consultation) -> str:
    return docx_texte(render_piece(projet, "cctp"), entetes=False)


@pytest.mark.parametrize("cle", sorted(catalogue()))
def test_each_module_alone(cle):
    data = donnees(MAPA)
    data["etudes"] = [{"module": cle}]
    data["tranches"] = [{"code": "TF", "intitule": "Étude", "montant_estime_ht": 80000,
                         "phases": [cle]}]
    projet = Consultation.model_validate(data)
    texte = normaliser(_texte_cctp(projet))
    module = catalogue()[cle]
    assert normaliser(module.titre) in texte
    surface = projet.operation.surface_totale_ha
    for phase in module.phases:
        assert normaliser(phase.nom) in texte, phase.nom
        for livrable in phase.livrables:
            livrable = remplacer_echelles(livrable, surface, projet.operation.est_batiment)
            assert normaliser(livrable) in texte, livrable
    assert "{echelle:" not in texte
    for autre in set(catalogue()) - {cle}:
        assert normaliser(catalogue()[autre].titre) not in texte, autre


def test_richest_cctp_is_long_specific_french():
    projet = load_project(RICHE)
    texte = _texte_cctp(projet)
    mots = re.findall(r"\w+", texte)
    assert len(mots) >= 6000, len(mots)
    plat = normaliser(texte)
    for e in projet.etudes:
        assert normaliser(catalogue()[e.module].titre) in plat
    for interdit in ("Lorem", "TODO", "XXX", "FIXME", "()", "None", "[]"):
        assert interdit not in texte, interdit
    assert not re.search(r"\s[,.](?!\d)", texte.replace("…", "")), re.search(
        r".{30}\s[,.].{10}", texte)
    assert not re.search(r"[^\s]  +[^\s]", texte), "espaces doubles"
    assert "Valmoirac" in plat and "Les Aires" in plat


def test_tranches_are_separated_in_the_cctp():
    texte = normaliser(_texte_cctp(load_project(RICHE)))
    assert "tranche ferme" in texte.lower()
    for code in ("TO1", "TO2", "TO3", "TO4"):
        assert code in texte


@pytest.fixture(scope="module")
def pdfs(tmp_path_factory):
    """The CCTP of every example converted in one LibreOffice call."""
    require_soffice()
    from cctp_builder.pdf import convertir_en_pdf

    dossier = tmp_path_factory.mktemp("pdf")
    chemins = []
    for p in EXEMPLES:
        chemin = dossier / f"{p.stem}.docx"
        chemin.write_bytes(render_piece(load_project(p), "cctp"))
        chemins.append(chemin)
    return dict(zip((p.stem for p in EXEMPLES), convertir_en_pdf(chemins, dossier), strict=True))


def test_cctp_pdf_in_libreoffice(pdfs):
    for nom, pdf in pdfs.items():
        texte = pdf_text(pdf)
        assert "{{" not in texte and "{%" not in texte, nom
        plat = normaliser(texte)
        for titre in TITRES_CHECKLIST:
            assert titre.lower() in plat.lower(), (nom, titre)
        pages = pdf_pages(pdf)
        assert 6 <= pages <= 120, (nom, pages)
    assert pdf_pages(pdfs[RICHE.stem]) >= 15


def test_cctp_pdf_table_of_contents_is_filled(pdfs):
    texte = pdf_text(pdfs[RICHE.stem])
    debut = normaliser(texte[: len(texte) // 6])
    # the table of contents lists the headings with page numbers
    assert re.search(r"Contexte.{0,120}?\d+", debut), debut[:800]
    assert "Sommaire" in debut


def test_pdf_shows_every_table_row(pdfs):
    """LibreOffice once dropped the rows of a table whose header fell at the foot of a page:
    every « N semaines » of the document must be printed in its PDF."""
    for p in EXEMPLES:
        docx = normaliser(_texte_cctp(load_project(p)))
        pdf = normaliser(pdf_text(pdfs[p.stem]))
        attendu = len(re.findall(r"\d+ semaines?", docx))
        assert attendu > 3
        assert len(re.findall(r"\d+ semaines?", pdf)) == attendu, p.stem


def test_phase_validations_are_true_for_a_woman_mayor(tmp_path):
    from conftest import ecrire

    data = donnees(MAPA)
    data["acheteur"].setdefault("representant", {})["civilite"] = "Madame"
    projet = load_project(ecrire(tmp_path, data))
    assert "concertation" in [e.module for e in projet.etudes]
    texte = normaliser(docx_texte(render_piece(projet, "cctp")))
    assert "validation du plan de concertation par la commune" in texte
    assert "validation de chaque compte rendu par la commune avant diffusion" in texte
    assert not re.search(r"\b(par|du|au) maire\b", texte)
    assert "par le maire" not in texte
