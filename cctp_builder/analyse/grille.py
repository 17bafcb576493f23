"""grille.xlsx: the scoring grid, with live formulas (prices, price formula of the RC, weighted
appreciations, totals and rank with the RC's tie rule), for committees that prefer a
spreadsheet. LibreOffice recomputes it to the totals of RAO.docx (tested)."""

from __future__ import annotations

import io
import zipfile
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from openpyxl import Workbook, load_workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from ..errors import Constat
from ..models import Consultation
from ..pieces.dpgf import BLEU, BORDURE, FORMAT_EUROS, JAUNE, POLICE
from ..render.package import write_zip
from .modele import Offres
from .notation import bareme, unites

if TYPE_CHECKING:
    from .service import Analyse

FEUILLE = "Notation"
FORMAT_NOTE = "0.00"
FORMAT_POURCENT = "0%"
LIGNE_TITRES = 6


def _cellule(ws: Worksheet, ligne: int, col: int, valeur: object, *, gras: bool = False,
             saisie: bool = False, format: str | None = None) -> str:
    c = ws.cell(row=ligne, column=col, value=valeur)
    c.font = Font(name=POLICE, size=10, bold=gras)
    c.border = BORDURE
    c.alignment = Alignment(wrap_text=True, vertical="top")
    if saisie:
        c.fill = JAUNE
    if format:
        c.number_format = format
    return c.coordinate


def build_grille(analyse: Analyse) -> bytes:
    """The workbook bytes (deterministic: fixed properties and zip timestamps)."""
    projet = analyse.projet
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = FEUILLE
    ws["A1"] = f"Grille de notation — marché {projet.marche.reference}"
    ws["A1"].font = Font(name=POLICE, size=12, bold=True)
    ws["A2"] = " ".join(projet.marche.objet.split())
    ws["A3"] = "Taux de TVA"
    ws["B3"] = float(analyse.taux_tva / 100)
    ws["B3"].number_format = FORMAT_POURCENT
    ws["C3"] = f"Prix comparés {analyse.notation.prix_compare}"
    ws["A4"] = "Note maximale du prix"
    ws["B4"] = float(analyse.nmax_prix)
    ws["C4"] = ("Note = Nmax × Pmin ÷ P" if analyse.notation.methode_prix
                == "proportionnelle_inverse" else "Note = Nmax × [1 − (P − Pmin) ÷ Pmin], "
                "au moins 0")
    ws["A5"] = "Pondération (points)"
    retenues = analyse.classement
    premiere, derniere = LIGNE_TITRES + 1, LIGNE_TITRES + max(len(retenues), 1)
    col = 1
    _cellule(ws, LIGNE_TITRES, col, "Candidat", gras=True)
    colonnes: dict[str, int] = {}
    tranches = [t.code for t in projet.tranches] + list(analyse.offres.pse_retenues)
    for code in tranches:
        col += 1
        colonnes[f"prix:{code}"] = col
        _cellule(ws, LIGNE_TITRES, col, f"Prix HT {code}", gras=True)
    col += 1
    colonnes["total_ht"] = col
    _cellule(ws, LIGNE_TITRES, col, "Prix total HT", gras=True)
    col += 1
    colonnes["assujetti"] = col
    _cellule(ws, LIGNE_TITRES, col, "Assujetti à la TVA (1/0)", gras=True)
    col += 1
    colonnes["compare"] = col
    _cellule(ws, LIGNE_TITRES, col, f"Prix comparé {analyse.notation.prix_compare}", gras=True)
    notes_criteres: dict[str, int] = {}
    for c in analyse.criteres_prix:
        col += 1
        notes_criteres[c.nom] = col
        _cellule(ws, LIGNE_TITRES, col, f"Note « {c.nom} »", gras=True)
        _cellule(ws, 5, col, float(c.poids or analyse.nmax_prix), format=FORMAT_NOTE)
    unites_cols: dict[str, tuple[list[int], int]] = {}
    for u in analyse.unites:
        entrees = []
        libelles = u.elements if u.par_elements else [u.nom]
        for e in libelles:
            col += 1
            entrees.append(col)
            _cellule(ws, LIGNE_TITRES, col, f"{e} — appréciation (%)", gras=True)
        col += 1
        _cellule(ws, LIGNE_TITRES, col, f"Note « {u.nom} »", gras=True)
        _cellule(ws, 5, col, float(u.poids), format=FORMAT_NOTE)
        unites_cols[u.nom] = (entrees, col)
    for c in projet.criteres:
        if c.nom in notes_criteres:
            continue
        if not c.sous_criteres:  # its only unit's note is the criterion's note
            notes_criteres[c.nom] = unites_cols[c.nom][1]
            continue
        col += 1
        notes_criteres[c.nom] = col
        _cellule(ws, LIGNE_TITRES, col, f"Note « {c.nom} »", gras=True)
        _cellule(ws, 5, col, float(c.poids or 0), format=FORMAT_NOTE)
    col += 1
    colonnes["total"] = col
    _cellule(ws, LIGNE_TITRES, col, "Note globale", gras=True)
    col += 1
    colonnes["rang"] = col
    _cellule(ws, LIGNE_TITRES, col, "Rang", gras=True)

    def lettre(n: int) -> str:
        return get_column_letter(n)

    plage_compare = f"${lettre(colonnes['compare'])}${premiere}:${lettre(colonnes['compare'])}" \
                    f"${derniere}"
    for i, r in enumerate(retenues):
        ligne = premiere + i
        _cellule(ws, ligne, 1, r.nom)
        for code in tranches:
            _cellule(ws, ligne, colonnes[f"prix:{code}"],
                     float({**r.prix_tranches_ht, **r.prix_pse_ht}[code]),
                     saisie=True, format=FORMAT_EUROS)
        debut = lettre(colonnes[f"prix:{tranches[0]}"])
        fin = lettre(colonnes[f"prix:{tranches[-1]}"])
        ht = _cellule(ws, ligne, colonnes["total_ht"], f"=SUM({debut}{ligne}:{fin}{ligne})",
                      format=FORMAT_EUROS)
        assujetti = _cellule(ws, ligne, colonnes["assujetti"],
                             1 if r.offre.candidat.assujetti_tva else 0, saisie=True)
        compare = (f"=ROUND({ht}*(1+IF({assujetti}=1,$B$3,0)),2)" if analyse.prix_ttc
                   else f"={ht}")
        p = _cellule(ws, ligne, colonnes["compare"], compare, format=FORMAT_EUROS)
        for c in analyse.criteres_prix:
            nmax = f"{lettre(notes_criteres[c.nom])}$5"
            if analyse.notation.methode_prix == "proportionnelle_inverse":
                f = f"=ROUND({nmax}*MIN({plage_compare})/{p},2)"
            else:
                f = (f"=ROUND(MAX(0,{nmax}*(1-({p}-MIN({plage_compare}))/MIN({plage_compare}))),"
                     "2)")
            _cellule(ws, ligne, notes_criteres[c.nom], f, format=FORMAT_NOTE)
        for u in analyse.unites:
            entrees, note_col = unites_cols[u.nom]
            detail = r.note_unite(u.nom)
            assert detail is not None
            for k, colonne in enumerate(entrees):
                libelle = detail.appreciations[k].strip().lower()
                _cellule(ws, ligne, colonne, float(analyse.notation.bareme[libelle] / 100),
                         saisie=True, format=FORMAT_POURCENT)
            premiere_e, derniere_e = lettre(entrees[0]), lettre(entrees[-1])
            _cellule(ws, ligne, note_col, f"=ROUND({lettre(note_col)}$5*AVERAGE({premiere_e}"
                     f"{ligne}:{derniere_e}{ligne}),2)", format=FORMAT_NOTE)
        for c in projet.criteres:
            if c in analyse.criteres_prix or not c.sous_criteres:
                continue
            cellules = [f"{lettre(unites_cols[u.nom][1])}{ligne}" for u in analyse.unites
                        if u.critere.nom == c.nom]
            _cellule(ws, ligne, notes_criteres[c.nom], f"=SUM({','.join(cellules)})",
                     format=FORMAT_NOTE)
        total = ",".join(f"{lettre(k)}{ligne}" for k in notes_criteres.values())
        _cellule(ws, ligne, colonnes["total"], f"=SUM({total})", gras=True, format=FORMAT_NOTE)
        tot = lettre(colonnes["total"])
        plage_tot = f"${tot}${premiere}:${tot}${derniere}"
        rang = f"=COUNTIF({plage_tot},\">\"&{tot}{ligne})+1"
        if analyse.departage is not None:
            dep = lettre(notes_criteres[analyse.departage.nom])
            plage_dep = f"${dep}${premiere}:${dep}${derniere}"
            rang = (f"=COUNTIF({plage_tot},\">\"&{tot}{ligne})+COUNTIFS({plage_tot},{tot}{ligne},"
                    f"{plage_dep},\">\"&{dep}{ligne})+1")
        _cellule(ws, ligne, colonnes["rang"], rang, gras=True)
    ligne = derniere + 2
    if analyse.departage is not None:
        ws.cell(row=ligne, column=1, value=f"En cas d'égalité, l'offre la mieux notée sur le "
                f"critère « {analyse.departage.nom} » est classée première (RC).")
        ligne += 1
    exclues = analyse.exclues
    if exclues:
        ligne += 1
        _cellule(ws, ligne, 1, "Offres écartées", gras=True)
        _cellule(ws, ligne, 2, "Motif", gras=True)
        for r in exclues:
            ligne += 1
            _cellule(ws, ligne, 1, r.nom)
            _cellule(ws, ligne, 2, r.motif_exclusion)
    ws.column_dimensions["A"].width = 34
    for k in range(2, col + 1):
        ws.column_dimensions[lettre(k)].width = 16
    ws.row_dimensions[LIGNE_TITRES].height = 60
    for k in range(1, col + 1):
        ws.cell(row=LIGNE_TITRES, column=k).fill = BLEU
    ws.freeze_panes = ws.cell(row=premiere, column=2)
    d = projet.calendrier.date_limite_remise
    wb.properties.creator = projet.acheteur.nom
    wb.properties.title = f"Grille de notation — {projet.marche.reference}"
    wb.properties.created = wb.properties.modified = d.replace(tzinfo=None)
    brut = io.BytesIO()  # not wb.save(), which stamps « modified » with the clock
    with zipfile.ZipFile(brut, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    return _zip_fixe(brut.getvalue(), (max(d.year, 1980), d.month, d.day, 0, 0, 0))


def _zip_fixe(data: bytes, date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The same workbook rewritten by the package's one deterministic zip writer."""
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        membres = [(nom, source.read(nom)) for nom in source.namelist()]
    return write_zip(membres, date_time)


def _entetes_attendus(projet: Consultation,
                      offres: Offres) -> dict[str, tuple[str, str, int]]:
    """Header of each input column → (kind, key, element index)."""
    out: dict[str, tuple[str, str, int]] = {}
    for t in projet.tranches:
        out[f"Prix HT {t.code}"] = ("prix", t.code, 0)
    for code in offres.pse_retenues:
        out[f"Prix HT {code}"] = ("pse", code, 0)
    out["Assujetti à la TVA (1/0)"] = ("tva", "", 0)
    for u in unites(projet):
        for k, e in enumerate(u.elements if u.par_elements else [u.nom]):
            out[f"{e} — appréciation (%)"] = ("note", u.nom, k)
    return out


def lire_grille(chemin: str | Path, projet: Consultation, offres: Offres) -> Offres:
    """The offers file updated with the prices and appreciations typed in a grid written by
    ``build_grille`` (candidates matched by name); raise ``OffresInvalides``, located by cell."""
    from .chargement import OffresInvalides

    chemin = Path(chemin)
    nom = str(chemin)
    try:
        ws = load_workbook(chemin, data_only=True)[FEUILLE]
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        c = Constat("", f"grille illisible ou sans feuille « {FEUILLE} » ({exc}).", "erreur", nom)
        raise OffresInvalides(constats=[c], fichier=nom) from None
    echelle = {v: k for k, v in bareme(projet.notation).items()}
    attendus = _entetes_attendus(projet, offres)
    colonnes = {str(c.value): c.column for c in ws[LIGNE_TITRES] if c.value in attendus}
    erreurs: list[Constat] = []

    def erreur(ligne: int, col: int, message: str) -> None:
        erreurs.append(Constat(f"{FEUILLE}!{get_column_letter(col)}{ligne}", message, "erreur",
                               nom, ligne, col))

    for entete in attendus:
        if entete not in colonnes:
            erreur(LIGNE_TITRES, 1, f"colonne « {entete} » absente : la grille ne correspond "
                   "pas aux critères du RC du projet.")
    par_nom = {o.candidat.nom: i for i, o in enumerate(offres.offres)}
    par_elements = {u.nom for u in unites(projet) if u.par_elements}
    data = offres.model_dump()
    ligne = LIGNE_TITRES + 1
    while not erreurs and (candidat := ws.cell(row=ligne, column=1).value):
        i = par_nom.get(str(candidat).strip())
        if i is None:
            erreur(ligne, 1, f"candidat « {candidat} » absent du fichier des offres.")
            break
        offre = data["offres"][i]
        for entete, col in colonnes.items():
            genre, cle, k = attendus[entete]
            v = ws.cell(row=ligne, column=col).value
            if isinstance(v, bool) or not isinstance(v, int | float):
                erreur(ligne, col, "un nombre est attendu.")
                continue
            if genre in ("prix", "pse"):
                if v <= 0:
                    erreur(ligne, col, "un prix positif est attendu.")
                    continue
                valeur = Decimal(str(round(v, 2)))
                if genre == "pse":
                    offre["prix_pse"][cle] = valeur
                elif offre["negociation"]:  # the grid shows the last negotiated prices
                    dernier = max(offre["negociation"], key=lambda t: t["numero"])
                    dernier["prix"][cle] = valeur
                else:
                    offre["prix"][cle] = valeur
            elif genre == "tva":
                offre["candidat"]["assujetti_tva"] = bool(v)
            else:
                pct = Decimal(str(round(v * 100, 2))).normalize()
                libelle = next((lib for p, lib in echelle.items() if p == pct), None)
                if libelle is None:
                    erreur(ligne, col, f"{float(pct):g} % ne correspond à aucune appréciation "
                           f"du barème du RC ({projet.notation.bareme_technique}).")
                    continue
                note = offre["notes"].setdefault(cle, {"commentaire": "À justifier."})
                if cle in par_elements:
                    valeurs = list(note.get("appreciations") or [])
                    valeurs += [libelle] * (k + 1 - len(valeurs))
                    valeurs[k] = libelle
                    note["appreciations"], note["appreciation"] = valeurs, None
                else:
                    note["appreciation"] = libelle
        ligne += 1
    if erreurs:
        raise OffresInvalides(constats=erreurs, fichier=nom)
    return Offres.model_validate(data)
