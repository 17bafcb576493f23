"""The award documents: RAO.docx, the letters (NOTI1, NOTI3, NOTI5), the avis d'attribution,
grille.xlsx, decp.json and manifest.json, rendered in memory and written all or nothing to
``DIR/<référence>/analyse/``; the affermissement and renonciation letters on demand."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..analysis import analyse_de
from ..context import build_context
from ..ecriture import ecrire_atomiquement
from ..errors import CctpError, SortieExistante
from ..kit import Kit, manifeste, remplacer_dossier
from ..pieces import Piece
from ..render import TemplateSet, render_docx
from ..render.vues import contexte_modele
from ..resolution import TrancheResolue
from .decp import donnees_essentielles, manques
from .grille import build_grille
from .notation import ResultatOffre
from .service import Analyse

DOSSIER = "analyse"

RAO = Piece("rao", "", "Rapport d'analyse des offres", "RAO")
NOTE = Piece("rao", "", "Note d'analyse des offres", "RAO")
NOTI1 = Piece("noti1", "", "Information de l'attributaire pressenti", "NOTI1")
NOTI3 = Piece("noti3", "", "Information d'un candidat évincé", "NOTI3")
NOTI5 = Piece("noti5", "", "Notification du marché", "NOTI5")
AVIS = Piece("avis_attribution", "", "Avis d'attribution", "AVIS")
AFFERMISSEMENT = Piece("affermissement", "", "Décision d'affermissement", "EXE")
RENONCIATION = Piece("renonciation", "", "Décision de ne pas affermir une tranche", "EXE")


@dataclass(frozen=True)
class Lettre:
    """What a letter adds to the context: its addressee, its tranche, its date."""

    destinataire: ResultatOffre | None = None
    tranche: TrancheResolue | None = None
    date: dt.date | None = None
    indemnite_due: bool | None = None
    date_limite_affermissement: dt.date | None = None


def _date_time(analyse: Analyse) -> tuple[int, int, int, int, int, int]:
    d = analyse.projet.calendrier.date_limite_remise
    return (max(d.year, 1980), d.month, d.day, 0, 0, 0)


def _rendre(analyse: Analyse, piece: Piece, contexte: dict[str, Any], lettre: Lettre,
            ts: TemplateSet) -> bytes:
    # The award documents see plain data too (render.vues), as every piece of the kit.
    ctx = contexte_modele({**contexte, "doc": piece, "analyse": analyse, "lettre": lettre})
    prefixe = f"{DOSSIER}/{piece.code}/"
    plan: list[tuple[str, dict[str, Any] | None]] = [
        (n, None) for n in ts.names() if n.startswith(prefixe)]
    if not plan:
        raise CctpError(f"modèles introuvables pour « {piece.code} » (templates/{DOSSIER}/"
                        f"{piece.code}/).")
    d = analyse.projet.calendrier.date_limite_remise
    props = {"title": f"{piece.titre} — {analyse.projet.marche.reference}",
             "subject": analyse.projet.marche.objet, "creator": analyse.projet.acheteur.nom,
             "created": dt.datetime(d.year, d.month, d.day),
             "modified": dt.datetime(d.year, d.month, d.day)}
    return render_docx(ts, plan, ctx, core_properties=props, date_time=_date_time(analyse))


def rendre_analyse(analyse: Analyse) -> dict[str, bytes]:
    """Every award document, in memory (file name → bytes), manifest excepted."""
    ts = TemplateSet.get(None)
    contexte = build_context(analyse.projet)
    vide = Lettre()
    fichiers: dict[str, bytes] = {
        "RAO.docx": _rendre(analyse, NOTE if analyse.dispense else RAO, contexte, vide, ts),
        "grille.xlsx": build_grille(analyse),
    }
    gagnant = analyse.attributaire
    date = analyse.attribution.date_envoi_lettres
    for r in analyse.resultats:
        lettre = Lettre(destinataire=r, date=date)
        if r is gagnant:
            fichiers[f"NOTI1-{r.slug}.docx"] = _rendre(analyse, NOTI1, contexte, lettre, ts)
            lettre5 = Lettre(destinataire=r, date=analyse.attribution.date_notification)
            fichiers[f"NOTI5-{r.slug}.docx"] = _rendre(analyse, NOTI5, contexte, lettre5, ts)
        else:
            fichiers[f"NOTI3-{r.slug}.docx"] = _rendre(analyse, NOTI3, contexte, lettre, ts)
    if analyse.formalisee:
        fichiers["avis-attribution.docx"] = _rendre(analyse, AVIS, contexte, vide, ts)
    if analyse.donnees_essentielles and not manques(analyse):
        fichiers["decp.json"] = donnees_essentielles(analyse)
    return fichiers


def avertissements(analyse: Analyse) -> list[str]:
    """What the user must know although nothing failed (French)."""
    out = []
    if analyse.donnees_essentielles and (manque := manques(analyse)):
        out.append("decp.json n'est pas écrit : le marché atteint le seuil des données "
                   "essentielles, mais il manque " + " ; ".join(manque) + ".")
    for r in analyse.oab_en_attente:
        out.append(f"l'offre de {r.nom} est signalée comme possiblement anormalement basse "
                   f"(écart de {r.oab_ecart} % à la moyenne des autres) : demandez-lui par écrit "
                   "de justifier son prix avant toute décision.")
    return out


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _manifeste(analyse: Analyse, fichiers: dict[str, bytes], source_projet: bytes | None,
               source_offres: bytes | None) -> bytes:
    base = json.loads(manifeste(analyse.projet, Kit(analyse.projet.marche.reference, fichiers),
                                source_projet))
    base["offres_sha256"] = _sha256(source_offres if source_offres is not None else
                                    analyse.offres.model_dump_json().encode("utf-8"))
    base["classement"] = [{"rang": r.rang, "candidat": r.nom, "note": str(r.total)}
                          for r in analyse.classement]
    base["attributaire"] = analyse.attributaire.nom if analyse.attributaire else None
    base["avertissements"] = avertissements(analyse)
    return (json.dumps(base, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def _ecrire(cible: Path, fichiers: dict[str, bytes], force: bool) -> list[Path]:
    """Write ``fichiers`` into ``cible`` through a temporary folder: all or nothing."""
    if cible.exists() and not force:
        raise SortieExistante(f"{cible} existe déjà : ajoutez --force pour le remplacer.")
    cible.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{cible.name}.", dir=cible.parent))
    try:
        for nom, data in fichiers.items():
            (tmp / nom).write_bytes(data)
        remplacer_dossier(tmp, cible, force)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [cible / nom for nom in sorted(fichiers)]


def construire_analyse(analyse: Analyse, out_dir: str | Path, *, force: bool = False,
                       source_projet: bytes | None = None,
                       source_offres: bytes | None = None) -> list[Path]:
    """Render every award document and write them to ``out_dir/<référence>/analyse/``."""
    fichiers = rendre_analyse(analyse)
    if source_projet is None and (lu := analyse_de(analyse.projet).source) is not None:
        source_projet = lu.octets  # the bytes the project's analysis read and validated
    fichiers["manifest.json"] = _manifeste(analyse, fichiers, source_projet, source_offres)
    cible = Path(out_dir) / analyse.projet.marche.reference / DOSSIER
    return _ecrire(cible, fichiers, force)


def _ajouter_mois(d: dt.date, mois: int) -> dt.date:
    m = d.month - 1 + mois
    annee, m = d.year + m // 12, m % 12 + 1
    for jour in (d.day, 30, 29, 28):
        try:
            return dt.date(annee, m, jour)
        except ValueError:
            continue
    raise ValueError("date impossible")  # pragma: no cover


def lettre_tranche(analyse: Analyse, code: str, decision: str, date: dt.date, *,
                   fin_tranche_ferme: dt.date | None = None) -> tuple[str, bytes]:
    """The affermissement (``decision="affermir"``) or renonciation (``"renoncer"``) letter of
    an optional tranche, for the winner; return (file name, bytes)."""
    gagnant = analyse.attributaire
    if gagnant is None:
        raise CctpError("aucune offre n'a été retenue : pas de titulaire à qui écrire.")
    contexte = build_context(analyse.projet)
    tranche = next((t for t in contexte["tranches_optionnelles"] if t.code == code), None)
    if tranche is None:
        codes = ", ".join(t.code for t in contexte["tranches_optionnelles"]) or "aucune"
        raise CctpError(f"« {code} » n'est pas une tranche optionnelle du marché ; tranches "
                        f"optionnelles : {codes}.")
    notification = analyse.attribution.date_notification
    limite = None
    if notification is not None and tranche.delai_affermissement_mois:
        limite = _ajouter_mois(notification, tranche.delai_affermissement_mois)
        if decision == "affermir" and date > limite:
            raise CctpError(f"le délai d'affermissement de la tranche {code} expirait le "
                            f"{limite.isoformat()} : le titulaire est délié de l'obligation de "
                            "l'exécuter ; une décision d'affermissement n'est plus possible.")
    if notification is not None and date < notification:
        raise CctpError("la décision ne peut pas précéder la notification du marché "
                        f"({notification.isoformat()}).")
    due: bool | None = None
    if decision == "affermir" and tranche.indemnite_attente:
        due = None if fin_tranche_ferme is None else date > fin_tranche_ferme
    elif decision == "renoncer":
        due = bool(tranche.indemnite_dedit)
    piece = AFFERMISSEMENT if decision == "affermir" else RENONCIATION
    lettre = Lettre(destinataire=gagnant, tranche=tranche, date=date, indemnite_due=due,
                    date_limite_affermissement=limite)
    data = _rendre(analyse, piece, contexte, lettre, TemplateSet.get(None))
    prefixe = "affermissement" if decision == "affermir" else "renonciation"
    return f"{prefixe}-{code}-{gagnant.slug}.docx", data


def ecrire_lettre_tranche(analyse: Analyse, code: str, decision: str, date: dt.date,
                          out_dir: str | Path, *, fin_tranche_ferme: dt.date | None = None,
                          force: bool = False) -> Path:
    """Write the letter of :func:`lettre_tranche` to ``out_dir/<référence>/analyse/``."""
    nom, data = lettre_tranche(analyse, code, decision, date, fin_tranche_ferme=fin_tranche_ferme)
    dossier = Path(out_dir) / analyse.projet.marche.reference / DOSSIER
    chemin = dossier / nom
    if chemin.exists() and not force:
        raise SortieExistante(f"{chemin} existe déjà : ajoutez --force pour le remplacer.")
    dossier.mkdir(parents=True, exist_ok=True)
    return ecrire_atomiquement(chemin, data)
