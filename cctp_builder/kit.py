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
from .context import build_context
from .errors import CctpError, SortieExistante
from .models import Consultation
from .pieces import FORMES_KIT, PAR_CODE, Piece, plan_piece
from .pieces.allege import CODES_ALLEGES
from .render import TemplateSet, render_docx
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


def render_piece(projet: Consultation, code: str, *, templates: Path | None = None) -> bytes:
    """Render one piece (« rc », « ae », « ccap », « cctp », « dpgf », « cmt », « aapc »)."""
    piece = PAR_CODE.get(code.lower())
    if piece is None:
        raise CctpError(f"pièce inconnue « {code} » ; pièces : {', '.join(PAR_CODE)}.")
    contexte = build_context(projet, piece, "allege" if piece.code in CODES_ALLEGES else "complet")
    return _rendre(projet, piece, contexte, TemplateSet.get(templates))


def _rendre(projet: Consultation, piece: Piece, contexte: dict[str, Any], ts: TemplateSet) -> bytes:
    if piece.code == "devis":
        from .pieces.devis import build_devis

        return build_devis(contexte)
    if piece.extension == "xlsx":
        from .pieces.dpgf import build_dpgf

        return build_dpgf(contexte)
    if piece.code == "aapc" and not contexte["procedure"].avis_requis:
        # Under the dispense no avis is published: the piece is the letter sent to providers.
        piece = replace(piece, titre="Lettre de consultation")
    contexte = {**contexte, "doc": piece}
    return render_docx(ts, plan_piece(ts, piece.code, contexte["etudes"]), contexte,
                       core_properties=_proprietes(projet, piece), date_time=_date_time(projet))


def marqueurs(data: bytes) -> list[str]:
    """The « [À compléter : …] » markers left in a rendered .docx."""
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    texte = re.sub(r"<[^>]+>", "", xml)
    return re.findall(r"\[À compléter[^\]]*\]", texte)


def reperes(projet: Consultation, *, templates: Path | None = None) -> dict[str, list[str]]:
    """The « [À compléter : …] » markers each piece would carry, distinct, in order."""
    kit = render_kit(projet, templates=templates)
    return {nom: list(dict.fromkeys(m)) for nom, m in kit.a_completer().items()}


@dataclass
class Kit:
    """A rendered kit in memory: file name → bytes."""

    reference: str
    fichiers: dict[str, bytes] = field(default_factory=dict)

    def a_completer(self) -> dict[str, list[str]]:
        return {nom: m for nom, data in self.fichiers.items()
                if nom.endswith(".docx") and (m := marqueurs(data))}


def render_kit(projet: Consultation, *, pieces: Iterable[str] | None = None,
               templates: Path | None = None, progression: Progression | None = None,
               kit: str | None = None) -> Kit:
    """Render the chosen pieces (all those of the kit's form by default) in memory.

    ``kit`` (« auto », « complet », « allege ») overrides the project's ``kit`` field; in
    « auto », pieces named explicitly choose their own form (``--only rc`` gives the full
    kit's RC whatever the amount)."""
    demandee = kit or projet.kit
    if pieces and demandee == "auto":
        voulues = {c.lower() for c in pieces}
        demandee = next((nom for nom, ps in FORMES_KIT.items()
                         if voulues <= {p.code for p in ps}), demandee)
    contexte = build_context(projet, kit=demandee)
    forme: tuple[Piece, ...] = FORMES_KIT[contexte["forme_kit"]]
    codes = [c.lower() for c in pieces] if pieces else [p.code for p in forme]
    inconnues = [c for c in codes if c not in {p.code for p in forme}]
    if inconnues:
        raise CctpError(f"pièce(s) inconnue(s) dans le kit {_NOM_FORME[contexte['forme_kit']]} : "
                        f"{', '.join(inconnues)} ; pièces possibles : "
                        f"{', '.join(p.code for p in forme)}.")
    ts = TemplateSet.get(templates)
    rendu = Kit(projet.marche.reference)
    for piece in forme:
        if piece.code in codes:
            if progression:
                progression(piece.fichier)
            rendu.fichiers[piece.fichier] = _rendre(projet, piece, contexte, ts)
    return rendu


_NOM_FORME = {"complet": "complet", "allege": "allégé"}


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
    """A deterministic zip of the kit (sorted names, fixed timestamps and permissions)."""
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as z:
        for nom in sorted(fichiers):
            info = zipfile.ZipInfo(f"{racine}/{nom}", date_time=date_time)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3
            z.writestr(info, fichiers[nom])
    return tampon.getvalue()


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


def build_kit(projet: Consultation, out_dir: str | Path, *, pieces: Iterable[str] | None = None,
              templates: Path | None = None, final: bool = False, force: bool = False,
              zip: bool = False, pdf: bool = False, source: bytes | None = None,
              progression: Progression | None = None, kit_forme: str | None = None,
              pdfa: bool = False, annexes_depuis: Path | None = None) -> list[Path]:
    """Render and write a kit to ``out_dir/<référence>/``; return the written paths.

    All or nothing: pieces are rendered in memory, written in a temporary folder beside the
    target and moved into place; any failure leaves neither a half folder nor a half zip.
    """
    kit = render_kit(projet, pieces=pieces, templates=templates, progression=progression,
                     kit=kit_forme)
    if final and (restants := kit.a_completer()):
        lignes = [f"  {nom} : {m}" for nom, ms in restants.items() for m in sorted(set(ms))]
        raise CctpError("--final : des repères « [À compléter » subsistent ; rien n'a été "
                        "écrit.\n" + "\n".join(lignes))
    from .annexes import lire_annexes  # annexed files, relative to the project file's folder

    kit.fichiers.update(lire_annexes(projet, annexes_depuis))
    kit.fichiers["manifest.json"] = manifeste(projet, kit, source, templates)
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    cible = out / kit.reference
    archive = out / f"{kit.reference}.zip"
    if not force:
        for chemin in (cible, archive) if zip else (cible,):
            if chemin.exists():
                raise SortieExistante(f"{chemin} existe déjà : ajoutez --force pour le remplacer.")
    tmp = Path(tempfile.mkdtemp(prefix=f".{kit.reference}.", dir=out))
    try:
        for nom, data in kit.fichiers.items():
            (tmp / nom).parent.mkdir(parents=True, exist_ok=True)
            (tmp / nom).write_bytes(data)
        if pdf:
            from .pdf import convertir_en_pdf

            if progression:
                progression("PDF (LibreOffice)")
            docx = sorted(p for p in tmp.iterdir() if p.suffix == ".docx")
            for chemin in convertir_en_pdf(docx, tmp, pdfa=pdfa):
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


remplacer_dossier = _remplacer_dossier
"""Public name of the all-or-nothing folder swap (used by the award documents too)."""
