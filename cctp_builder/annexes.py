"""Annexed files: checked against the project file's folder, copied into the kit."""

from __future__ import annotations

from pathlib import Path

from .errors import CctpError, Constat
from .models import Consultation
from .models.annexes import noms_annexes

EXTENSIONS: dict[str, str] = {
    ".pdf": "PDF", ".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".docx": "DOCX",
    ".xlsx": "XLSX", ".dwg": "DWG", ".zip": "ZIP (couche SIG)",
}
"""Accepted file types (the file's extension decides)."""

TAILLE_MAX_OCTETS = 25 * 1024 * 1024
"""Largest accepted annex: 25 Mio (a DCE is usually limited to a few tens of Mio in all)."""

TAILLE_MAX_TOTALE = 80 * 1024 * 1024
"""Largest accepted total of the annexes."""


def verifier_annexes(projet: Consultation, racine: Path) -> list[Constat]:
    """One error per missing, unreadable, unsupported or oversized annex."""
    out: list[Constat] = []
    total = 0
    for i, a in enumerate(projet.annexes):
        chemin = f"annexes.{i}.fichier"
        f = racine / a.fichier
        ext = f.suffix.lower()
        if ext not in EXTENSIONS:
            formats = ", ".join(sorted(set(EXTENSIONS.values())))
            out.append(Constat(chemin, f"type de fichier non accepté pour l'annexe "
                                       f"« {a.fichier} » (formats acceptés : {formats})."))
            continue
        if not f.is_file():
            out.append(Constat(chemin, f"le fichier « {a.fichier} » de l'annexe « {a.titre} » "
                                       "est introuvable (chemin relatif au fichier projet : "
                                       f"{f})."))
            continue
        taille = f.stat().st_size
        total += taille
        if taille > TAILLE_MAX_OCTETS:
            out.append(Constat(chemin, f"le fichier « {a.fichier} » pèse {taille / 2**20:.1f} Mio, "
                                       f"au-delà de la limite de {TAILLE_MAX_OCTETS // 2**20} Mio "
                                       "par annexe : compressez-le ou scindez-le."))
        elif taille == 0:
            out.append(Constat(chemin, f"le fichier « {a.fichier} » est vide."))
    if total > TAILLE_MAX_TOTALE:
        out.append(Constat("annexes", f"les annexes pèsent {total / 2**20:.1f} Mio au total, "
                                      f"au-delà de {TAILLE_MAX_TOTALE // 2**20} Mio."))
    return out


def lire_annexes(projet: Consultation, racine: Path | None) -> dict[str, bytes]:
    """The annexes' bytes by their name in the kit; a located error if one is missing."""
    base = racine if racine is not None else Path.cwd()
    erreurs = verifier_annexes(projet, base)
    if erreurs:
        raise CctpError("annexes : " + " ".join(f"[{c.chemin}] {c.message}" for c in erreurs)
                        + " Rien n'a été écrit.")
    return {nom: (base / a.fichier).read_bytes()
            for nom, a in zip(noms_annexes(projet.annexes), projet.annexes, strict=True)}
