"""Assemble a tender kit: render every piece, write them atomically, manifest, zip, PDF."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import shutil
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._version import __version__
from .analysis import AnalyseProjet, analyse_de
from .context import build_context
from .errors import CctpError, ProjetInvalide, SortieExistante
from .models import Consultation
from .pieces import PAR_CODE, PIECES, Piece, plan_piece
from .render import TemplateSet, render_body_text, render_docx
from .render.package import write_zip
from .rules import Regles

MARQUEUR = "[À compléter"
Progression = Callable[[str], None]


def _date_time(projet: Consultation) -> tuple[int, int, int, int, int, int]:
    d = projet.calendrier.date_envoi_publication
    return (max(d.year, 1980), d.month, d.day, 0, 0, 0)


def _proprietes(projet: Consultation, piece: Piece) -> dict[str, Any]:
    d = projet.calendrier.date_envoi_publication
    return {
        "title": f"{piece.titre} — {projet.marche.reference}",
        "subject": projet.marche.objet,
        "creator": projet.acheteur.nom,
        "keywords": f"DCE; {piece.sigle}; {projet.marche.reference}",
        "created": dt.datetime(d.year, d.month, d.day),
        "modified": dt.datetime(d.year, d.month, d.day),
    }


def _modele(analyse: AnalyseProjet) -> Consultation:
    if analyse.projet is None:
        raise ProjetInvalide(constats=analyse.resultat.constats,
                             fichier=analyse.source.nom if analyse.source else None)
    return analyse.projet


def render_piece(projet: Consultation | AnalyseProjet, code: str, *,
                 templates: Path | None = None) -> bytes:
    """Render one piece (« rc », « ae », « ccap », « cctp », « dpgf », « cmt », « aapc »)."""
    piece = PAR_CODE.get(code.lower())
    if piece is None:
        raise CctpError(f"pièce inconnue « {code} » ; pièces : {', '.join(PAR_CODE)}.")
    analyse = analyse_de(projet)
    contexte = build_context(analyse, piece)
    return _rendre(_modele(analyse), piece, contexte, TemplateSet.get(templates))


def _telle_que_rendue(piece: Piece, contexte: dict[str, Any]) -> Piece:
    if piece.code == "aapc" and not contexte["procedure"].avis_requis:
        # Under the dispense no avis is published: the piece is the letter sent to providers.
        return replace(piece, titre="Lettre de consultation")
    return piece


def _rendre(projet: Consultation, piece: Piece, contexte: dict[str, Any], ts: TemplateSet) -> bytes:
    if piece.extension == "xlsx":
        from .pieces.dpgf import build_dpgf

        return build_dpgf(contexte)
    piece = _telle_que_rendue(piece, contexte)
    contexte = {**contexte, "doc": piece}
    return render_docx(ts, plan_piece(ts, piece.code, contexte["etudes"]), contexte,
                       core_properties=_proprietes(projet, piece), date_time=_date_time(projet))


def marqueurs(data: bytes) -> list[str]:
    """The « [À compléter : …] » markers left in a rendered .docx."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    texte = re.sub(r"<[^>]+>", "", xml)
    return re.findall(r"\[À compléter[^\]]*\]", texte)


def reperes(projet: Consultation | AnalyseProjet, *,
            templates: Path | None = None) -> dict[str, list[str]]:
    """The « [À compléter : …] » markers each Word piece would carry, distinct, in order.

    Only the bodies are rendered (no document assembled, no DPGF, openpyxl not imported):
    the text is the one ``render_kit`` writes, a test checks it."""
    analyse = analyse_de(projet)
    contexte = build_context(analyse)
    ts = TemplateSet.get(templates)
    out: dict[str, list[str]] = {}
    for piece in PIECES:
        if piece.extension != "docx":
            continue
        piece = _telle_que_rendue(piece, contexte)
        texte = render_body_text(ts, plan_piece(ts, piece.code, contexte["etudes"]),
                                 {**contexte, "doc": piece})
        if trouves := re.findall(r"\[À compléter[^\]]*\]", texte):
            out[piece.fichier] = list(dict.fromkeys(trouves))
    return out


@dataclass
class Kit:
    """A rendered kit in memory: file name → bytes."""

    reference: str
    fichiers: dict[str, bytes] = field(default_factory=dict)

    def a_completer(self) -> dict[str, list[str]]:
        return {nom: m for nom, data in self.fichiers.items()
                if nom.endswith(".docx") and (m := marqueurs(data))}


def render_kit(projet: Consultation | AnalyseProjet, *, pieces: Iterable[str] | None = None,
               templates: Path | None = None, progression: Progression | None = None) -> Kit:
    """Render the chosen pieces (all by default) in memory, from the project's analysis."""
    codes = [c.lower() for c in pieces] if pieces else [p.code for p in PIECES]
    inconnues = [c for c in codes if c not in PAR_CODE]
    if inconnues:
        raise CctpError(f"pièce(s) inconnue(s) : {', '.join(inconnues)} ; pièces possibles : "
                        f"{', '.join(PAR_CODE)}.")
    ts = TemplateSet.get(templates)
    analyse = analyse_de(projet)
    modele = _modele(analyse)
    contexte = build_context(analyse)
    kit = Kit(modele.marche.reference)
    for piece in PIECES:
        if piece.code in codes:
            if progression:
                progression(piece.fichier)
            kit.fichiers[piece.fichier] = _rendre(modele, piece, contexte, ts)
    return kit


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifeste(projet: Consultation, kit: Kit, source: bytes | None,
              templates: Path | None = None) -> bytes:
    """manifest.json: hashes of the project, of the custom templates and of every file,
    versions; no clock."""
    empreinte = _sha256(source) if source is not None else _sha256(
        projet.model_dump_json().encode("utf-8"))
    contenu = {
        "reference": projet.marche.reference,
        "projet_sha256": empreinte,
        "cctp_builder_version": __version__,
        "regles_version": Regles.charger().version,
        "date_consultation": projet.calendrier.date_envoi_publication.isoformat(),
        "fichiers": {nom: {"sha256": _sha256(data), "octets": len(data)}
                     for nom, data in sorted(kit.fichiers.items())},
    }
    if templates is not None:  # a kit built from custom templates says so, with their hashes
        racine = Path(templates)
        contenu["modeles_personnalises"] = {
            p.relative_to(racine).as_posix(): _sha256(p.read_bytes())
            for p in sorted(racine.rglob("*.docx")) if not p.name.startswith(("~$", "."))}
    return (json.dumps(contenu, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def zip_kit(fichiers: dict[str, bytes], racine: str,
            date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The kit's archive: ``racine/<fichier>`` members, by the one deterministic zip writer."""
    return write_zip([(f"{racine}/{nom}", data) for nom, data in fichiers.items()], date_time)


def _remplacer_dossier(tmp: Path, cible: Path, force: bool) -> None:
    if cible.exists():
        if not force:
            raise SortieExistante(f"le dossier {cible} existe déjà : ajoutez --force pour le "
                                  "remplacer.")
        ancien = cible.with_name(f".{cible.name}.ancien-{os.getpid()}")
        os.replace(cible, ancien)
        try:
            os.replace(tmp, cible)
        except OSError:
            os.replace(ancien, cible)
            raise
        shutil.rmtree(ancien, ignore_errors=True)
    else:
        os.replace(tmp, cible)


def _autres_pieces(cible: Path, kit: Kit, nouveau: bytes) -> dict[str, bytes]:
    """The files of the existing kit at ``cible`` that ``kit`` does not render again, checked
    against its manifest; refuses (French message, nothing written) when the existing kit
    came from another project file, version, rules or templates, or was altered."""
    refus = (f"--only : le kit existant « {cible} » ne peut pas être complété ({{}}) ; "
             "reconstruisez toutes les pièces, sans --only. Rien n'a été écrit.")
    try:
        ancien = json.loads((cible / "manifest.json").read_text(encoding="utf-8"))
        fichiers = dict(ancien["fichiers"])
    except (OSError, ValueError, KeyError, TypeError):
        raise CctpError(refus.format("manifest.json absent ou illisible")) from None
    attendu = json.loads(nouveau)
    for cle, quoi in (("projet_sha256", "d'un autre fichier projet"),
                      ("cctp_builder_version", "d'une autre version de cctp_builder"),
                      ("regles_version", "d'une autre version des règles"),
                      ("modeles_personnalises", "d'autres modèles")):
        if ancien.get(cle) != attendu.get(cle):
            raise CctpError(refus.format(f"il a été construit à partir {quoi}"))
    gardes: dict[str, bytes] = {}
    for nom, empreinte in sorted(fichiers.items()):
        if nom in kit.fichiers or nom == "manifest.json":
            continue
        try:
            data = (cible / nom).read_bytes()
        except OSError:
            raise CctpError(refus.format(f"{nom} manque")) from None
        if not isinstance(empreinte, dict) or _sha256(data) != empreinte.get("sha256"):
            raise CctpError(refus.format(f"{nom} a été modifié depuis sa construction"))
        gardes[nom] = data
        pdf = Path(nom).with_suffix(".pdf").name  # its PDF, if any, is still current
        if (cible / pdf).is_file():
            gardes[pdf] = (cible / pdf).read_bytes()
    return gardes


def build_kit(projet: Consultation | AnalyseProjet, out_dir: str | Path, *,
              pieces: Iterable[str] | None = None,
              templates: Path | None = None, final: bool = False, force: bool = False,
              zip: bool = False, pdf: bool = False, source: bytes | None = None,
              progression: Progression | None = None) -> list[Path]:
    """Render and write a kit to ``out_dir/<référence>/``; return the written paths.

    All or nothing: pieces are rendered in memory, written in a temporary folder beside the
    target and moved into place; any failure leaves neither a half folder nor a half zip.
    """
    analyse = analyse_de(projet)
    if source is None and analyse.source is not None:
        source = analyse.source.octets  # the very bytes that were validated, read once
    projet = _modele(analyse)
    kit = render_kit(analyse, pieces=pieces, templates=templates, progression=progression)
    if final and (restants := kit.a_completer()):
        lignes = [f"  {nom} : {m}" for nom, ms in restants.items() for m in sorted(set(ms))]
        raise CctpError("--final : des repères « [À compléter » subsistent ; rien n'a été "
                        "écrit.\n" + "\n".join(lignes))
    out = Path(out_dir)
    cible = out / kit.reference
    archive = out / f"{kit.reference}.zip"
    if not force:
        for chemin in (cible, archive) if zip else (cible,):
            if chemin.exists():
                raise SortieExistante(f"{chemin} existe déjà : ajoutez --force pour le remplacer.")
    if pieces is not None and cible.is_dir():
        # --only on an existing kit: the other pieces stay, and the manifest and the zip
        # describe the whole folder again (or nothing is written, with the reason).
        kit.fichiers.update(_autres_pieces(cible, kit, manifeste(projet, kit, source, templates)))
    kit.fichiers["manifest.json"] = manifeste(projet, kit, source, templates)
    out.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{kit.reference}.", dir=out))
    try:
        for nom, data in kit.fichiers.items():
            (tmp / nom).write_bytes(data)
        if pdf:
            from .pdf import convertir_en_pdf

            if progression:
                progression("PDF (LibreOffice)")
            docx = sorted(p for p in tmp.iterdir() if p.suffix == ".docx")
            for chemin in convertir_en_pdf(docx, tmp):
                kit.fichiers[chemin.name] = chemin.read_bytes()
        tmp_zip = None
        if zip:
            tmp_zip = out / f".{kit.reference}.zip.tmp-{os.getpid()}"
            tmp_zip.write_bytes(zip_kit(kit.fichiers, kit.reference, _date_time(projet)))
        _remplacer_dossier(tmp, cible, force)
        if tmp_zip is not None:
            os.replace(tmp_zip, archive)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        for reste in out.glob(f".{kit.reference}.zip.tmp-*"):
            reste.unlink(missing_ok=True)
        raise
    ecrits = [cible / nom for nom in sorted(kit.fichiers)]
    return ecrits + ([archive] if zip else [])
