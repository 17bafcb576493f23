"""05-DPGF.xlsx: the décomposition du prix global et forfaitaire, written with openpyxl.

``build_dpgf(context)`` takes the template context of the Word pieces (``acheteur``,
``marche``, ``tranches`` resolved, ``calendrier``…) and returns the bytes of the workbook:

* a header block (acheteur, objet, référence, TVA rate, bidder's name);
* per tranche, a title row, one row per phase (étude, phase, days, day rate, amount) and the
  rows Total HT (``=SUM``), TVA (``=total × rate``) and Total TTC;
* the prestations supplémentaires éventuelles, if the marché has some;
* a recap: each tranche total HT / TVA / TTC by formulas pointing at the tranche totals,
  and the overall totals.

Only the bidder's cells are unlocked (light yellow fill); the sheet is protected without a
password, so that a bidder who really needs to can lift it (Révision > Ôter la protection).
The bytes are deterministic: document properties come from the consultation date and every
zip member gets the same timestamp.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile
from collections.abc import Iterable
from copy import copy
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.cell_range import CellRange
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.pagebreak import Break
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from ..render.package import write_zip

__all__ = ["build_dpgf", "FORMAT_EUROS"]


#: Number formats. Excel and LibreOffice show the locale's separators (« 12 345,00 € » in French).
FORMAT_EUROS = '#,##0.00\\ "€"'
FORMAT_JOURS = "#,##0.0"
FORMAT_TAUX = "0%"

JAUNE = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
BLEU = PatternFill("solid", start_color="D9E2F3", end_color="D9E2F3")
BLEU_CLAIR = PatternFill("solid", start_color="EAF0F7", end_color="EAF0F7")
GRIS = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
ACCENT = "1F3864"
_FIN = Side(style="thin", color="808080")
BORDURE = Border(left=_FIN, right=_FIN, top=_FIN, bottom=_FIN)
POLICE = "Arial"

VERROUILLE = Protection(locked=True)
SAISIE = Protection(locked=False)


@dataclass(frozen=True)
class _Colonnes:
    """Column letters of the phase table (the day columns exist only with ``detail_jours``)."""

    detail_jours: bool

    @property
    def noms(self) -> list[str]:
        base = ["N°", "Étude", "Phase"]
        if self.detail_jours:
            base += ["Nombre de jours", "Prix de journée HT"]
        return base + ["Montant HT"]

    @property
    def largeurs(self) -> list[int]:
        return [9, 34, 46] + ([13, 15] if self.detail_jours else []) + [17]

    @property
    def n(self) -> int:
        return len(self.noms)

    @property
    def derniere(self) -> str:
        return get_column_letter(self.n)

    @property
    def montant(self) -> int:
        return self.n

    @property
    def jours(self) -> int:
        return 4

    @property
    def prix_journee(self) -> int:
        return 5


def _get(obj: Any, name: str, default: Any = None) -> Any:
    """Attribute or key ``name`` of ``obj`` (context values are model objects or dicts)."""
    if obj is None:
        return default
    if isinstance(obj, dict):
        return obj.get(name, default)
    return getattr(obj, name, default)


def libelle_tranche(t: Any, unique: bool = False) -> str:
    """« Tranche ferme (TF) », « Tranche optionnelle n° 2 (TO2) », or « Prestations du marché »
    when the marché has no optional tranche (it is then not a marché à tranches)."""
    if unique:
        return "Prestations du marché"
    if _get(t, "est_ferme", _get(t, "code") == "TF"):
        return "Tranche ferme (TF)"
    code = str(_get(t, "code"))
    return f"Tranche optionnelle n° {int(code[2:])} ({code})"


def _taux_tva(context: dict[str, Any]) -> Decimal:
    """The standard VAT rate from the rules data (a bidder may change the cell)."""
    taux = Decimal(str(context["regle"]("taux_tva")))
    return taux / 100


# What makes a spreadsheet read a cell as a formula or a command (OWASP, CSV injection).
_DEBUTS_FORMULE = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")


def texte_cellule(texte: str) -> str:
    """A project text as it goes into a cell: characters a spreadsheet cannot hold removed
    (control characters). A text starting like a formula stays as typed: the cell is a
    text cell with Excel's quote prefix (the invisible « ' »), so it is never evaluated,
    even after the bidder edits it."""
    return ILLEGAL_CHARACTERS_RE.sub("", texte)


class _Feuille:
    """Writes the DPGF sheet row by row and remembers the cells the recap needs."""

    def __init__(self, ws: Worksheet, cols: _Colonnes) -> None:
        self.ws = ws
        self.cols = cols
        self.ligne = 0
        self.saisies: list[str] = []
        self.saisies_nombres: list[str] = []
        self._styles: dict[tuple[Any, ...], Any] = {}

    # -- helpers

    def suivante(self) -> int:
        self.ligne += 1
        return self.ligne

    def cellule(self, col: int, valeur: Any = None, *, gras: bool = False, taille: float = 10,
                couleur: str | None = None, fond: PatternFill | None = None,
                format: str | None = None, horizontal: str = "left", bordure: bool = True,
                italique: bool = False, protection: Protection = VERROUILLE,
                formule: bool = False) -> Cell:
        """One styled cell. A text is always a text cell (never a formula), its characters
        that a spreadsheet would read as the start of a formula neutralised (see
        ``texte_cellule``); only ``formule=True`` (the tool's own formulas) makes one."""
        texte = isinstance(valeur, str) and not formule
        if texte:
            valeur = texte_cellule(valeur)
        c = self.ws.cell(row=self.ligne, column=col, value=valeur)
        if texte:
            c.data_type = "s"
            if valeur.startswith(_DEBUTS_FORMULE):
                self._style_cellule(c, gras, taille, couleur, fond, format, horizontal, bordure,
                                    italique, protection)
                c._style = copy(c._style)
                c._style.quotePrefix = 1  # Excel's « ' »: typed text, never a formula
                return c
        elif formule and not (isinstance(valeur, str) and valeur.startswith("=")):
            raise ValueError("formule attendue")
        return self._style_cellule(c, gras, taille, couleur, fond, format, horizontal, bordure,
                                   italique, protection)

    def _style_cellule(self, c: Cell, gras: bool, taille: float, couleur: str | None,
                       fond: PatternFill | None, format: str | None, horizontal: str,
                       bordure: bool, italique: bool, protection: Protection) -> Cell:
        # openpyxl hashes every style object on assignment: style each combination once,
        # then copy its style indices (a small array) to the other cells.
        cle = (gras, taille, couleur, id(fond), format, horizontal, bordure, italique,
               protection.locked)
        modele = self._styles.get(cle)
        if modele is not None:
            c._style = copy(modele)
            return c
        c.font = Font(name=POLICE, size=taille, bold=gras, italic=italique, color=couleur)
        c.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
        c.protection = protection
        if fond is not None:
            c.fill = fond
        if format:
            c.number_format = format
        if bordure:
            c.border = BORDURE
        self._styles[cle] = copy(c._style)
        return c

    def saisie(self, col: int, valeur: Any = None, *, format: str | None = None,
               nombre: bool = True, horizontal: str = "right") -> Cell:
        c = self.cellule(col, valeur, fond=JAUNE, format=format, horizontal=horizontal,
                         protection=SAISIE)
        self.saisies.append(c.coordinate)
        if nombre:
            self.saisies_nombres.append(c.coordinate)
        return c

    def fusion(self, debut: int, fin: int) -> None:
        if fin > debut:
            # Registering the range directly skips openpyxl's per-cell re-styling of merged
            # cells (the covered cells are already styled and empty).
            self.ws.merged_cells.add(CellRange(min_col=debut, min_row=self.ligne,
                                               max_col=fin, max_row=self.ligne))

    def texte_large(self, texte: str, *, gras: bool = False, taille: float = 10,
                    couleur: str | None = None, fond: PatternFill | None = None,
                    hauteur: float | None = None, italique: bool = False) -> None:
        self.suivante()
        self.cellule(1, texte, gras=gras, taille=taille, couleur=couleur, fond=fond,
                     bordure=False, italique=italique)
        self.fusion(1, self.cols.n)
        if hauteur:
            self.ws.row_dimensions[self.ligne].height = hauteur

    def ligne_total(self, libelle: str, formule: str, *, fond: PatternFill,
                    gras: bool = True) -> str:
        self.suivante()
        self.cellule(1, libelle, gras=gras, fond=fond, horizontal="right")
        for col in range(2, self.cols.montant):
            self.cellule(col, None, fond=fond)
        self.fusion(1, self.cols.montant - 1)
        c = self.cellule(self.cols.montant, formule, formule=True, gras=gras, fond=fond,
                         format=FORMAT_EUROS,
                         horizontal="right")
        return c.coordinate


def _hauteur(texte: str, largeur: float) -> float:
    """Row height (points) for a wrapped text in a column ``largeur`` characters wide."""
    lignes = max(1, -(-len(texte) // max(1, int(largeur * 1.1))))
    return max(15.0, 13.0 * lignes + 2)


def _entete(f: _Feuille, context: dict[str, Any], taux: Decimal) -> str:
    """Header block; returns the coordinate of the VAT rate cell."""
    acheteur, marche = context["acheteur"], context["marche"]
    f.texte_large(str(_get(acheteur, "nom")), gras=True, taille=11, couleur=ACCENT)
    f.texte_large("Décomposition du prix global et forfaitaire (DPGF)", gras=True, taille=14,
                  couleur=ACCENT, hauteur=22)
    objet = f"Objet du marché : {_get(marche, 'objet')}"
    f.texte_large(objet, hauteur=_hauteur(objet, sum(f.cols.largeurs)))
    f.texte_large(f"Référence du marché : {_get(marche, 'reference')}")
    quoi = "du marché" if len(context["tranches"]) == 1 else "de chaque tranche"
    f.texte_large(
        "Le candidat renseigne les seules cellules sur fond jaune ; les totaux se calculent "
        "automatiquement. Les montants sont exprimés en euros hors taxes, sauf mention TTC. "
        f"Les montants HT, TVA et TTC {quoi} sont reportés à l'acte d'engagement.",
        italique=True, hauteur=40)
    f.suivante()
    f.suivante()
    f.cellule(1, "Candidat (nom ou raison sociale) :", gras=True, bordure=False)
    f.fusion(1, 2)
    f.saisie(3, None, nombre=False, horizontal="left")
    if f.cols.n > 3:
        for col in range(4, f.cols.n + 1):
            f.cellule(col, None, fond=JAUNE).protection = SAISIE
        f.fusion(3, f.cols.n)
    f.suivante()
    f.cellule(1, "Taux de TVA applicable :", gras=True, bordure=False)
    f.fusion(1, 2)
    c = f.saisie(3, float(taux), format=FORMAT_TAUX, horizontal="left")
    f.suivante()
    f.cellule(1, "Taux normal prérempli ; le candidat non assujetti (franchise en base) indique "
                 "0 % et le précise à l'acte d'engagement.", italique=True, taille=9, bordure=False)
    f.fusion(1, f.cols.n)
    return c.coordinate


def _en_tetes_colonnes(f: _Feuille) -> int:
    f.suivante()
    f.suivante()
    for col, nom in enumerate(f.cols.noms, start=1):
        f.cellule(col, nom, gras=True, fond=BLEU, horizontal="center")
    f.ws.row_dimensions[f.ligne].height = 30
    return f.ligne


def _tranche(f: _Feuille, t: Any, detail_jours: bool, taux: str,
             unique: bool = False) -> dict[str, str]:
    f.suivante()
    titre = f"{libelle_tranche(t, unique)} — {_get(t, 'intitule')}"
    f.cellule(1, titre, gras=True, fond=BLEU_CLAIR, couleur=ACCENT)
    for col in range(2, f.cols.n + 1):
        f.cellule(col, None, fond=BLEU_CLAIR)
    f.fusion(1, f.cols.n)
    f.ws.row_dimensions[f.ligne].height = _hauteur(titre, sum(f.cols.largeurs))
    premiere = f.ligne + 1
    for i, p in enumerate(_get(t, "phases") or [], start=1):
        f.suivante()
        etude, phase = str(_get(p, "etude_titre")), str(_get(p, "nom"))
        f.cellule(1, str(i) if unique else f"{_get(t, 'code')}.{i}", horizontal="center")
        f.cellule(2, etude)
        f.cellule(3, phase)
        if detail_jours:
            j, pj = get_column_letter(f.cols.jours), get_column_letter(f.cols.prix_journee)
            f.saisie(f.cols.jours, format=FORMAT_JOURS)
            f.saisie(f.cols.prix_journee, format=FORMAT_EUROS)
            f.cellule(f.cols.montant, f"={j}{f.ligne}*{pj}{f.ligne}", formule=True,
                      format=FORMAT_EUROS,
                      horizontal="right")
        else:
            f.saisie(f.cols.montant, format=FORMAT_EUROS)
        f.ws.row_dimensions[f.ligne].height = max(_hauteur(etude, f.cols.largeurs[1]),
                                                  _hauteur(phase, f.cols.largeurs[2]))
    derniere = f.ligne
    m = get_column_letter(f.cols.montant)
    nom = "" if unique else " — " + libelle_tranche(t).split(" (")[0].lower()
    ht = f.ligne_total(f"Total HT{nom}", f"=SUM({m}{premiere}:{m}{derniere})", fond=GRIS)
    tva = f.ligne_total(f"TVA{nom}", f"=ROUND({ht}*{taux},2)", fond=GRIS, gras=False)
    ttc = f.ligne_total(f"Total TTC{nom}", f"={ht}+{tva}", fond=GRIS)
    f.suivante()
    return {"ht": ht, "tva": tva, "ttc": ttc}


def _pse(f: _Feuille, pse: Iterable[Any], taux: str) -> dict[str, str] | None:
    pse = list(pse)
    if not pse:
        return None
    f.suivante()
    titre = "Prestations supplémentaires éventuelles (PSE)"
    f.cellule(1, titre, gras=True, fond=BLEU_CLAIR, couleur=ACCENT)
    for col in range(2, f.cols.n + 1):
        f.cellule(col, None, fond=BLEU_CLAIR)
    f.fusion(1, f.cols.n)
    premiere = f.ligne + 1
    for i, x in enumerate(pse, start=1):
        f.suivante()
        intitule = str(_get(x, "intitule"))
        f.cellule(1, f"PSE n° {i}", horizontal="center")
        f.cellule(2, intitule)
        for col in range(3, f.cols.montant):
            f.cellule(col, None)
        f.fusion(2, f.cols.montant - 1)
        f.saisie(f.cols.montant, format=FORMAT_EUROS)
        f.ws.row_dimensions[f.ligne].height = _hauteur(intitule, sum(f.cols.largeurs[1:-1]))
    m = get_column_letter(f.cols.montant)
    ht = f.ligne_total("Total HT — prestations supplémentaires éventuelles",
                       f"=SUM({m}{premiere}:{m}{f.ligne})", fond=GRIS)
    tva = f.ligne_total("TVA — prestations supplémentaires éventuelles",
                        f"=ROUND({ht}*{taux},2)", fond=GRIS, gras=False)
    ttc = f.ligne_total("Total TTC — prestations supplémentaires éventuelles", f"={ht}+{tva}",
                        fond=GRIS)
    f.suivante()
    return {"ht": ht, "tva": tva, "ttc": ttc}


def _reunion_supplementaire(f: _Feuille) -> None:
    """Unit price of an additional meeting, outside the total (CCTP, « Récapitulatif des
    réunions »)."""
    f.suivante()
    titre = "Prix unitaire, hors montant du marché"
    f.cellule(1, titre, gras=True, fond=BLEU_CLAIR, couleur=ACCENT)
    for col in range(2, f.cols.n + 1):
        f.cellule(col, None, fond=BLEU_CLAIR)
    f.fusion(1, f.cols.n)
    f.suivante()
    libelle = ("Réunion supplémentaire à la demande de l'acheteur (préparation, animation, "
               "compte rendu, déplacement compris), prix unitaire HT")
    f.cellule(1, "PU", horizontal="center")
    f.cellule(2, libelle)
    for col in range(3, f.cols.montant):
        f.cellule(col, None)
    f.fusion(2, f.cols.montant - 1)
    f.saisie(f.cols.montant, format=FORMAT_EUROS)
    f.ws.row_dimensions[f.ligne].height = _hauteur(libelle, sum(f.cols.largeurs[1:-1]))
    f.suivante()


def _recapitulatif(f: _Feuille, tranches: list[Any], totaux: list[dict[str, str]],
                   pse: dict[str, str] | None) -> dict[str, str]:
    """Recap table: tranche code, intitulé, then HT, (TVA,) TTC in the last columns.

    With the day columns the sheet has six columns (intitulé over B:C, HT, TVA, TTC); without
    them it has four (intitulé in B, HT, TTC).
    """
    n = f.cols.n
    montants = [("ht", "Montant HT"), ("tva", "TVA"), ("ttc", "Montant TTC")]
    if n < 6:
        montants = [montants[0], montants[2]]
    premiere_montant = n - len(montants) + 1
    colonnes = {cle: premiere_montant + i for i, (cle, _) in enumerate(montants)}

    def ligne(code: str | None, libelle: str, valeurs: dict[str, str], *, gras: bool = False,
              fond: PatternFill | None = None, horizontal: str = "left") -> None:
        f.suivante()
        if code is None:
            f.cellule(1, libelle, gras=gras, fond=fond, horizontal=horizontal)
            debut = 2
        else:
            f.cellule(1, code, horizontal="center", gras=gras, fond=fond)
            f.cellule(2, libelle, gras=gras, fond=fond, horizontal=horizontal)
            debut = 3
        for col in range(debut, premiere_montant):
            f.cellule(col, None, fond=fond)
        f.fusion(1 if code is None else 2, premiere_montant - 1)
        for cle, col in colonnes.items():
            f.cellule(col, valeurs[cle], formule=True, gras=gras, fond=fond,
                      format=FORMAT_EUROS,
                      horizontal="right")
        largeur = sum(f.cols.largeurs[(0 if code is None else 1):premiere_montant - 1])
        f.ws.row_dimensions[f.ligne].height = _hauteur(libelle, largeur)

    f.suivante()
    f.ws.row_breaks.append(Break(id=f.ligne - 1))
    f.cellule(1, "Récapitulatif du prix global et forfaitaire", gras=True, taille=12,
              couleur=ACCENT, bordure=False)
    f.fusion(1, n)
    f.suivante()
    f.cellule(1, "Tranche", gras=True, fond=BLEU, horizontal="center")
    for col in range(2, premiere_montant):
        f.cellule(col, "Intitulé" if col == 2 else None, gras=True, fond=BLEU,
                  horizontal="center")
    f.fusion(2, premiere_montant - 1)
    for (cle, titre) in montants:
        f.cellule(colonnes[cle], titre, gras=True, fond=BLEU, horizontal="center")
    f.ws.row_dimensions[f.ligne].height = 30
    premiere = f.ligne + 1
    for t, tot in zip(tranches, totaux, strict=True):
        unique = len(tranches) == 1
        intitule = f"{libelle_tranche(t, unique).split(' (')[0]} — {_get(t, 'intitule')}"
        ligne("—" if unique else str(_get(t, "code")), intitule,
              {k: f"={tot[k]}" for k in colonnes})
    derniere = f.ligne
    libelle = ("Montant total du marché (tranche ferme et tranches optionnelles)"
               if len(tranches) > 1 else "Montant total du marché")
    sommes = {k: f"=SUM({get_column_letter(c)}{premiere}:{get_column_letter(c)}{derniere})"
              for k, c in colonnes.items()}
    ligne(None, libelle, sommes, gras=True, fond=GRIS, horizontal="right")
    out = {k: f"{get_column_letter(c)}{f.ligne}" for k, c in colonnes.items()}
    if pse:
        ligne("PSE", "Prestations supplémentaires éventuelles (hors montant total du marché)",
              {k: f"={pse[k]}" for k in colonnes})
    return out


def _mise_en_page(ws: Worksheet, cols: _Colonnes, ligne_titres: int, reference: str,
                  nom_acheteur: str) -> None:
    for i, largeur in enumerate(cols.largeurs, start=1):
        ws.column_dimensions[get_column_letter(i)].width = largeur
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "landscape" if cols.detail_jours else "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_options.horizontalCentered = True
    ws.page_margins.left = ws.page_margins.right = 0.5
    ws.page_margins.top = ws.page_margins.bottom = 0.75
    ws.print_title_rows = f"{ligne_titres}:{ligne_titres}"
    ws.freeze_panes = ws.cell(row=ligne_titres + 1, column=1)
    entete = f"{nom_acheteur} — marché {reference}"
    ws.oddHeader.left.text = _echapper_entete(entete)
    ws.oddHeader.left.size = 8
    ws.oddHeader.right.text = "05 — DPGF"
    ws.oddHeader.right.size = 8
    ws.oddFooter.left.text = _echapper_entete(f"DPGF — {reference}")
    ws.oddFooter.left.size = 8
    ws.oddFooter.right.text = "Page &P sur &N"
    ws.oddFooter.right.size = 8


def _echapper_entete(texte: str) -> str:
    """Header/footer codes start with « & »: a literal ampersand is written « && »."""
    return texte.replace("&", "&&")


def _protections(ws: Worksheet, f: _Feuille) -> None:
    ws.protection.sheet = True
    ws.protection.selectLockedCells = False
    ws.protection.selectUnlockedCells = False
    ws.protection.formatColumns = False  # the bidder may widen a column
    ws.protection.formatRows = False
    if f.saisies_nombres:
        dv = DataValidation(type="decimal", operator="greaterThanOrEqual", formula1="0",
                            allow_blank=True, showErrorMessage=True,
                            errorTitle="Valeur invalide",
                            error="Saisir un nombre positif ou nul (sans unité).",
                            sqref=" ".join(f.saisies_nombres))  # dv.add() is quadratic
        ws.add_data_validation(dv)


def _date_consultation(context: dict[str, Any]) -> dt.datetime:
    d = _get(context.get("calendrier"), "date_envoi_publication")
    if isinstance(d, dt.datetime):
        d = d.date()
    if not isinstance(d, dt.date):
        d = dt.date(1980, 1, 1)
    return dt.datetime(d.year, d.month, d.day)


def build_dpgf(context: dict[str, Any]) -> bytes:
    """The DPGF workbook (05-DPGF.xlsx) of the consultation described by ``context``."""
    marche, acheteur = context["marche"], context["acheteur"]
    tranches = list(context["tranches"])
    prix = _get(marche, "prix")
    detail_jours = bool(_get(prix, "detail_jours", True))
    cols = _Colonnes(detail_jours)

    wb = Workbook()
    ws = wb.active
    ws.title = "DPGF"
    f = _Feuille(ws, cols)
    taux = _taux_tva(context)
    cellule_taux = _entete(f, context, taux)
    taux_absolu = re.sub(r"([A-Z]+)(\d+)", r"$\1$\2", cellule_taux)
    ligne_titres = _en_tetes_colonnes(f)
    unique = len(tranches) == 1
    totaux = [_tranche(f, t, detail_jours, taux_absolu, unique) for t in tranches]
    pse = _pse(f, _get(marche, "pse") or [], taux_absolu)
    if not unique or pse:
        _recapitulatif(f, tranches, totaux, pse)
    _reunion_supplementaire(f)
    f.suivante()
    f.suivante()
    f.cellule(1, "Aucune signature n'est exigée sur ce cadre : l'engagement du candidat résulte de "
                 "l'acte d'engagement, qui prévaut sur la DPGF en cas de discordance.",
              italique=True, taille=9, bordure=False)
    f.fusion(1, cols.n)
    ws.row_dimensions[f.ligne].height = 26

    reference = str(_get(marche, "reference"))
    _mise_en_page(ws, cols, ligne_titres, reference, str(_get(acheteur, "nom")))
    _protections(ws, f)
    ws.print_area = f"A1:{cols.derniere}{f.ligne}"

    quand = _date_consultation(context)
    wb.properties.creator = str(_get(acheteur, "nom"))
    wb.properties.lastModifiedBy = str(_get(acheteur, "nom"))
    wb.properties.title = str(_get(marche, "objet"))
    wb.properties.subject = f"Décomposition du prix global et forfaitaire — {reference}"
    wb.properties.keywords = f"DCE; DPGF; {reference}"
    wb.properties.language = "fr-FR"
    wb.properties.created = quand
    wb.properties.modified = quand
    return _zip_deterministe(_ecrire(wb), quand)


def _ecrire(wb: Workbook) -> bytes:
    """Save without ``openpyxl.save_workbook``, which stamps « modified » with the clock."""
    tampon = io.BytesIO()
    archive = zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED, allowZip64=True)
    ExcelWriter(wb, archive).save()
    return tampon.getvalue()


def _zip_deterministe(data: bytes, quand: dt.datetime) -> bytes:
    """The workbook's members rewritten by the package's one deterministic zip writer."""
    with zipfile.ZipFile(io.BytesIO(data)) as zin:
        membres = [(nom, zin.read(nom)) for nom in zin.namelist()]
    return write_zip(membres, (quand.year, quand.month, quand.day, 0, 0, 0))
