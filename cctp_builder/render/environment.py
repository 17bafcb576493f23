"""The jinja environments: sandboxed for templates from users (``--templates``), plain for
the built-in templates shipped with the package (same filters, same strictness)."""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

from jinja2 import Environment, StrictUndefined
from jinja2.sandbox import ImmutableSandboxedEnvironment
from markupsafe import Markup

from .filters import FILTERS, ACompleter, marqueur

# Characters XML 1.0 forbids (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF, surrogates).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# French typography for text typed by users (« a : b » → non-breaking space before : ; ? !
# and inside guillemets), so that a value never wraps its punctuation onto the next line.
_AVANT_PONCTUATION = re.compile(r" (?=[:;!?»])")
_APRES_GUILLEMET = re.compile(r"« ")


def typographie(texte: str) -> str:
    """Non-breaking spaces where French typography wants them (idempotent)."""
    if " " not in texte:
        return texte
    return _APRES_GUILLEMET.sub("«\u00a0", _AVANT_PONCTUATION.sub("\u00a0", texte))


def _finalize(value: Any) -> Any:
    """What ``{{ }}`` prints: ``None`` becomes the highlighted marker (never "None"); text
    loses the characters XML cannot hold, its CR/CRLF become line feeds (→ w:br), and plain
    text gets French non-breaking spaces before « : ; ! ? »."""
    if value is None:
        return marqueur()
    if isinstance(value, str) and ("\r" in value or _ILLEGAL_XML.search(value)):
        cleaned = _ILLEGAL_XML.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))
        if isinstance(value, (Markup, ACompleter)):
            return type(value)(cleaned)
        value = cleaned
    if type(value) is str:
        return typographie(value)
    return value


def make_environment(*, sandbox: bool = True) -> Environment:
    """A sandboxed (by default), strict, autoescaping environment with the French filters.

    * sandboxed: override templates come from users (``''.__class__`` raises SecurityError);
    * ``StrictUndefined``: a misspelt name is an error, not an empty string;
    * ``autoescape``: the body is XML, so "Ponts & Chaussées < 2" must be escaped;
    * default delimiters, as docxtpl expects; no ``safe`` filter (no raw XML from values).
    """
    classe = ImmutableSandboxedEnvironment if sandbox else Environment
    env = classe(
        undefined=StrictUndefined,
        autoescape=True,
        finalize=_finalize,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=0,
    )
    env.filters.update(FILTERS)
    # "safe" would let a value inject raw WordprocessingML; nothing in a template needs it.
    del env.filters["safe"]
    return env


@lru_cache(maxsize=2)
def shared_environment(sandbox: bool = True) -> Environment:
    """The environment the engine compiles templates with (one of each kind, created once).

    The sandbox checks every attribute access at render time (about a third of a kit's
    rendering time): built-in templates, which ship with the package, skip it; any template
    from an override folder goes through it."""
    return make_environment(sandbox=sandbox)
