"""Assemble a tender kit: render every piece, write them atomically, manifest, zip, PDF."""

from __future__ import annotations

import contextlib
import ctypes
import datetime as dt
import errno
import hashlib
import io
import json
import os
import re
import shutil
import sys
import tempfile
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ._version import __version__
from .analysis import AnalyseProjet
from .context import build_context
from .ecriture import creer_exclusivement, preparer_a_cote
from .errors import CctpError, SortieExistante, SortieImpossible, sortie_impossible
from .loader import revalider
from .models import Consultation
from .pieces import FORMES_KIT, PAR_CODE, Piece, plan_piece
from .pieces.allege import CODES_ALLEGES
from .render import TemplateSet, render_body_text, render_docx
from .render.engine import fichiers_surcharge
from .render.isolation import executer_isole
from .render.limites import Limites
from .render.package import write_zip
from .render.vues import contexte_modele
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


def render_piece(projet: Consultation | AnalyseProjet, code: str, *,
                 templates: Path | None = None, limites: Limites | None = None) -> bytes:
    """Render one piece (« rc », « ae », « ccap », « cctp », « dpgf », « cmt », « aapc »).

    ``projet`` is validated again (a model changed after ``load_project`` cannot produce a
    piece); templates from ``templates`` render in a limited child process (``limites``)."""
    piece = PAR_CODE.get(code.lower())
    if piece is None:
        raise CctpError(f"pièce inconnue « {code} » ; pièces : {', '.join(PAR_CODE)}.")
    forme = "allege" if piece.code in CODES_ALLEGES else "complet"
    return render_kit(projet, pieces=[piece.code], templates=templates, limites=limites,
                      kit=forme).fichiers[piece.fichier]


def _telle_que_rendue(piece: Piece, contexte: dict[str, Any]) -> Piece:
    if piece.code == "aapc" and not contexte["procedure"].avis_requis:
        # Under the dispense no avis is published: the piece is the letter sent to providers.
        return replace(piece, titre="Lettre de consultation")
    return piece


def _rendre(projet: Consultation, piece: Piece, contexte: dict[str, Any], ts: TemplateSet,
            vues: dict[str, Any] | None = None) -> bytes:
    """One piece; ``vues`` is ``contexte`` already turned into plain data (once per kit)."""
    if piece.code == "devis":
        from .pieces.devis import build_devis

        return build_devis(contexte)
    if piece.extension == "xlsx":
        from .pieces.dpgf import build_dpgf

        return build_dpgf(contexte)
    piece = _telle_que_rendue(piece, contexte)
    contexte = {**(vues or contexte), "doc": piece}
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
    the text is the one ``render_kit`` writes, a test checks it. Templates from a folder
    render as for a build (in a limited child process)."""
    if templates is not None:
        kit = render_kit(projet, templates=templates)
        return {nom: list(dict.fromkeys(m)) for nom, m in kit.a_completer().items()}
    analyse = revalider(projet)
    contexte = build_context(analyse)
    ts = TemplateSet.get(templates)
    out: dict[str, list[str]] = {}
    for piece in FORMES_KIT[contexte["forme_kit"]]:
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
               templates: Path | None = None, progression: Progression | None = None,
               limites: Limites | None = None, kit: str | None = None) -> Kit:
    """Render the chosen pieces (all those of the kit's form by default) in memory, from the
    project's analysis.

    ``projet`` is validated again (``revalider``): a model changed after validation, or a
    dict, never produces a kit; an unchanged one keeps its analysis. Templates from an
    override folder render in a child process under ``limites`` (see SECURITY.md); the
    built-in templates render here. ``kit`` (« auto », « complet », « allege ») overrides
    the project's ``kit`` field; in « auto », pieces named explicitly choose their own form
    (``--only rc`` gives the full kit's RC whatever the amount)."""
    return _render_valide(revalider(projet), pieces, templates, progression, limites, kit)


def _render_valide(analyse: AnalyseProjet, pieces: Iterable[str] | None,
                   templates: Path | None, progression: Progression | None,
                   limites: Limites | None, kit: str | None = None) -> Kit:
    demandee = kit or _modele(analyse).kit
    if pieces and demandee == "auto":
        voulues = {c.lower() for c in pieces}
        demandee = next((nom for nom, ps in FORMES_KIT.items()
                         if voulues <= {p.code for p in ps}), demandee)
    contexte = build_context(analyse, kit=demandee)
    forme: tuple[Piece, ...] = FORMES_KIT[contexte["forme_kit"]]
    codes = [c.lower() for c in pieces] if pieces else [p.code for p in forme]
    inconnues = [c for c in codes if c not in {p.code for p in forme}]
    if inconnues:
        raise CctpError(f"pièce(s) inconnue(s) dans le kit {_NOM_FORME[contexte['forme_kit']]} : "
                        f"{', '.join(inconnues)} ; pièces possibles : "
                        f"{', '.join(p.code for p in forme)}.")
    if templates is None:
        return _render_kit(analyse, contexte, forme, codes, None, progression)
    TemplateSet.get(templates, lim=limites)  # folder checks, before any child

    def travail(etape: Callable[[str], None]) -> dict[str, bytes]:
        return _render_kit(analyse, contexte, forme, codes, templates, etape).fichiers

    rendu = Kit(_modele(analyse).marche.reference)
    rendu.fichiers = executer_isole(travail, limites, progression=progression)
    return rendu


_NOM_FORME = {"complet": "complet", "allege": "allégé"}


def _modele(analyse: AnalyseProjet) -> Consultation:
    assert analyse.projet is not None, "revalider() rend toujours un projet valide"
    return analyse.projet


def _render_kit(analyse: AnalyseProjet, contexte: dict[str, Any], forme: tuple[Piece, ...],
                codes: list[str], templates: Path | None,
                progression: Progression | None) -> Kit:
    ts = TemplateSet.get(templates)
    modele = _modele(analyse)
    vues = contexte_modele(contexte)
    rendu = Kit(modele.marche.reference)
    for piece in forme:
        if piece.code in codes:
            if progression:
                progression(piece.fichier)
            rendu.fichiers[piece.fichier] = _rendre(modele, piece, contexte, ts, vues)
    return rendu


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
        contenu["modeles_personnalises"] = {
            nom: _sha256(data) for nom, data in sorted(fichiers_surcharge(Path(templates)).items())}
    return (json.dumps(contenu, ensure_ascii=False, indent=2, sort_keys=True) + "\n").encode()


def zip_kit(fichiers: dict[str, bytes], racine: str,
            date_time: tuple[int, int, int, int, int, int]) -> bytes:
    """The kit's archive: ``racine/<fichier>`` members, by the one deterministic zip writer."""
    return write_zip([(f"{racine}/{nom}", data) for nom, data in fichiers.items()], date_time)


_RESERVES = frozenset({"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(10)),
                       *(f"LPT{i}" for i in range(10))})


def nom_portable(nom: str) -> bool:
    """Whether ``nom`` is a file name every system accepts (no separator, no Windows
    reserved name such as CON or LPT1, no trailing dot or space, no control character)."""
    return (bool(nom) and len(nom) <= 120 and nom not in (".", "..")
            and not any(c in nom for c in '/\\:*?"<>|') and not any(ord(c) < 32 for c in nom)
            and not nom.endswith((".", " ")) and not nom.startswith((".", " "))
            and nom.split(".")[0].upper() not in _RESERVES)




def _vivant(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def restes(out: Path, reference: str) -> list[Path]:
    """Hidden temporaries of earlier interrupted builds of ``reference`` in ``out`` (those
    whose process is gone): an old kit parked by an interrupted --force is put back when no
    kit is in place, the others are removed. Returns what could not be cleaned."""
    non_nettoyes: list[Path] = []
    try:
        entrees = list(os.scandir(out))
    except OSError:
        return non_nettoyes
    cible = out / reference
    motif = re.compile(rf"^\.{re.escape(reference)}\.(?P<genre>tmp|zip\.tmp|ancien)-"
                       r"(?P<pid>\d+)-[^/]*$")
    for e in entrees:
        m = motif.match(e.name)
        if m is None or _vivant(int(m.group("pid"))):
            continue
        chemin = Path(e.path)
        try:
            if m.group("genre") == "ancien" and not os.path.lexists(cible) and os.path.isdir(
                    chemin / "kit"):
                os.rename(chemin / "kit", cible)
                shutil.rmtree(chemin)
            elif e.is_dir(follow_symlinks=False):
                shutil.rmtree(chemin)
            else:
                chemin.unlink()
        except OSError:
            non_nettoyes.append(chemin)
    return non_nettoyes


def _umask() -> int:
    masque = os.umask(0o022)
    os.umask(masque)
    return masque


def _echanger(a: Path, b: Path) -> bool:
    """Atomically exchange two paths (Linux renameat2 RENAME_EXCHANGE); False if unavailable."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), str(b))


def _remplacer_dossier(tmp: Path, cible: Path, force: bool) -> None:
    """Put the new kit ``tmp`` at ``cible``: any interruption leaves the old or the new kit."""
    if os.path.lexists(cible):
        if not force:
            raise SortieExistante(f"le dossier {cible} existe déjà : ajoutez --force pour le "
                                  "remplacer.")
        if cible.is_symlink() or not cible.is_dir():
            raise SortieImpossible(f"« {cible} » n'est pas un dossier de kit (fichier ou lien "
                                   "symbolique) : il n'est pas remplacé.")
        if _echanger(tmp, cible):  # tmp now holds the old kit
            shutil.rmtree(tmp, ignore_errors=True)
            return
        ancien = Path(tempfile.mkdtemp(prefix=f".{cible.name}.ancien-{os.getpid()}-",
                                       dir=cible.parent))
        os.rename(cible, ancien / "kit")  # a crash here: restes() puts it back next run
        try:
            os.rename(tmp, cible)
        except OSError:
            os.rename(ancien / "kit", cible)
            raise
        shutil.rmtree(ancien, ignore_errors=True)
    else:
        os.rename(tmp, cible)


def _dossier_sortie(out: Path) -> Path:
    try:
        out.mkdir(parents=True, exist_ok=True)
    except FileExistsError as exc:
        raise SortieImpossible(f"impossible d'écrire dans « {out} » : un fichier occupe ce "
                               "chemin (il faut un dossier).") from exc
    except OSError as exc:
        raise sortie_impossible(out, exc) from exc
    if not out.is_dir():
        raise SortieImpossible(f"impossible d'écrire dans « {out} » : ce n'est pas un dossier.")
    return out


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
        if (cible / nom).is_symlink():
            raise CctpError(refus.format(f"{nom} est un lien symbolique"))
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
              progression: Progression | None = None, kit_forme: str | None = None,
              pdfa: bool = False, limites: Limites | None = None,
              annexes_depuis: Path | None = None) -> list[Path]:
    """Render and write a kit to ``out_dir/<référence>/``; return the written paths.

    All or nothing: pieces are rendered in memory, written in a fresh temporary folder
    beside the target (unpredictable name, created exclusively) and moved into place; any
    failure leaves the previous kit or none, never half a folder nor half a zip. An output
    problem is a ``SortieImpossible`` naming the path. The manifest hashes the bytes the
    project was read from (``source``, else the analysis's, else the model's data).
    ``kit_forme`` (« auto », « complet », « allege ») overrides the project's ``kit``."""
    analyse = revalider(projet)
    projet = _modele(analyse)
    if source is None and analyse.source is not None:
        source = analyse.source.octets  # the very bytes that were validated, read once
    reference = projet.marche.reference
    if not nom_portable(reference):
        raise CctpError(f"la référence « {reference} » ne peut pas servir de nom de dossier.")
    kit = _render_valide(analyse, pieces, templates, progression, limites, kit_forme)
    if final and (restants := kit.a_completer()):
        lignes = [f"  {nom} : {m}" for nom, ms in restants.items() for m in sorted(set(ms))]
        raise CctpError("--final : des repères « [À compléter » subsistent ; rien n'a été "
                        "écrit.\n" + "\n".join(lignes))
    from .annexes import lire_annexes  # annexed files, relative to the project file's folder

    kit.fichiers.update(lire_annexes(projet, annexes_depuis))
    out = _dossier_sortie(Path(out_dir))
    cible = out / reference
    archive = out / f"{reference}.zip"
    if cible.parent != out or archive.parent != out:  # pragma: no cover - nom_portable
        raise CctpError(f"la référence « {reference} » sort du dossier de sortie.")
    restes(out, reference)
    if not force:
        for chemin in (cible, archive) if zip else (cible,):
            if os.path.lexists(chemin):
                raise SortieExistante(f"{chemin} existe déjà : ajoutez --force pour le remplacer.")
    if pieces is not None and cible.is_dir() and not cible.is_symlink():
        # --only on an existing kit: the other pieces stay, and the manifest and the zip
        # describe the whole folder again (or nothing is written, with the reason).
        kit.fichiers.update(_autres_pieces(cible, kit, manifeste(projet, kit, source, templates)))
    kit.fichiers["manifest.json"] = manifeste(projet, kit, source, templates)
    tmp: Path | None = None
    tmp_zip: Path | None = None
    chemin_en_cours: Path = out
    try:
        tmp = Path(tempfile.mkdtemp(prefix=f".{reference}.tmp-{os.getpid()}-", dir=out))
        chemin_en_cours = tmp
        for nom, data in kit.fichiers.items():
            (tmp / nom).parent.mkdir(parents=True, exist_ok=True)
            creer_exclusivement(tmp / nom, data)
        if pdf:
            from .pdf import convertir_en_pdf

            if progression:
                progression("PDF (LibreOffice)")
            docx = sorted(p for p in tmp.iterdir() if p.suffix == ".docx")
            for chemin in convertir_en_pdf(docx, tmp, pdfa=pdfa):
                kit.fichiers[chemin.name] = chemin.read_bytes()
        os.chmod(tmp, 0o777 & ~_umask())
        if zip:
            chemin_en_cours = archive
            tmp_zip = preparer_a_cote(archive, zip_kit(kit.fichiers, reference,
                                                       _date_time(projet)))
        chemin_en_cours = cible
        _remplacer_dossier(tmp, cible, force)
        tmp = None
        if tmp_zip is not None:
            chemin_en_cours = archive
            if os.path.isdir(archive) and not os.path.islink(archive):
                raise SortieImpossible(f"impossible d'écrire « {archive} » : c'est un dossier.")
            os.replace(tmp_zip, archive)
            tmp_zip = None
    except OSError as exc:
        raise sortie_impossible(chemin_en_cours, exc) from exc
    finally:
        if tmp is not None:
            shutil.rmtree(tmp, ignore_errors=True)
        if tmp_zip is not None:
            with contextlib.suppress(OSError):
                tmp_zip.unlink()
    ecrits = [cible / nom for nom in sorted(kit.fichiers)]
    return ecrits + ([archive] if zip else [])


remplacer_dossier = _remplacer_dossier
"""Public name of the all-or-nothing folder swap (used by the award documents too)."""
