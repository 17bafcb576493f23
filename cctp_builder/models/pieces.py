"""The pieces of a tender kit (dossier de consultation): numbers, titles and file names.

Pure data, below every layer that needs it: the context lists the pieces to templates, the
renderer titles them, the kit names their files.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Piece:
    """One piece of the dossier de consultation."""

    code: str
    numero: str
    titre: str
    sigle: str
    extension: str = "docx"

    @property
    def fichier(self) -> str:
        return f"{self.numero}-{self.sigle}.{self.extension}"


PIECES: tuple[Piece, ...] = (
    Piece("rc", "01", "Règlement de la consultation", "RC"),
    Piece("ae", "02", "Acte d'engagement", "AE"),
    Piece("ccap", "03", "Cahier des clauses administratives particulières", "CCAP"),
    Piece("cctp", "04", "Cahier des clauses techniques particulières", "CCTP"),
    Piece("dpgf", "05", "Décomposition du prix global et forfaitaire", "DPGF", "xlsx"),
    Piece("cmt", "06", "Cadre de mémoire technique", "CMT"),
    Piece("aapc", "07", "Avis d'appel public à la concurrence", "AAPC"),
)

PAR_CODE: dict[str, Piece] = {p.code: p for p in PIECES}
