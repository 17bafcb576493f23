"""Golden texts: the readable text of every Word piece of one example, checked in under
tests/golden/, so that a change to a template shows in review as a change of French text.

After an intended change: python -m pytest tests/test_golden.py --update-golden
"""

from __future__ import annotations

import pytest
from conftest import MAPA, RACINE

from cctp_builder import load_project, render_piece
from cctp_builder.render import docx_to_text

EXEMPLES_GOLDEN = [MAPA] + [RACINE / "examples" / f"{nom}.yaml" for nom in (
    "lescaux-ancienne-ecole", "sauvebonne-ilot-des-ecoles", "saint-julien-centre-bourg")]


@pytest.mark.parametrize("exemple", EXEMPLES_GOLDEN, ids=lambda p: p.stem)
@pytest.mark.parametrize("code", ["rc", "ae", "ccap", "cctp", "cmt", "aapc"])
def test_piece_text_matches_golden(code, exemple, update_golden):
    texte = docx_to_text(render_piece(load_project(exemple), code))
    chemin = RACINE / "tests" / "golden" / exemple.stem / f"{code}.txt"
    if update_golden:
        chemin.parent.mkdir(parents=True, exist_ok=True)
        chemin.write_text(texte, "utf-8")
    assert chemin.exists(), f"texte de référence absent : lancez pytest {__file__} --update-golden"
    assert texte == chemin.read_text("utf-8"), (
        f"le texte de {code} a changé ; relisez le diff puis --update-golden")


@pytest.mark.parametrize("code", ["lettre", "cahier"])
def test_light_kit_text_matches_golden(code, update_golden):
    from conftest import DISPENSE

    texte = docx_to_text(render_piece(load_project(DISPENSE), code))
    chemin = RACINE / "tests" / "golden" / DISPENSE.stem / f"{code}.txt"
    if update_golden:
        chemin.parent.mkdir(parents=True, exist_ok=True)
        chemin.write_text(texte, "utf-8")
    assert chemin.exists(), f"texte de référence absent : lancez pytest {__file__} --update-golden"
    assert texte == chemin.read_text("utf-8"), (
        f"le texte de {code} a changé ; relisez le diff puis --update-golden")
