"""French for click's own messages (usage errors, --help), which click writes in English.

click looks its texts up through ``gettext``; it ships no French catalogue, so the CLI installs
this small one in the click modules it uses. Unknown texts fall back to the original.
"""

from __future__ import annotations

import click.core
import click.decorators
import click.exceptions
import click.formatting
import click.parser
import click.types

_TEXTES = {
    "Usage:": "Utilisation :",
    "Options": "Options",
    "Commands": "Commandes",
    "Positional arguments": "Arguments",
    "Error: {message}": "Erreur : {message}",
    "Try '{command} {option}' for help.": "Essayez « {command} {option} » pour l'aide.",
    "Show this message and exit.": "Afficher cette aide et quitter.",
    "Show the version and exit.": "Afficher la version et quitter.",
    "Invalid value for {param_hint}: {message}": "valeur invalide pour {param_hint} : {message}",
    "Invalid value: {message}": "valeur invalide : {message}",
    "Missing argument": "Argument manquant",
    "Missing option": "Option manquante",
    "Missing parameter": "Paramètre manquant",
    "Missing command.": "Commande manquante.",
    "No such command {name!r}.": "Commande inconnue : {name!r}.",
    "No such option {name!r}.": "Option inconnue : {name!r}.",
    "No such option: {name}": "Option inconnue : {name}",
    "Option {name!r} requires an argument.": "L'option {name!r} attend une valeur.",
    "default: {default}": "défaut : {default}",
    "required": "obligatoire",
    "{name} {filename!r} does not exist.": "{name} {filename!r} introuvable.",
    "{name} {filename!r} is a file.": "{name} {filename!r} est un fichier, pas un dossier.",
    "{name} {filename!r} is a directory.": "{name} {filename!r} est un dossier.",
    "directory": "Dossier",
    "file": "Fichier",
    "path": "Chemin",
    "{value!r} is not a valid {number_type}.": "{value!r} n'est pas un nombre valide.",
    "{value} is not in the range {range}.": "{value} est hors de l'intervalle {range}.",
    "Aborted!": "Interrompu.",
}
_PLURIELS = {
    "{value!r} does not match the format {format}.":
        "{value!r} n'est pas une date au format AAAA-MM-JJ (ex. 2026-12-01).",
    "{value!r} does not match the formats {formats}.":
        "{value!r} n'est pas dans un format admis ({formats}).",
    "Got unexpected extra argument ({args})": "Argument en trop ({args})",
    "Got unexpected extra arguments ({args})": "Arguments en trop ({args})",
    "Did you mean {possibility}?": "Vouliez-vous dire {possibility} ?",
    "(Did you mean one of: {possibilities}?)": "(Vouliez-vous dire : {possibilities} ?)",
}


def _gettext(message: str) -> str:
    return _TEXTES.get(message, message)


def _ngettext(singulier: str, pluriel: str, n: int) -> str:
    message = singulier if n == 1 else pluriel
    return _PLURIELS.get(message, message)


def installer() -> None:
    """Make click speak French (idempotent)."""
    for module in (click.core, click.decorators, click.exceptions, click.formatting,
                   click.parser, click.types):
        if hasattr(module, "_"):
            module._ = _gettext  # type: ignore[attr-defined]
        if hasattr(module, "ngettext"):
            module.ngettext = _ngettext  # type: ignore[attr-defined]
