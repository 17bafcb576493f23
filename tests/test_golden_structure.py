"""Golden structure of the documents, not only their text: for every example, the canonical
XML of each Word piece's body, headers, footers and numbering, and every cell (value or
formula) of the DPGF; then small XML fixtures for the post-processing steps (table of
contents, restarted numbered lists, highlighted markers).

A change of styles, numbering, run properties or formulas shows in review as a diff of
tests/golden/structure/. After an intended change:
python -m pytest tests/test_golden_structure.py --update-golden
"""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import openpyxl
import pytest
from conftest import EXEMPLES, RACINE
from lxml import etree

from cctp_builder import load_project, render_kit
from cctp_builder.render.xmlpost import Facts, fill_tocs, restart_numbered_lists, split_special_runs

DOSSIER = RACINE / "tests" / "golden" / "structure"
FIXTURES = RACINE / "tests" / "fixtures" / "xmlpost"
PARTIES = ("word/document.xml", "word/numbering.xml")
_PARSEUR = etree.XMLParser(remove_blank_text=True)


def canonique(xml: bytes) -> str:
    """Indented canonical XML (C14N 2.0: attributes sorted, namespaces declared once)."""
    racine = etree.fromstring(xml, _PARSEUR)
    etree.indent(racine, space=" ")
    return etree.tostring(racine, method="c14n2").decode("utf-8") + "\n"


def _comparer(chemin: Path, obtenu: str, mise_a_jour: bool) -> None:
    if mise_a_jour:
        chemin.parent.mkdir(parents=True, exist_ok=True)
        chemin.write_text(obtenu, "utf-8")
    assert chemin.exists(), f"référence absente : lancez pytest {__file__} --update-golden"
    assert obtenu == chemin.read_text("utf-8"), (
        f"{chemin.relative_to(RACINE)} a changé ; relisez le diff puis --update-golden")


@pytest.fixture(scope="module")
def kits() -> dict[str, dict[str, bytes]]:
    return {e.stem: render_kit(load_project(e)).fichiers for e in EXEMPLES}


@pytest.mark.parametrize("exemple", [e.stem for e in EXEMPLES])
def test_structure_des_pieces_word(kits, exemple, update_golden):
    for nom, data in sorted(kits[exemple].items()):
        if not nom.endswith(".docx"):
            continue
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            parties = [n for n in z.namelist() if n in PARTIES
                       or (n.startswith(("word/header", "word/footer")) and n.endswith(".xml"))]
            assert {"word/document.xml", "word/header1.xml", "word/footer1.xml",
                    "word/numbering.xml"} <= set(parties), nom
            for partie in sorted(parties):
                cible = DOSSIER / exemple / Path(nom).stem / Path(partie).name
                _comparer(cible, canonique(z.read(partie)), update_golden)


def cellules(data: bytes) -> dict[str, dict[str, object]]:
    """Every non-empty cell of every sheet: its value, or its formula as written."""
    classeur = openpyxl.load_workbook(io.BytesIO(data))
    return {ws.title: {c.coordinate: c.value if isinstance(c.value, int | float | str | None)
                       else str(c.value)
                       for ligne in ws.iter_rows() for c in ligne if c.value is not None}
            for ws in classeur.worksheets}


@pytest.mark.parametrize("exemple", [e.stem for e in EXEMPLES])
def test_cellules_et_formules_de_la_dpgf(kits, exemple, update_golden):
    (data,) = [d for n, d in kits[exemple].items() if n.endswith(".xlsx")]
    contenu = cellules(data)
    assert any(str(v).startswith("=") for feuille in contenu.values() for v in feuille.values())
    _comparer(DOSSIER / exemple / "DPGF.json",
              json.dumps(contenu, ensure_ascii=False, indent=1) + "\n", update_golden)


# --------------------------------------------------------------------------- post-processing

FAITS = Facts(headings={"Titre1": (1, "%1."), "Titre2": (2, "%1.%2."), "Titre3": (3, None)},
              numbered=("Listenumerotee", 7, 3), next_num_id=1000)


def _etape(nom: str, racine: etree._Element) -> object:
    if nom == "sommaire":
        return fill_tocs(racine, FAITS)
    if nom == "listes":
        return restart_numbered_lists(racine, FAITS)
    return split_special_runs(racine)


@pytest.mark.parametrize("nom", ["sommaire", "listes", "reperes"])
def test_post_traitement_sur_fixture(nom, update_golden):
    entree = (FIXTURES / f"{nom}.entree.xml").read_bytes()
    racine = etree.fromstring(entree, _PARSEUR)
    resultat = _etape(nom, racine)
    assert resultat, f"l'étape « {nom} » n'a rien fait sur sa fixture"
    obtenu = canonique(etree.tostring(racine))
    assert obtenu != canonique(entree)
    _comparer(FIXTURES / f"{nom}.attendu.xml", obtenu, update_golden)
