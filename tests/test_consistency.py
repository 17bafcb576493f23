"""Cross-piece consistency, read from the generated files: the same reference, object,
tranches, criteria and weights, deadlines and durations in every piece that shows them."""

from __future__ import annotations

import re

import pytest
from conftest import EXEMPLES
from docxtext import docx_texte, normaliser, xlsx_texte

from cctp_builder import load_project
from cctp_builder.kit import render_kit
from cctp_builder.render.filters import date_heure_fr, duree_mois, pourcentage


def _textes(chemin) -> tuple[object, dict[str, str]]:
    projet = load_project(chemin)
    kit = render_kit(projet)
    textes = {}
    for nom, data in kit.fichiers.items():
        code = nom.split("-", 1)[1].split(".")[0]
        textes[code] = normaliser(xlsx_texte(data) if nom.endswith(".xlsx") else docx_texte(data))
    return projet, textes


@pytest.fixture(scope="module", params=EXEMPLES, ids=lambda p: p.stem)
def kit(request):
    return _textes(request.param)


WORD = ["RC", "AE", "CCAP", "CCTP", "CMT", "AAPC"]


def test_reference_everywhere(kit):
    projet, textes = kit
    for code in [*WORD, "DPGF"]:
        assert projet.marche.reference in textes[code], code


def test_object_everywhere(kit):
    projet, textes = kit
    objet = normaliser(projet.marche.objet)
    for code in [*WORD, "DPGF"]:
        assert objet in textes[code], code


def test_tranches_agree(kit):
    projet, textes = kit
    for code in ["RC", "AE", "CCAP", "CCTP", "DPGF", "AAPC"]:
        for t in projet.tranches:
            assert normaliser(t.intitule) in textes[code], (code, t.code)


def test_criteria_and_weights_agree(kit):
    projet, textes = kit
    for code in ["RC", "AAPC"]:
        for c in projet.criteres:
            assert normaliser(c.nom) in textes[code], (code, c.nom)
            motif = (re.escape(normaliser(c.nom)) + r".{0,80}?"
                     + re.escape(normaliser(pourcentage(c.poids))))
            assert re.search(motif, textes[code]), (code, c.nom, pourcentage(c.poids))
    # the cadre de mémoire has one chapter per sub-criterion, same weights as the RC
    for c in projet.criteres:
        for s in c.sous_criteres:
            for code in ["RC", "CMT"]:
                motif = (re.escape(normaliser(s.nom)) + r".{0,80}?"
                         + re.escape(normaliser(pourcentage(s.poids))))
                assert re.search(motif, textes[code]), (code, s.nom)


def test_deadline_agrees(kit):
    projet, textes = kit
    limite = normaliser(date_heure_fr(projet.calendrier.date_limite_remise))
    for code in ["RC", "AAPC", "CCTP", "CCAP"]:
        assert limite in textes[code], code


def test_duration_agrees(kit):
    projet, textes = kit
    duree = normaliser(duree_mois(projet.marche.duree_mois))
    for code in ["RC", "AE", "CCAP", "CCTP", "AAPC"]:
        assert duree in textes[code], code


def test_no_leftover_template_syntax(kit):
    _, textes = kit
    for code, texte in textes.items():
        assert "{{" not in texte and "{%" not in texte, code
        assert "Lorem" not in texte and "TODO" not in texte, code
