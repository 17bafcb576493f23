"""A French lint over generated documents: grammar and typography faults that the data can
cause (« un tranche », « de Oraison », « de Le Castellet », « 0 réunion »…) and leftovers of
the template language (``{{``, ``None``…).

``verifier_kit(fichiers)`` reads every .docx (body, tables, headers and footers) and .xlsx
(cell texts) of a kit and returns one ``Defaut`` per fault, naming the piece, the paragraph
and the rule. The tests run it over every example and over property-generated projects;
``REGLES`` lists the rules (code, description, pattern).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

__all__ = ["REGLES", "Defaut", "Regle", "verifier_docx", "verifier_kit", "verifier_texte",
           "verifier_xlsx"]

_VOYELLE_MAJ = "AEIOUYÀÂÄÉÈÊËÎÏÔÖÙÛÜŒÆ"
_NOMS_FEMININS = ("tranche", "tranches", "réunion", "réunions", "phase", "phases", "semaine",
                  "semaines", "offre", "offres", "étude", "études", "visite", "note")
_NOMS_COMPTES = ("réunions?", "tranches?", "phases?", "jours?", "semaines?", "mois",
                 "exemplaires?", "pages?", "logements?", "habitants?", "études?", "ateliers?",
                 "séances?", "lots?")
_NOMS_COMMUNS = ("maire", "titulaire", "comité", "marché", "site", "projet", "cahier", "prix",
                 "devis", "candidat", "candidats", "prestataire", "prestataires", "tranches",
                 "phases", "offres", "réunions", "études", "acheteur")


@dataclass(frozen=True)
class Regle:
    """One lint rule: a short code, what it catches (French), and its pattern."""

    code: str
    description: str
    motif: re.Pattern[str]
    word_seulement: bool = False  # typography of the Word pieces (spreadsheets are exempt)


def _r(code: str, description: str, motif: str, flags: int = 0, *,
       word_seulement: bool = False) -> Regle:
    return Regle(code, description, re.compile(motif, flags), word_seulement)


REGLES: tuple[Regle, ...] = (
    _r("accord-un", "« un » devant un nom féminin (« un tranche »)",
       rf"\b[Uu]n (?:{'|'.join(_NOMS_FEMININS)})\b"),
    _r("accord-une", "« une » devant un nom masculin (« une mois »)",
       r"\b[Uu]ne (?:mois|jour|lot|atelier|comité|exemplaire|livrable)\b"),
    _r("elision-de", "« de » non élidé devant un nom propre à voyelle (« de Oraison »)",
       rf"\b[Dd]e [{_VOYELLE_MAJ}][a-zà-ÿ'-]"),
    _r("contraction-de-le", "« de Le » ou « de Les » au lieu de « du » ou « des »",
       rf"\b[Dd]e (?:Le|Les) |\b[Dd]e (?:le|les) (?=(?:{'|'.join(_NOMS_COMMUNS)})\b)"),
    _r("contraction-a-le", "« à le » ou « à les » au lieu de « au » ou « aux »",
       rf"\b[àÀ] (?:Le|Les) |\b[àÀ] (?:le|les) (?=(?:{'|'.join(_NOMS_COMMUNS)})\b)"),
    _r("zero-compte", "« 0 » devant un nom compté (« 0 réunion » : écrire « aucune réunion »)",
       rf"(?<![\d,.\u202f\u00a0])0 (?:{'|'.join(_NOMS_COMPTES)})\b"),
    _r("un-pluriel", "« 1 » ou « un(e) » devant un nom au pluriel (« 1 tranches »)",
       r"\b(?:1|[Uu]ne?) (?:tranches|réunions|phases|semaines|jours|exemplaires|pages)\b"),
    _r("civilite-article", "article devant une civilité (« Le madame la maire »)",
       r"\b(?:[Ll]e|[Ll]a) (?:[Mm]adame|[Mm]onsieur)\b"),
    _r("mot-double", "mot répété (« de de »)", r"\b(?!(?:nous|vous)\b)([^\W\d_]{2,}) \1\b",
       re.IGNORECASE),
    _r("espaces-doubles", "deux espaces consécutives", r"\S {2,}\S"),
    _r("espace-point", "espace avant un point", r"\S[ \u00a0\u202f]+\.(?!\.)"),
    _r("espace-virgule", "espace avant une virgule", r"\S[ \u00a0\u202f]+,"),
    _r("double-point", "point doublé (« .. »)", r"(?<![.…])\.\.(?!\.)"),
    _r("espace-insecable", "espace ordinaire ou absente avant « : ; ! ? » ou dans « » "
       "(espace insécable attendue)",
       r"\S (?=[:;!?»])|«(?=[ \S])|(?<=[^\s\d/:])[;!?»](?=[ \u00a0]|$)"
       r"|(?<=[^\s\d/:])\:(?=[ \u00a0]|$)",
       word_seulement=True),
    _r("plan-guide", "« plan guide » : écrire « plan-guide »", r"\b[Pp]lans? guides?\b"),
    _r("balise-jinja", "reste de balise de modèle (« {{ », « {% »)", r"\{\{|\}\}|\{%|%\}"),
    _r("valeur-python", "valeur Python affichée (None, True, False)", r"\b(?:None|True|False)\b"),
)


@dataclass(frozen=True)
class Defaut:
    """A fault found by the lint: piece, paragraph number (from 1), rule, excerpt."""

    piece: str
    paragraphe: int
    regle: str
    description: str
    extrait: str

    def __str__(self) -> str:
        return (f"{self.piece}, paragraphe {self.paragraphe} : {self.description} — "
                f"« {self.extrait} »")


def verifier_texte(texte: str, *, word: bool = True) -> list[tuple[Regle, str]]:
    """The (rule, excerpt) pairs that ``texte`` breaks (``word``: a Word paragraph, where
    the typography rules apply too)."""
    out: list[tuple[Regle, str]] = []
    for regle in REGLES:
        if regle.word_seulement and not word:
            continue
        for m in regle.motif.finditer(texte):
            debut, fin = max(0, m.start() - 25), min(len(texte), m.end() + 25)
            out.append((regle, texte[debut:fin].strip()))
    return out


_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"


def _paragraphes_docx(data: bytes) -> Iterator[str]:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        parties = ["word/document.xml"] + sorted(
            n for n in z.namelist() if re.fullmatch(r"word/(header|footer)\d*\.xml", n))
        for nom in parties:
            racine = etree.fromstring(z.read(nom))
            for p in racine.iter(f"{_W}p"):
                morceaux = []
                for e in p.iter(f"{_W}t", f"{_W}tab", f"{_W}br", f"{_W}instrText"):
                    if e.tag == f"{_W}t":
                        morceaux.append(e.text or "")
                    elif e.tag != f"{_W}instrText":
                        morceaux.append("\t")
                yield "".join(morceaux)


def _textes_xlsx(data: bytes) -> Iterator[str]:
    from lxml import etree

    with zipfile.ZipFile(io.BytesIO(data)) as z:
        for nom in sorted(z.namelist()):
            if nom == "xl/sharedStrings.xml" or re.fullmatch(r"xl/worksheets/sheet\d+\.xml", nom):
                racine = etree.fromstring(z.read(nom))
                for e in racine.iter():
                    if isinstance(e.tag, str) and e.tag.endswith("}t") and e.text:
                        yield e.text


def _defauts(piece: str, textes: Iterable[str], word: bool) -> list[Defaut]:
    out: list[Defaut] = []
    for i, texte in enumerate(textes, start=1):
        out.extend(Defaut(piece, i, r.code, r.description, extrait.replace("\t", " "))
                   for r, extrait in verifier_texte(texte, word=word))
    return out


def verifier_docx(data: bytes, piece: str = "document") -> list[Defaut]:
    """Every fault of a Word document (body, tables, headers, footers)."""
    return _defauts(piece, _paragraphes_docx(data), True)


def verifier_xlsx(data: bytes, piece: str = "classeur") -> list[Defaut]:
    """Every fault of the texts of a workbook (cells, shared strings)."""
    return _defauts(piece, _textes_xlsx(data), False)


def verifier_kit(fichiers: dict[str, bytes]) -> list[Defaut]:
    """Every fault of every .docx and .xlsx of a kit (file name → bytes)."""
    out: list[Defaut] = []
    for nom, data in sorted(fichiers.items()):
        if nom.endswith(".docx"):
            out.extend(verifier_docx(data, nom))
        elif nom.endswith(".xlsx"):
            out.extend(verifier_xlsx(data, nom))
    return out
