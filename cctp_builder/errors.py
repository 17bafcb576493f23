"""Exceptions and findings of cctp_builder.

Every error a user can meet carries a French message. The tree::

    CctpError                      base of every error of the package (exit status 1)
    ├── ProjetInvalide             the project file is unreadable or invalid (carries findings)
    ├── RegleIntrouvable           the rules data has no entry in force for a date
    ├── ReglesInvalides            the rules data file is malformed (rules.py)
    ├── ModeleInvalide             a Word template is broken, unsafe or fails to render
    ├── FiltreInvalide             a template filter got a value it cannot format (render.filters)
    ├── MarkupError                a line of templates_src/ cannot be converted (render.markup)
    ├── ConversionPdfImpossible    LibreOffice is absent or failed
    └── SortieExistante            the output folder exists and --force was not given

A ``Constat`` (finding) is one located remark about a project: an error, a warning
or an item "à compléter".
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

Gravite = Literal["erreur", "avertissement", "a_completer"]


@dataclass(frozen=True)
class Constat:
    """One located finding on a project file."""

    chemin: str
    message: str
    gravite: Gravite = "erreur"
    fichier: str | None = None
    ligne: int | None = None
    colonne: int | None = None

    def localisation(self) -> str:
        parts = [self.fichier or "<projet>"]
        if self.ligne is not None:
            parts.append(str(self.ligne))
            if self.colonne is not None:
                parts.append(str(self.colonne))
        return ":".join(parts)

    def __str__(self) -> str:
        champ = f" [{self.chemin}]" if self.chemin else ""
        return f"{self.localisation()}:{champ} {self.message}"

    def to_json(self) -> dict[str, object]:
        return {
            "file": self.fichier,
            "path": self.chemin,
            "line": self.ligne,
            "column": self.colonne,
            "message": self.message,
            "severity": self.gravite,
        }


class CctpError(Exception):
    """Base of every error raised by cctp_builder; its message is in French."""

    exit_code = 1


class ProjetInvalide(CctpError, ValueError):
    """The project file cannot be read or does not validate."""

    def __init__(self, message: str = "", *, constats: list[Constat] | None = None,
                 fichier: str | None = None) -> None:
        self.constats = list(constats or [])
        self.fichier = fichier
        erreurs = [c for c in self.constats if c.gravite == "erreur"]
        if not message:
            n = len(erreurs)
            message = f"{fichier or 'projet'} : {n} erreur{'s' if n > 1 else ''}"
            if erreurs:
                message += "\n" + "\n".join(f"  {c}" for c in erreurs)
        super().__init__(message)


class RegleIntrouvable(CctpError, LookupError):
    """No rule in the rules data is in force for the requested identifier and date."""


class ModeleInvalide(CctpError):
    """A Word template cannot be read, is unsafe, or fails to render."""

    def __init__(self, message: str, *, modele: str | None = None, extrait: str = "") -> None:
        self.modele = modele
        self.extrait = extrait
        full = message
        if modele:
            full = f"Modèle « {modele} » : {message}"
        if extrait:
            full += f"\n  Contexte : …{extrait}…"
        super().__init__(full)


class ConversionPdfImpossible(CctpError):
    """LibreOffice (soffice) is missing or the conversion failed."""


class SortieExistante(CctpError, FileExistsError):
    """The output folder already exists and overwriting was not requested."""


@dataclass
class Resultat:
    """Outcome of a validation: the findings, split by severity."""

    constats: list[Constat] = field(default_factory=list)

    @property
    def erreurs(self) -> list[Constat]:
        return [c for c in self.constats if c.gravite == "erreur"]

    @property
    def avertissements(self) -> list[Constat]:
        return [c for c in self.constats if c.gravite == "avertissement"]

    @property
    def a_completer(self) -> list[Constat]:
        return [c for c in self.constats if c.gravite == "a_completer"]

    @property
    def valide(self) -> bool:
        return not self.erreurs
