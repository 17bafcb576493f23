"""03-Devis.xlsx: the detailed quote of the light kit, which, countersigned, is the contract.

One sheet: a header (buyer, object, reference, provider, VAT rate), then per tranche one row
per phase (days × daily rate = amount, live formulas) with total HT, VAT and TTC, a recap
when there are several tranches, and the two signature blocks (provider; buyer « bon pour
accord »). Only the provider's cells are unlocked (yellow). Texts that come from the project
are stored as strings, never as formulas: a value starting with = + - or @ is written with
the « quote prefix » that keeps Excel and LibreOffice from reading it as a formula.
The bytes are deterministic (document dates from the consultation date).
"""

from __future__ import annotations

import datetime as dt
import io
import zipfile
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Protection, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet
from openpyxl.writer.excel import ExcelWriter

from ..render.package import write_zip

__all__ = ["build_devis", "texte_sur", "DEBUTS_FORMULE"]

FORMAT_EUROS = '#,##0.00\\ "€"'
FORMAT_JOURS = "#,##0.0"
FORMAT_TAUX = "0%"
JAUNE = PatternFill("solid", start_color="FFF2CC", end_color="FFF2CC")
BLEU = PatternFill("solid", start_color="D9E2F3", end_color="D9E2F3")
GRIS = PatternFill("solid", start_color="F2F2F2", end_color="F2F2F2")
ACCENT = "1F3864"
_FIN = Side(style="thin", color="808080")
BORDURE = Border(left=_FIN, right=_FIN, top=_FIN, bottom=_FIN)
LARGEURS = (8, 30, 40, 12, 14, 16)
COLONNES = ("N°", "Étude", "Phase", "Nombre de jours", "Prix de journée HT", "Montant HT")

DEBUTS_FORMULE = ("=", "+", "-", "@")
"""First characters that make a spreadsheet read a typed text as a formula."""


def texte_sur(cellule: Cell, texte: str) -> Cell:
    """Write ``texte`` as a string, never a formula (quote prefix when it could be one)."""
    cellule.value = texte
    cellule.data_type = "s"
    if texte.startswith(DEBUTS_FORMULE):
        cellule.style_array.quotePrefix = 1  # the cell-level « ' » of Excel and LibreOffice
    return cellule


class _Feuille:
    def __init__(self, ws: Worksheet) -> None:
        self.ws = ws
        self.ligne = 0
        self.saisies: list[str] = []

    def suivante(self, hauteur: float | None = None) -> int:
        self.ligne += 1
        if hauteur:
            self.ws.row_dimensions[self.ligne].height = hauteur
        return self.ligne

    def cellule(self, col: int, valeur: Any = None, *, gras: bool = False, taille: float = 10,
                fond: PatternFill | None = None, format: str | None = None,
                horizontal: str = "left", bordure: bool = True, italique: bool = False,
                saisie: bool = False, formule: bool = False) -> Cell:
        c = self.ws.cell(row=self.ligne, column=col)
        if isinstance(valeur, str) and not formule:
            texte_sur(c, valeur)
        else:
            c.value = valeur
        c.font = Font(name="Arial", size=taille, bold=gras, italic=italique,
                      color=ACCENT if gras and taille > 10 else None)
        c.alignment = Alignment(horizontal=horizontal, vertical="center", wrap_text=True)
        c.protection = Protection(locked=not saisie)
        if saisie:
            c.fill = JAUNE
            self.saisies.append(c.coordinate)
        elif fond is not None:
            c.fill = fond
        if format:
            c.number_format = format
        if bordure:
            c.border = BORDURE
        return c

    def large(self, texte: str, *, hauteur: float | None = None, **style: Any) -> None:
        self.suivante(hauteur)
        self.cellule(1, texte, bordure=False, **style)
        self.ws.merge_cells(start_row=self.ligne, start_column=1, end_row=self.ligne,
                            end_column=len(COLONNES))

    def total(self, libelle: str, formule: str, *, gras: bool = True) -> str:
        self.suivante()
        self.cellule(1, libelle, gras=gras, fond=GRIS, horizontal="right")
        for col in range(2, len(COLONNES)):
            self.cellule(col, None, fond=GRIS)
        self.ws.merge_cells(start_row=self.ligne, start_column=1, end_row=self.ligne,
                            end_column=len(COLONNES) - 1)
        return self.cellule(len(COLONNES), formule, gras=gras, fond=GRIS, format=FORMAT_EUROS,
                            horizontal="right", formule=True).coordinate


def _g(obj: Any, nom: str, defaut: Any = None) -> Any:
    return obj.get(nom, defaut) if isinstance(obj, dict) else getattr(obj, nom, defaut)


def _hauteur(texte: str, largeur: float) -> float:
    return max(15.0, 13.0 * max(1, -(-len(texte) // max(1, int(largeur * 1.1)))) + 2)


def _tranche(f: _Feuille, t: Any, unique: bool, taux: str) -> dict[str, str]:
    f.suivante()
    code = str(_g(t, "code"))
    if unique:
        titre = f"Prestations — {_g(t, 'intitule')}"
    elif _g(t, "est_ferme"):
        titre = f"Tranche ferme ({code}) — {_g(t, 'intitule')}"
    else:
        titre = f"Tranche optionnelle ({code}) — {_g(t, 'intitule')}"
    f.cellule(1, titre, gras=True, fond=BLEU)
    for col in range(2, len(COLONNES) + 1):
        f.cellule(col, None, fond=BLEU)
    f.ws.merge_cells(start_row=f.ligne, start_column=1, end_row=f.ligne,
                     end_column=len(COLONNES))
    premiere = f.ligne + 1
    for i, p in enumerate(_g(t, "phases") or [], start=1):
        f.suivante()
        etude, phase = str(_g(p, "etude_titre")), str(_g(p, "nom"))
        f.cellule(1, str(i) if unique else f"{code}.{i}", horizontal="center")
        f.cellule(2, etude)
        f.cellule(3, phase)
        f.cellule(4, None, format=FORMAT_JOURS, horizontal="right", saisie=True)
        f.cellule(5, None, format=FORMAT_EUROS, horizontal="right", saisie=True)
        f.cellule(6, f"=D{f.ligne}*E{f.ligne}", format=FORMAT_EUROS, horizontal="right",
                  formule=True)
        f.ws.row_dimensions[f.ligne].height = max(_hauteur(etude, LARGEURS[1]),
                                                  _hauteur(phase, LARGEURS[2]))
    derniere = f.ligne
    suffixe = "" if unique else f" — {code}"
    ht = f.total(f"Total HT{suffixe}", f"=SUM(F{premiere}:F{derniere})")
    tva = f.total(f"TVA{suffixe}", f"=ROUND({ht}*{taux},2)", gras=False)
    ttc = f.total(f"Total TTC{suffixe}", f"={ht}+{tva}")
    f.suivante()
    return {"ht": ht, "tva": tva, "ttc": ttc}


def build_devis(context: dict[str, Any]) -> bytes:
    """The workbook 03-Devis.xlsx of the light kit described by ``context``."""
    acheteur, marche = context["acheteur"], context["marche"]
    tranches = list(context["tranches"])
    unique = len(tranches) == 1
    cahier = next((p for p in context["pieces"] if p.code == "cahier"), None)
    wb = Workbook()
    ws = wb.active
    ws.title = "Devis"
    f = _Feuille(ws)
    f.large(str(_g(acheteur, "nom")), gras=True, taille=11)
    f.large("Devis détaillé valant marché", gras=True, taille=14, hauteur=22)
    objet = f"Objet\u00a0: {_g(marche, 'objet')}"
    f.large(objet, hauteur=_hauteur(objet, sum(LARGEURS)))
    f.large(f"Référence\u00a0: {_g(marche, 'reference')}")
    f.large("Le prestataire renseigne les cellules sur fond jaune\u00a0; les montants se calculent "
            "d'eux-mêmes. Montants en euros hors taxes, sauf mention TTC.", italique=True,
            hauteur=28)
    f.suivante()
    for libelle in ("Prestataire (raison sociale, adresse)\u00a0:", "SIRET du prestataire\u00a0:"):
        f.suivante()
        f.cellule(1, libelle, gras=True, bordure=False)
        ws.merge_cells(start_row=f.ligne, start_column=1, end_row=f.ligne, end_column=2)
        f.cellule(3, None, saisie=True)
        for col in range(4, len(COLONNES) + 1):
            f.cellule(col, None, saisie=True)
        ws.merge_cells(start_row=f.ligne, start_column=3, end_row=f.ligne,
                       end_column=len(COLONNES))
    f.suivante()
    f.cellule(1, "Taux de TVA\u00a0:", gras=True, bordure=False)
    ws.merge_cells(start_row=f.ligne, start_column=1, end_row=f.ligne, end_column=2)
    taux = Decimal(str(context["regle"]("taux_tva"))) / 100
    cellule_taux = f.cellule(3, float(taux), format=FORMAT_TAUX, saisie=True).coordinate
    taux_absolu = f"${cellule_taux[0]}${cellule_taux[1:]}"
    f.suivante()
    f.suivante(30)
    for col, nom in enumerate(COLONNES, start=1):
        f.cellule(col, nom, gras=True, fond=BLEU, horizontal="center")
    ligne_titres = f.ligne
    totaux = [_tranche(f, t, unique, taux_absolu) for t in tranches]
    if not unique:
        for cle, libelle in (("ht", "Montant total HT (toutes tranches)"),
                             ("tva", "TVA (toutes tranches)"),
                             ("ttc", "Montant total TTC (toutes tranches)")):
            f.total(libelle, "=" + "+".join(t[cle] for t in totaux), gras=cle != "tva")
        f.suivante()
    renvoi = f" et par le {cahier.titre.lower()} ({cahier.fichier})" if cahier else ""
    f.large(f"Le présent devis, daté et signé par le prestataire puis contresigné par "
            f"l'acheteur, vaut marché. Il est régi par ses propres mentions{renvoi}. "
            + ("Les tranches optionnelles ne sont exécutées que si l'acheteur les affermit."
               if not unique else ""), italique=True, hauteur=40)
    f.suivante()
    f.suivante()
    f.cellule(1, "Le prestataire (date, nom, qualité et signature)\u00a0:", gras=True,
              bordure=False)
    ws.merge_cells(start_row=f.ligne, start_column=1, end_row=f.ligne, end_column=3)
    representant = _g(acheteur, "representant")
    signature = str(_g(representant, "signature", "Le représentant de l'acheteur,"))
    nom = _g(representant, "nom")
    f.cellule(4, f"Bon pour accord, pour l'acheteur — {signature.rstrip(',')}"
                 f"{', ' + str(nom) if nom else ''} (date et signature)\u00a0:", gras=True,
              bordure=False)
    ws.merge_cells(start_row=f.ligne, start_column=4, end_row=f.ligne, end_column=6)
    f.ws.row_dimensions[f.ligne].height = 30
    f.suivante(70)

    for i, largeur in enumerate(LARGEURS, start=1):
        ws.column_dimensions[get_column_letter(i)].width = largeur
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.orientation = "portrait"
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.print_title_rows = f"{ligne_titres}:{ligne_titres}"
    reference = str(_g(marche, "reference"))
    ws.oddFooter.left.text = f"Devis — {reference}".replace("&", "&&")
    ws.oddFooter.right.text = "Page &P sur &N"
    ws.print_area = f"A1:F{f.ligne}"
    ws.protection.sheet = True
    ws.protection.formatColumns = False
    ws.protection.formatRows = False
    nombres = [c for c in f.saisies if c[0] in "DE" or c == cellule_taux]
    ws.add_data_validation(DataValidation(
        type="decimal", operator="greaterThanOrEqual", formula1="0", allow_blank=True,
        showErrorMessage=True, errorTitle="Valeur invalide",
        error="Saisir un nombre positif ou nul (sans unité).", sqref=" ".join(nombres)))

    d = _g(context.get("calendrier"), "date_envoi_publication") or dt.date(1980, 1, 1)
    quand = dt.datetime(d.year, d.month, d.day)
    wb.properties.creator = str(_g(acheteur, "nom"))
    wb.properties.lastModifiedBy = str(_g(acheteur, "nom"))
    wb.properties.title = f"Devis détaillé — {reference}"
    wb.properties.subject = str(_g(marche, "objet"))
    wb.properties.language = "fr-FR"
    wb.properties.created = quand
    wb.properties.modified = quand
    return _deterministe(wb, quand)


def _deterministe(wb: Workbook, quand: dt.datetime) -> bytes:
    """Saved without ``wb.save()`` (which stamps the clock), then rewritten by the package's
    one deterministic zip writer."""
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as archive:
        ExcelWriter(wb, archive).save()
    with zipfile.ZipFile(io.BytesIO(tampon.getvalue())) as zin:
        membres = [(nom, zin.read(nom)) for nom in zin.namelist()]
    return write_zip(membres, (max(quand.year, 1980), quand.month, quand.day, 0, 0, 0))
