"""05-DPGF.xlsx: one line per phase, formulas, protection, print setup, deterministic bytes,
and (when LibreOffice Calc is installed) the totals LibreOffice computes."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import zipfile
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
from conftest import EXEMPLES, RICHE
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell

from cctp_builder import load_project
from cctp_builder.context import build_context
from cctp_builder.models import Pse
from cctp_builder.pieces.dpgf import build_dpgf, libelle_tranche

NUMERO = re.compile(r"^(TF|TO\d+)\.(\d+)$")


@pytest.fixture(scope="module", params=EXEMPLES, ids=lambda p: p.stem)
def exemple(request):
    projet = load_project(request.param)
    contexte = build_context(projet)
    return projet, contexte, build_dpgf(contexte)


def _feuille(data: bytes):
    return load_workbook(io.BytesIO(data))["DPGF"]


def _lignes_phases(ws) -> list[int]:
    """Rows of the phase lines (N° « TF.1 », « TO2.3 » or « 1 » when there is no tranche)."""
    out = []
    for r in range(1, ws.max_row + 1):
        v = ws.cell(r, 1).value
        if isinstance(v, str) and (NUMERO.match(v) or v.isdigit()):
            out.append(r)
    return out


def _ligne_de(ws, libelle: str, colonne: int = 1) -> int:
    for r in range(1, ws.max_row + 1):
        valeur = ws.cell(r, colonne).value
        if valeur == libelle or (colonne > 1 and isinstance(valeur, str) and libelle in valeur):
            return r
    raise AssertionError(f"ligne « {libelle} » absente")


def _unique(contexte) -> bool:
    return len(contexte["tranches"]) == 1


# --------------------------------------------------------------------------- content


def test_one_line_per_phase_in_order(exemple):
    _, contexte, data = exemple
    ws = _feuille(data)
    lignes = _lignes_phases(ws)
    attendues = [(t, i, p) for t in contexte["tranches"] for i, p in enumerate(t.phases, 1)]
    assert len(lignes) == len(attendues)
    for r, (t, i, p) in zip(lignes, attendues, strict=True):
        numero = str(i) if _unique(contexte) else f"{t.code}.{i}"
        assert ws.cell(r, 1).value == numero
        assert ws.cell(r, 2).value == p.etude_titre
        assert ws.cell(r, 3).value == p.nom


def test_header_and_section_titles(exemple):
    projet, contexte, data = exemple
    ws = _feuille(data)
    textes = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert projet.acheteur.nom in textes
    assert "Décomposition du prix global et forfaitaire (DPGF)" in textes
    assert f"Objet du marché : {projet.marche.objet}" in textes
    assert f"Référence du marché : {projet.marche.reference}" in textes
    for t in contexte["tranches"]:
        assert f"{libelle_tranche(t, _unique(contexte))} — {t.intitule}" in textes
    if not _unique(contexte):
        assert "Tranche ferme (TF) — " + contexte["tranches"][0].intitule in textes
        assert any(s.startswith("Tranche optionnelle n° 1 (TO1) — ") for s in textes)


def _suffixe_tranche(contexte: dict):
    """The suffix of a tranche's total labels (« — tranche ferme »), none for a single one."""
    def suffixe(t) -> str:
        if _unique(contexte):
            return ""
        return " — " + libelle_tranche(t).split(" (")[0].lower()
    return suffixe


def test_formulas(exemple):
    _, contexte, data = exemple
    ws = _feuille(data)
    taux = _ligne_de(ws, "Taux de TVA applicable :")
    for r in _lignes_phases(ws):
        assert ws.cell(r, 6).value == f"=D{r}*E{r}"
    suffixe = _suffixe_tranche(contexte)
    for t in contexte["tranches"]:
        ht = _ligne_de(ws, f"Total HT{suffixe(t)}")
        premiere, derniere = ht - len(t.phases), ht - 1
        assert ws.cell(ht, 6).value == f"=SUM(F{premiere}:F{derniere})"
        assert ws.cell(ht + 1, 1).value == f"TVA{suffixe(t)}"
        assert ws.cell(ht + 1, 6).value == f"=ROUND(F{ht}*$C${taux},2)"
        assert ws.cell(ht + 2, 1).value == f"Total TTC{suffixe(t)}"
        assert ws.cell(ht + 2, 6).value == f"=F{ht}+F{ht + 1}"
    if not _unique(contexte):
        # the recap points at the tranche totals and sums them
        for t in contexte["tranches"]:
            r = next(r for r in range(1, ws.max_row + 1)
                     if ws.cell(r, 1).value == t.code)
            ht = _ligne_de(ws, f"Total HT{suffixe(t)}")
            assert [ws.cell(r, c).value for c in (4, 5, 6)] == [
                f"=F{ht}", f"=F{ht + 1}", f"=F{ht + 2}"]
        total = _ligne_de(ws, "Montant total du marché (tranche ferme et tranches optionnelles)")
        for c, lettre in ((4, "D"), (5, "E"), (6, "F")):
            assert re.fullmatch(rf"=SUM\({lettre}\d+:{lettre}\d+\)", ws.cell(total, c).value)


def test_protection_and_bidder_cells(exemple):
    _, _, data = exemple
    ws = _feuille(data)
    assert ws.protection.sheet is True
    assert not ws.protection.password
    lignes = set(_lignes_phases(ws))
    taux = _ligne_de(ws, "Taux de TVA applicable :")
    candidat = _ligne_de(ws, "Candidat (nom ou raison sociale) :")
    reunion = _ligne_de(ws, "Réunion supplémentaire", colonne=2)
    attendues = {(r, c) for r in lignes for c in (4, 5)} | {(taux, 3), (candidat, 3),
                                                            (reunion, ws.max_column)}
    ouvertes = set()
    for row in ws.iter_rows():
        for c in row:
            if type(c) is Cell and c.protection.locked is False:
                ouvertes.add((c.row, c.column))
                assert c.fill.fgColor.rgb.endswith("FFF2CC"), c.coordinate
            if isinstance(c.value, str) and c.value.startswith("="):
                assert c.protection.locked is True, c.coordinate
    assert ouvertes == attendues
    assert ws.cell(taux, 3).value == pytest.approx(0.2)


def test_number_formats_and_print_setup(exemple):
    projet, _, data = exemple
    ws = _feuille(data)
    r = _lignes_phases(ws)[0]
    assert ws.cell(r, 5).number_format == ws.cell(r, 6).number_format == '#,##0.00\\ "€"'
    assert str(ws.page_setup.paperSize) == ws.PAPERSIZE_A4
    assert ws.page_setup.fitToWidth == 1 and ws.page_setup.fitToHeight == 0
    assert ws.sheet_properties.pageSetUpPr.fitToPage
    en_tetes = _ligne_de(ws, "N°")
    assert ws.print_title_rows == f"${en_tetes}:${en_tetes}"
    assert [ws.cell(en_tetes, c).value for c in range(1, 7)] == [
        "N°", "Étude", "Phase", "Nombre de jours", "Prix de journée HT", "Montant HT"]
    assert projet.marche.reference in ws.oddHeader.left.text
    assert ws.oddFooter.right.text == "Page &P sur &N"
    assert all(ws.column_dimensions[c].width for c in "ABCDEF")
    assert ws.cell(r, 3).alignment.wrap_text


# --------------------------------------------------------------------------- determinism


def test_deterministic_bytes_and_properties(exemple):
    projet, contexte, data = exemple
    assert build_dpgf(contexte) == data
    d = projet.calendrier.date_envoi_publication
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert {i.date_time for i in z.infolist()} == {(d.year, d.month, d.day, 0, 0, 0)}
    wb = load_workbook(io.BytesIO(data))
    assert wb.properties.creator == projet.acheteur.nom
    assert wb.properties.title == projet.marche.objet
    assert wb.properties.created == wb.properties.modified == dt.datetime(d.year, d.month, d.day)


def test_render_piece_gives_the_same_workbook():
    from cctp_builder.kit import render_piece

    projet = load_project(RICHE)
    assert render_piece(projet, "dpgf") == build_dpgf(build_context(projet))


# --------------------------------------------------------------------------- variants


def _variante(**prix) -> tuple[object, dict]:
    projet = load_project(RICHE)
    marche = projet.marche.model_copy(update={"prix": projet.marche.prix.model_copy(update=prix)})
    projet = projet.model_copy(update={"marche": marche})
    return projet, build_context(projet)


def test_without_day_detail_the_amount_is_a_bidder_cell():
    _, contexte = _variante(detail_jours=False)
    ws = _feuille(build_dpgf(contexte))
    en_tetes = _ligne_de(ws, "N°")
    assert [ws.cell(en_tetes, c).value for c in range(1, 5)] == [
        "N°", "Étude", "Phase", "Montant HT"]
    assert ws.max_column == 4
    for r in _lignes_phases(ws):
        assert ws.cell(r, 4).value is None and ws.cell(r, 4).protection.locked is False
    total = _ligne_de(ws, "Montant total du marché (tranche ferme et tranches optionnelles)")
    assert ws.cell(total, 3).value.startswith("=SUM(C")
    assert ws.cell(total, 4).value.startswith("=SUM(D")


def test_prestations_supplementaires_eventuelles():
    projet = load_project(RICHE)
    marche = projet.marche.model_copy(update={"pse": [Pse(intitule="Maquette numérique 3D")]})
    projet = projet.model_copy(update={"marche": marche})
    ws = _feuille(build_dpgf(build_context(projet)))
    r = _ligne_de(ws, "PSE n° 1")
    assert ws.cell(r, 2).value == "Maquette numérique 3D"
    assert ws.cell(r, 6).protection.locked is False
    ht = _ligne_de(ws, "Total HT — prestations supplémentaires éventuelles")
    assert ws.cell(ht, 6).value == f"=SUM(F{r}:F{r})"
    recap = _ligne_de(ws, "PSE")
    assert ws.cell(recap, 4).value == f"=F{ht}"


# --------------------------------------------------------------------------- LibreOffice


def _convertir(source: Path, sortie: Path, profil: Path) -> Path | None:
    """xlsx → xlsx through LibreOffice (which recalculates every formula), or None."""
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    sortie.mkdir(exist_ok=True)
    subprocess.run([soffice, f"-env:UserInstallation={profil.as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(sortie), str(source)],
                   capture_output=True, timeout=240, check=False)
    resultat = sortie / source.name
    return resultat if resultat.is_file() else None


@pytest.fixture(scope="module")
def calc(tmp_path_factory):
    """A private LibreOffice profile, if soffice is installed with its Calc component."""
    if not (shutil.which("soffice") or shutil.which("libreoffice")):
        pytest.skip("LibreOffice (soffice) absent")
    dossier = tmp_path_factory.mktemp("calc")
    profil = dossier / "profil"
    sonde = dossier / "sonde.xlsx"
    wb = Workbook()
    wb.active["A1"] = 1
    wb.save(sonde)
    if _convertir(sonde, dossier / "sonde_out", profil) is None:
        pytest.skip("LibreOffice est installé sans Calc (paquet libreoffice-calc-nogui)")
    return dossier, profil


def _arrondi(x: Decimal) -> Decimal:
    return x.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


@pytest.mark.parametrize("chemin", EXEMPLES, ids=lambda p: p.stem)
def test_libreoffice_recomputes_the_totals(calc, chemin):
    dossier, profil = calc
    contexte = build_context(load_project(chemin))
    wb = load_workbook(io.BytesIO(build_dpgf(contexte)))
    ws = wb["DPGF"]
    for r in _lignes_phases(ws):
        ws.cell(r, 4).value = 2
        ws.cell(r, 5).value = 600
    entree = dossier / f"{chemin.stem}.xlsx"
    wb.save(entree)
    resultat = _convertir(entree, dossier / f"out_{chemin.stem}", profil)
    assert resultat is not None, "la conversion LibreOffice a échoué"
    calcule = load_workbook(resultat, data_only=True)["DPGF"]

    def valeur(r: int, c: int) -> Decimal:
        return Decimal(str(calcule.cell(r, c).value))

    for r in _lignes_phases(calcule):
        assert valeur(r, 6) == 1200
    suffixe = _suffixe_tranche(contexte)
    total_ht = total_ttc = Decimal(0)
    for t in contexte["tranches"]:
        ht = Decimal(1200 * len(t.phases))
        tva = _arrondi(ht * Decimal("0.2"))
        r = _ligne_de(calcule, f"Total HT{suffixe(t)}")
        assert (valeur(r, 6), valeur(r + 1, 6), valeur(r + 2, 6)) == (ht, tva, ht + tva)
        total_ht += ht
        total_ttc += ht + tva
    if not _unique(contexte):
        r = _ligne_de(calcule, "Montant total du marché (tranche ferme et tranches optionnelles)")
        assert (valeur(r, 4), valeur(r, 6)) == (total_ht, total_ttc)


@pytest.mark.parametrize("chemin", EXEMPLES, ids=lambda p: p.stem)
def test_libreoffice_totals_equal_the_model_amounts(calc, chemin):
    """Priced at the buyer's estimate (first line of each tranche = its amount), the
    workbook recalculated by LibreOffice gives back every tranche amount and the total."""
    dossier, profil = calc
    projet = load_project(chemin)
    contexte = build_context(projet)
    wb = load_workbook(io.BytesIO(build_dpgf(contexte)))
    ws = wb["DPGF"]
    lignes = _lignes_phases(ws)
    debut = 0
    for t in contexte["tranches"]:
        bloc = lignes[debut: debut + len(t.phases)]
        debut += len(t.phases)
        for i, r in enumerate(bloc):
            ws.cell(r, 4).value = 1 if i == 0 else 0
            ws.cell(r, 5).value = float(t.montant_estime_ht) if i == 0 else 0
    entree = dossier / f"modele_{chemin.stem}.xlsx"
    wb.save(entree)
    resultat = _convertir(entree, dossier / f"modele_out_{chemin.stem}", profil)
    assert resultat is not None
    calcule = load_workbook(resultat, data_only=True)["DPGF"]
    suffixe = _suffixe_tranche(contexte)
    for t in contexte["tranches"]:
        r = _ligne_de(calcule, f"Total HT{suffixe(t)}")
        assert Decimal(str(calcule.cell(r, 6).value)) == t.montant_estime_ht, t.code
    if not _unique(contexte):
        r = _ligne_de(calcule, "Montant total du marché (tranche ferme et tranches optionnelles)")
        assert Decimal(str(calcule.cell(r, 4).value)) == projet.valeur_estimee_ht
