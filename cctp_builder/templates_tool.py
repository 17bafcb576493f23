"""Template folders for advisers: check, export, dump (behind ``cctp-builder templates``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .context import NOMS_CONTEXTE, TYPES_CONTEXTE
from .errors import CctpError, Constat, ModeleInvalide
from .kit import render_kit
from .models import Consultation
from .render import TemplateSet, base_style_ids, builtin_templates_dir, docx_to_text, lint_templates
from .render.limites import Limites


def verifier(dossier: Path | None = None, *, projet_essai: Consultation | None = None,
             limites: Limites | None = None) -> list[Constat]:
    """Lint a template folder (the built-in templates by default), then, for a folder of
    one's own and a sample project ``projet_essai``, render every piece of that project with
    the folder under the same limits as ``build``, so that what ``build`` would refuse is
    reported here."""
    if dossier is None:
        return lint_templates(builtin_templates_dir(), set(NOMS_CONTEXTE), base_style_ids(),
                              TYPES_CONTEXTE)
    cible = Path(dossier)
    try:
        TemplateSet.get(cible, lim=limites)
    except ModeleInvalide as exc:
        return [_constat(cible, exc, "dossier refusé")]
    constats = lint_templates(cible, set(NOMS_CONTEXTE), base_style_ids(), TYPES_CONTEXTE)
    if projet_essai is not None and not any(c.gravite == "erreur" for c in constats):
        constats.extend(rendu_essai(cible, projet_essai, limites=limites))
    return constats


def rendu_essai(dossier: Path, projet: Consultation, *,
                limites: Limites | None = None) -> list[Constat]:
    """Render with ``dossier`` (isolated, limited) every piece of ``projet`` that one of the
    folder's templates takes part in."""
    pieces = pieces_touchees(TemplateSet.get(dossier, lim=limites).noms_surcharges())
    if not pieces:
        return []
    try:
        render_kit(projet, pieces=pieces, templates=dossier, limites=limites)
    except ModeleInvalide as exc:
        return [_constat(dossier, exc, "rendu d'essai refusé")]
    return []


def pieces_touchees(noms: list[str]) -> list[str]:
    """The codes of the Word pieces that templates ``noms`` (« cctp/01_objet »…) take part in:
    the base and the common fragments are in every piece, study modules in the CCTP."""
    from .pieces import PIECES

    codes = [p.code for p in PIECES if p.extension == "docx"]
    out: set[str] = set()
    for nom in noms:
        tete = nom.split("/", 1)[0]
        if nom == "base" or tete == "commun":
            return codes
        if tete == "etudes":
            out.add("cctp")
        elif tete in codes:
            out.add(tete)
    return [c for c in codes if c in out]


def _constat(dossier: Path, exc: ModeleInvalide, quoi: str) -> Constat:
    nom = exc.modele or ""
    if nom and not nom.endswith(".docx"):
        nom += ".docx"
    texte = str(exc)
    if texte.startswith("Modèle « "):
        texte = texte.split(" : ", 1)[-1]
    return Constat(chemin=nom or str(dossier), message=f"{quoi} : {texte}",
                   fichier=str(dossier / nom) if nom else str(dossier))


def exporter(dossier: Path, *, force: bool = False) -> int:
    """Copy the built-in templates to ``dossier`` (same relative paths); return their number."""
    source = builtin_templates_dir()
    fichiers = sorted(p for p in source.rglob("*.docx"))
    dossier = Path(dossier)
    existants = [dossier / p.relative_to(source) for p in fichiers
                 if (dossier / p.relative_to(source)).exists()]
    if existants and not force:
        raise CctpError(f"{dossier} contient déjà des modèles ({existants[0]}…) : ajoutez --force "
                        "pour les écraser.")
    for p in fichiers:
        cible = dossier / p.relative_to(source)
        cible.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(p, cible)
    return len(fichiers)


def texte_modele(nom: str, dossier: Path | None = None) -> str:
    """Readable text of one template (« cctp/01_objet »), from ``dossier`` if it overrides it."""
    ts = TemplateSet.get(dossier)
    nom = nom.removesuffix(".docx")
    if not ts.has(nom):
        raise CctpError(f"modèle inconnu « {nom} » ; la liste : cctp-builder templates list.")
    return docx_to_text(ts.source(nom))
