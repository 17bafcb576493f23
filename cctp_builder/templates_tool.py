"""Template folders for advisers: check, export, dump (behind ``cctp-builder templates``)."""

from __future__ import annotations

import shutil
from pathlib import Path

from .context import NOMS_CONTEXTE, TYPES_CONTEXTE
from .errors import CctpError, Constat
from .render import TemplateSet, base_style_ids, builtin_templates_dir, docx_to_text, lint_templates


def verifier(dossier: Path | None = None) -> list[Constat]:
    """Lint a template folder (the built-in templates by default)."""
    cible = Path(dossier) if dossier is not None else builtin_templates_dir()
    return lint_templates(cible, set(NOMS_CONTEXTE), base_style_ids(), TYPES_CONTEXTE)


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
