"""What the web layer asks of the library: analyse a project, decide, build a kit.

Everything goes through the library's public functions (``analyser_fichier``,
``load_project``, ``build_kit``, ``decide``, ``reperes``) on a file written in a temporary
folder that is deleted before the response leaves: the same code path as the CLI, so the
findings are those of ``validate`` and the kit has the bytes of ``build --zip``. The file is
read and analysed once (:class:`~cctp_builder.analysis.AnalyseProjet`); the kit is built from
that analysis, whose manifest hashes the bytes that were validated.
"""

from __future__ import annotations

import datetime as dt
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import yaml

from .. import AnalyseProjet, analyser_fichier, build_kit, load_project
from ..decision import Decision, decide
from ..errors import Constat, ProjetInvalide, Resultat
from ..kit import reperes
from ..loader import TAILLE_MAX
from ..models import Consultation

NOM_PAR_DEFAUT = "projet.yaml"


@contextmanager
def dossier_temporaire() -> Iterator[Path]:
    chemin = Path(tempfile.mkdtemp(prefix="cctp-web-"))
    try:
        yield chemin
    finally:
        shutil.rmtree(chemin, ignore_errors=True)


def nom_sur(nom: str | None, defaut: str = NOM_PAR_DEFAUT) -> str:
    """A safe file name for an uploaded project (keeps .yaml/.yml/.json)."""
    base = Path(nom or "").name
    suffixe = Path(base).suffix.lower()
    if suffixe not in (".yaml", ".yml", ".json"):
        suffixe = Path(defaut).suffix
    return "projet" + suffixe


@dataclass(frozen=True)
class Analyse:
    projet: Consultation | None
    resultat: Resultat
    donnees: dict[str, Any] | None  # the parsed document, when it could be parsed


def analyser(contenu: bytes, nom: str = NOM_PAR_DEFAUT) -> Analyse:
    """Findings on a project given as bytes, as ``validate`` reports them.

    Raises ``ProjetInvalide`` when the bytes cannot be read at all (syntax, size…).
    """
    with dossier_temporaire() as tmp:
        chemin = tmp / nom
        chemin.write_bytes(contenu)
        try:
            etude = analyser_fichier(chemin)
            projet, resultat = etude.projet, etude.resultat
        except ProjetInvalide as exc:
            constats = [Constat(c.chemin, c.message, c.gravite, nom, c.ligne, c.colonne)
                        for c in exc.constats]
            if not any(c.chemin for c in constats):  # unreadable: syntax, size, encoding
                raise ProjetInvalide(constats=constats, fichier=nom) from None
            projet, resultat = None, Resultat(constats)  # parsed, but a check refused it
    # analyser_fichier parsed it already (size, depth and alias limits): safe to read again.
    donnees = yaml.load(contenu.decode("utf-8-sig"),
                        Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))
    constats = [Constat(c.chemin, c.message, c.gravite, nom, c.ligne, c.colonne)
                for c in resultat.constats]
    return Analyse(projet, Resultat(constats), donnees if isinstance(donnees, dict) else None)


def constats_des_pieces(projet: Consultation | AnalyseProjet,
                        nom: str = NOM_PAR_DEFAUT) -> list[Constat]:
    """The « [À compléter » markers each piece would keep (as ``validate`` lists them)."""
    return [Constat("", f"{piece} : {m}", "a_completer", nom)
            for piece, marques in reperes(projet).items() for m in marques]


def construire_zip(contenu: bytes, nom: str = NOM_PAR_DEFAUT, *, pdf: bool = False
                   ) -> tuple[str, bytes]:
    """(reference, zip bytes) of the kit of a project file: what ``build --zip`` writes."""
    if len(contenu) > TAILLE_MAX:
        raise ProjetInvalide(f"{nom} : fichier trop volumineux (2 Mio au plus).",
                             fichier=nom)
    with dossier_temporaire() as tmp:
        chemin = tmp / nom
        chemin.write_bytes(contenu)
        try:
            projet = load_project(chemin)
        except ProjetInvalide as exc:  # name the file as the user sent it, not the temp path
            constats = [Constat(c.chemin, c.message, c.gravite, nom, c.ligne, c.colonne)
                        for c in exc.constats]
            raise ProjetInvalide(constats=constats, fichier=nom) from None
        sortie = tmp / "dce"
        # The model carries its analysis (bytes read once): build_kit neither reads nor
        # decides again, and the manifest hashes ``contenu``, as ``build --zip`` does.
        chemins = build_kit(projet, sortie, zip=True, pdf=pdf)
        archive = chemins[-1]
        return projet.marche.reference, archive.read_bytes()


def montant(texte: str) -> Decimal:
    """« 45 000 », « 45000,50 » → Decimal; ValueError (French) otherwise."""
    brut = texte.replace(" ", "").replace("\u202f", "").replace("\u00a0", "").replace(",", ".")
    try:
        valeur = Decimal(brut)
    except InvalidOperation:
        raise ValueError(f"« {texte} » n'est pas un montant (ex. 150000 ou 59999,99).") from None
    if not valeur.is_finite() or valeur < 0:
        raise ValueError("le montant doit être un nombre positif.")
    if valeur > Decimal("1e12"):
        raise ValueError("le montant est trop grand.")
    return valeur


def decision(valeur: Decimal, le: dt.date, duree_mois: float | None = None) -> Decision:
    return decide(valeur, le, duree_mois)
