"""Turn jinja and XML failures into ``ModeleInvalide`` with a French message and the
text of the paragraph where they happened (tags stripped)."""

from __future__ import annotations

import html
import re
import traceback

from jinja2 import TemplateSyntaxError, UndefinedError
from jinja2.sandbox import SecurityError

from ..errors import ModeleInvalide
from .environment import LimiteDepassee
from .filters import FiltreInvalide

_XML_TAG = re.compile(r"<[^>]+>")
_SYNTAX = [
    (re.compile(r"end of template.*needs to be closed is '(\w+)'", re.I | re.S),
     "fin du modèle atteinte sans fermer le bloc « {0} » (balise {{% end{0} %}} manquante)"),
    (re.compile(r"unexpected end of template", re.I),
     "fin de modèle inattendue : un bloc {% if %} ou {% for %} n'est pas fermé"),
    (re.compile(r"unexpected 'end of print statement'"), "expression incomplète avant « }} »"),
    (re.compile(r"unexpected 'end of statement block'"), "instruction incomplète avant « %} »"),
    (re.compile(r"Encountered unknown tag '(\w+)'"), "balise inconnue « {0} »"),
    (re.compile(r"expected token '(.+?)', got '(.+?)'"),
     "« {0} » attendu, « {1} » trouvé"),
    (re.compile(r"unexpected '(.+?)'"), "caractère inattendu « {0} »"),
    (re.compile(r"no filter named '(.+?)'", re.I), "filtre inconnu « {0} »"),
    (re.compile(r"no test named '(.+?)'", re.I), "test inconnu « {0} »"),
]


def extrait(source: str, lineno: int | None, width: int = 200) -> str:
    """The visible text of line ``lineno`` of a patched template (one paragraph a line)."""
    if not lineno:
        return ""
    lines = source.splitlines()
    if not 1 <= lineno <= len(lines):
        return ""
    text = html.unescape(_XML_TAG.sub("", lines[lineno - 1]))
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def template_lineno(exc: BaseException, filename: str) -> int | None:
    """The line of the innermost frame of template ``filename`` in the traceback."""
    if isinstance(exc, TemplateSyntaxError) and exc.lineno:
        return exc.lineno
    lineno = None
    for frame, line in traceback.walk_tb(exc.__traceback__):
        if frame.f_code.co_filename == filename:
            lineno = line
    return lineno


def message_fr(exc: BaseException) -> str:
    """A French message for a jinja (or filter) failure."""
    text = str(getattr(exc, "message", None) or exc)
    if isinstance(exc, MemoryError):
        return "limite de rendu dépassée : mémoire épuisée (boucle ou valeur démesurée)"
    if isinstance(exc, RecursionError):
        return "limite de rendu dépassée : récursion trop profonde (macro qui s'appelle)"
    if isinstance(exc, LimiteDepassee):
        return f"limite de rendu dépassée : {text}"
    if isinstance(exc, SecurityError):
        m = re.search(r"attribute '(.+?)' of '(.+?)' object", text)
        detail = (f"accès à l'attribut « {m.group(1)} » d'un objet « {m.group(2)} »"
                  if m else text)
        return f"opération interdite dans un modèle (bac à sable) : {detail}"
    if isinstance(exc, UndefinedError):
        if text.startswith("« "):
            return text
        m = re.fullmatch(r"'(.+?)' is undefined", text)
        if m:
            return f"la variable « {m.group(1)} » n'est pas définie"
        m = re.fullmatch(r"'(.+?)' has no attribute '(.+?)'", text)
        if m:
            return f"« {m.group(2)} » n'existe pas dans « {m.group(1)} »"
        return f"valeur non définie ({text})"
    if isinstance(exc, TemplateSyntaxError):
        for pattern, fr in _SYNTAX:
            m = pattern.search(text)
            if m:
                return f"erreur de syntaxe : {fr.format(*m.groups())}"
        return f"erreur de syntaxe ({text})"
    if isinstance(exc, FiltreInvalide):
        return text
    return f"erreur pendant le rendu ({type(exc).__name__} : {text})"


def to_modele_invalide(exc: BaseException, *, modele: str, source: str,
                       filename: str) -> ModeleInvalide:
    """Wrap ``exc`` raised while compiling or rendering template ``modele``."""
    lineno = template_lineno(exc, filename)
    err = ModeleInvalide(message_fr(exc), modele=modele, extrait=extrait(source, lineno))
    err.ligne = lineno  # type: ignore[attr-defined]
    return err
