"""The jinja environments: an allow-list sandbox for templates from users (``--templates``),
and the same environment without the per-access checks for the built-in templates shipped
with the package (same context, same filters, same functions, same strictness).

What a sandboxed template can reach (everything else is refused, see SECURITY.md):

* the plain context of ``vues.contexte_modele`` (text, numbers, dates, ``Decimal``, tuples,
  dicts and frozen ``Vue`` objects: only their fields and computed properties);
* the documented functions (``regle``, ``ref``, ``regle_si``), the French filters and a
  short list of jinja's own filters; the globals ``range`` (bounded), ``dict``,
  ``namespace``, ``cycler`` and ``joiner`` (``lipsum`` is removed);
* a few harmless methods of text (``upper``, ``startswith``…), of dicts (``items``…) and
  of dates (``year``…); loop variables (``loop.index``…) and macros.

Arithmetic is bounded: ``**`` on integers, ``*`` and ``+`` on text or lists, ``%``
formatting of text and ``range`` sizes are checked against ``limites.LIMITES`` before
they run, so ``{{ 10**(10**10) }}`` or ``{{ 'x' * 10**9 }}`` fail at once with a French
message instead of filling the memory.
"""

from __future__ import annotations

import re
import types
from collections.abc import Callable
from datetime import date
from functools import lru_cache
from typing import Any

from jinja2 import Environment, StrictUndefined, Undefined
from jinja2.filters import FILTERS as FILTRES_JINJA
from jinja2.runtime import Context, LoopContext, Macro
from jinja2.sandbox import ImmutableSandboxedEnvironment, SecurityError
from jinja2.utils import Cycler, Joiner, Namespace
from markupsafe import Markup

from ..errors import CctpError
from . import limites
from .filters import FILTERS, ACompleter, marqueur
from .vues import Fonction, Vue, champs_de_vue

# Characters XML 1.0 forbids (C0 controls other than tab/LF/CR, U+FFFE/U+FFFF, surrogates).
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


# French typography for text typed by users (« a : b » → non-breaking space before : ; ? !
# and inside guillemets), so that a value never wraps its punctuation onto the next line.
_AVANT_PONCTUATION = re.compile(r" (?=[:;!?»])")
_APRES_GUILLEMET = re.compile(r"« ")

# jinja's own filters a template may use (the others can build huge values from small
# arguments: center, indent, wordwrap, format, batch, slice… or are useless here).
FILTRES_JINJA_PERMIS = frozenset({
    "abs", "attr", "capitalize", "count", "d", "default", "dictsort", "e", "escape", "first",
    "float", "forceescape", "groupby", "int", "items", "join", "last", "length", "list",
    "lower", "map", "max", "min", "reject", "rejectattr", "replace", "reverse", "round",
    "select", "selectattr", "sort", "string", "striptags", "sum", "title", "trim", "truncate",
    "unique", "upper", "wordcount",
})

# Methods and attributes a template may use, by type of the object.
METHODES_TEXTE = frozenset({
    "capitalize", "count", "endswith", "find", "isalnum", "isalpha", "isdigit", "islower",
    "isspace", "istitle", "isupper", "lower", "lstrip", "rfind", "rstrip", "split",
    "splitlines", "startswith", "strip", "title", "upper",
})
METHODES_DICT = frozenset({"get", "items", "keys", "values"})
ATTRIBUTS_DATE = frozenset({"day", "hour", "isoformat", "isoweekday", "minute", "month",
                            "second", "weekday", "year"})


def typographie(texte: str) -> str:
    """Non-breaking spaces where French typography wants them (idempotent)."""
    if " " not in texte:
        return texte
    return _APRES_GUILLEMET.sub("«\u00a0", _AVANT_PONCTUATION.sub("\u00a0", texte))


# A « [À compléter » typed by a user is printed with an invisible word joiner (U+2060)
# after the bracket: it looks the same, but is neither highlighted nor counted as a marker
# (``validate``, ``build --final``).
_MARQUEUR_LITTERAL = "[À compléter"
_MARQUEUR_ECHAPPE = "[\u2060À compléter"


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
        if _MARQUEUR_LITTERAL in value:  # typed by a user: not one of the tool's markers
            value = value.replace(_MARQUEUR_LITTERAL, _MARQUEUR_ECHAPPE)
        return typographie(value)
    return value


class LimiteDepassee(CctpError):
    """A template asked for a value larger than the rendering limits allow (turned into a
    located ``ModeleInvalide`` by the engine)."""


def plage(*args: int) -> range:
    """``range`` with at most ``LIMITES.plage_max`` items."""
    rng = range(*args)
    if len(rng) > limites.LIMITES.plage_max:
        raise LimiteDepassee(f"range() de {len(rng)} éléments (au plus "
                             f"{limites.LIMITES.plage_max})")
    return rng


def _taille(valeur: Any) -> int | None:
    return len(valeur) if isinstance(valeur, (str, list, tuple)) else None


def _entier(valeur: Any) -> bool:
    return isinstance(valeur, int) and not isinstance(valeur, bool)


def _verifier_operation(op: str, gauche: Any, droite: Any) -> None:
    """Refuse, before computing it, an operation whose result would be huge."""
    lim = limites.LIMITES
    if op == "**" and _entier(gauche) and _entier(droite) and abs(gauche) > 1 and droite > 0:
        if abs(gauche).bit_length() * droite > lim.entier_bits_max:
            raise LimiteDepassee(f"puissance trop grande ({lim.entier_bits_max} bits au plus)")
    elif op == "*":
        for seq, n in ((gauche, droite), (droite, gauche)):
            t = _taille(seq)
            if t is not None and _entier(n) and t * n > lim.texte_max:
                raise LimiteDepassee(f"répétition trop longue ({t} × {n} éléments ; au plus "
                                     f"{lim.texte_max})")
        if _entier(gauche) and _entier(droite) and (
                abs(gauche).bit_length() + abs(droite).bit_length() > lim.entier_bits_max):
            raise LimiteDepassee(f"produit trop grand ({lim.entier_bits_max} bits au plus)")
    elif op == "+":
        tg, td = _taille(gauche), _taille(droite)
        if tg is not None and td is not None and tg + td > lim.texte_max:
            raise LimiteDepassee(f"concaténation trop longue (au plus {lim.texte_max})")
    elif op == "%" and isinstance(gauche, str):
        raise LimiteDepassee("le formatage « texte % valeurs » n'est pas permis dans un modèle")


def _remplacer(eval_ctx: Any, s: str, old: str, new: str, count: int | None = None) -> str:
    t = _taille(s) or 0
    if old and new and t and len(new) > len(old) and (
            t // len(old) * len(new) > limites.LIMITES.texte_max):
        raise LimiteDepassee("remplacement trop long")
    if not old and (t + 1) * len(new) > limites.LIMITES.texte_max:
        raise LimiteDepassee("remplacement trop long")
    return FILTRES_JINJA["replace"](eval_ctx, s, old, new, count)


_remplacer.jinja_pass_arg = FILTRES_JINJA["replace"].jinja_pass_arg  # type: ignore[attr-defined]

def _absent(vue: Vue, nom: str) -> str:
    champs = ", ".join(sorted(champs_de_vue(vue)))
    return f"« {nom} » n'existe pas dans cet objet (champs : {champs})"


_GLOBALES_SURES: tuple[Any, ...] = (plage, dict, Namespace, Cycler, Joiner)


class EnvironnementListeBlanche(ImmutableSandboxedEnvironment):
    """Sandbox by allow-list: only plain data, ``Vue`` fields and documented callables."""

    intercepted_binops = frozenset({"**", "*", "+", "%"})

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        if attr.startswith("_"):
            return False
        if isinstance(obj, Vue):
            return attr in champs_de_vue(obj)
        if isinstance(obj, str):
            return attr in METHODES_TEXTE
        if isinstance(obj, dict):
            return attr in METHODES_DICT
        if isinstance(obj, date):
            return attr in ATTRIBUTS_DATE
        if isinstance(obj, (LoopContext, Namespace, Cycler, Joiner)):
            return not callable(value) or isinstance(value, types.MethodType)
        return False

    def is_safe_callable(self, obj: Any) -> bool:
        if isinstance(obj, (Fonction, Macro, LoopContext)):
            return True
        if any(obj is g for g in _GLOBALES_SURES):
            return True
        if isinstance(obj, (types.BuiltinMethodType, types.MethodType)):
            cible, nom = getattr(obj, "__self__", None), getattr(obj, "__name__", "")
            if isinstance(cible, str):
                return nom in METHODES_TEXTE
            if isinstance(cible, dict):
                return nom in METHODES_DICT
            if isinstance(cible, date):
                return nom in ATTRIBUTS_DATE
            return isinstance(cible, (LoopContext, Cycler, Joiner)) and not nom.startswith("_")
        return False

    def getattr(self, obj: Any, attribute: str) -> Any:
        if isinstance(obj, Vue):
            if not attribute.startswith("_") and attribute in obj:
                return obj[attribute]
            return self.undefined(_absent(obj, attribute), obj=obj, name=attribute)
        return super().getattr(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        if isinstance(obj, Vue):
            if isinstance(argument, str) and not argument.startswith("_") and argument in obj:
                return obj[argument]
            return self.undefined(_absent(obj, str(argument)), obj=obj, name=str(argument))
        return super().getitem(obj, argument)

    def wrap_str_format(self, value: Any) -> Callable[..., str] | None:
        return None  # str.format / format_map are not on the allow-list

    def call_binop(self, context: Context, operator_: str, left: Any, right: Any) -> Any:
        _verifier_operation(operator_, left, right)
        return self.binop_table[operator_](left, right)

    def call(__self, __context: Context, __obj: Any,  # noqa: N805
             *args: Any, **kwargs: Any) -> Any:
        if isinstance(__obj, Undefined):
            __obj._fail_with_undefined_error()
        if not __self.is_safe_callable(__obj):
            raise SecurityError(f"appel non permis : {type(__obj).__name__}")
        return __context.call(__obj, *args, **kwargs)


def make_environment(*, sandbox: bool = True) -> Environment:
    """A strict, autoescaping environment with the French filters; sandboxed by default.

    * sandboxed: override templates come from users: allow-list, see the module docstring;
    * ``StrictUndefined``: a misspelt name is an error, not an empty string;
    * ``autoescape``: the body is XML, so "Ponts & Chaussées < 2" must be escaped;
    * default delimiters, as docxtpl expects; no ``safe`` filter (no raw XML from values).
    """
    classe = EnvironnementListeBlanche if sandbox else Environment
    env = classe(
        undefined=StrictUndefined,
        autoescape=True,
        finalize=_finalize,
        keep_trailing_newline=True,
        auto_reload=False,
        cache_size=0,
    )
    env.filters = {nom: f for nom, f in FILTRES_JINJA.items() if nom in FILTRES_JINJA_PERMIS}
    env.filters["replace"] = _remplacer
    env.filters.update(FILTERS)
    env.globals = {"range": plage, "dict": dict, "namespace": Namespace, "cycler": Cycler,
                   "joiner": Joiner}
    return env


@lru_cache(maxsize=2)
def shared_environment(sandbox: bool = True) -> Environment:
    """The environment the engine compiles templates with (one of each kind, created once).

    The sandbox checks every attribute access at render time (about a third of a kit's
    rendering time): built-in templates, which ship with the package, skip it; any template
    from an override folder goes through it. Both render the same plain context."""
    return make_environment(sandbox=sandbox)
