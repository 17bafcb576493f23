"""Plain data for templates: the context a template sees holds only dicts, tuples, text,
numbers, dates, ``Decimal``, booleans, ``None``, frozen ``Vue`` objects (a model's fields
and computed properties, nothing else) and the documented functions (``Fonction``).

Model objects never reach a template: their methods (``parse_raw``, ``model_copy``…),
class attributes and private names do not exist in a ``Vue``. Both environments (the
built-in templates' and the sandbox of override folders) render this same context, so the
built-in templates prove that it is enough.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping
from datetime import date
from decimal import Decimal
from enum import Enum
from typing import Any

from pydantic import AnyUrl, BaseModel
from pydantic_core import Url

_SIMPLES = (str, bool, int, float, Decimal, date, type(None))


class Vue:
    """A frozen, read-only view of one object: its public fields and computed properties.

    ``vue.nom`` and ``vue["nom"]`` read a field; nothing else is reachable (no method, no
    class, no private name). ``str(vue)`` is the object's own text when its class defines
    one (an address prints as an address)."""

    __slots__ = ("_champs", "_texte", "_type")

    def __init__(self, type_: str, champs: dict[str, Any], texte: str | None = None) -> None:
        object.__setattr__(self, "_type", type_)
        object.__setattr__(self, "_champs", champs)
        object.__setattr__(self, "_texte", texte)

    def __getattr__(self, nom: str) -> Any:
        if nom.startswith("_"):
            raise AttributeError(nom)
        try:
            return self._champs[nom]
        except KeyError:
            raise AttributeError(nom) from None

    def __getitem__(self, nom: str) -> Any:
        return self._champs[nom]

    def __contains__(self, nom: object) -> bool:
        return nom in self._champs

    def __setattr__(self, nom: str, valeur: Any) -> None:
        raise AttributeError("une vue de modèle est en lecture seule")

    def __delattr__(self, nom: str) -> None:
        raise AttributeError("une vue de modèle est en lecture seule")

    def __str__(self) -> str:
        return self._texte if self._texte is not None else f"<{self._type}>"

    def __repr__(self) -> str:
        return f"Vue({self._type}, {sorted(self._champs)})"



def champs_de_vue(vue: Vue) -> frozenset[str]:
    """The names a template may read on ``vue``."""
    return frozenset(object.__getattribute__(vue, "_champs"))


class Fonction:
    """A documented function of the template context (``regle``, ``ref``, ``regle_si``)."""

    __slots__ = ("_fonction", "nom")
    _fonction: Callable[..., Any]
    nom: str

    def __init__(self, nom: str, fonction: Callable[..., Any]) -> None:
        object.__setattr__(self, "nom", nom)
        object.__setattr__(self, "_fonction", fonction)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return en_vue(self._fonction(*args, **kwargs))

    def __setattr__(self, nom: str, valeur: Any) -> None:
        raise AttributeError("lecture seule")

    def __repr__(self) -> str:
        return f"<fonction {self.nom}>"


@functools.lru_cache(maxsize=256)
def _proprietes(classe: type) -> tuple[str, ...]:
    """Public properties defined by ``classe`` and its bases (pydantic's own excluded)."""
    noms: list[str] = []
    for cls in classe.__mro__:
        if cls in (BaseModel, object):
            break
        for nom, attr in vars(cls).items():
            if (not nom.startswith("_") and nom not in noms
                    and isinstance(attr, (property, functools.cached_property))):
                noms.append(nom)
    return tuple(noms)


@functools.lru_cache(maxsize=256)
def _a_son_texte(classe: type) -> bool:
    """Whether ``classe`` defines its own ``__str__`` (not pydantic's nor object's)."""
    for cls in classe.__mro__:
        if cls in (BaseModel, object):
            return False
        if "__str__" in vars(cls) and not dataclasses.is_dataclass(cls):
            return True
    return False


def noms_lisibles(classe: type) -> frozenset[str]:
    """The names a template may read on a view of an object of ``classe``."""
    champs = getattr(classe, "model_fields", None)
    if champs is None and dataclasses.is_dataclass(classe):
        champs = {f.name: f for f in dataclasses.fields(classe)}
    return frozenset(n for n in (champs or {}) if not n.startswith("_")) | frozenset(
        _proprietes(classe)) | frozenset(methodes_modele(classe))


def methodes_modele(classe: type) -> tuple[str, ...]:
    """The methods a class documents for templates (``METHODES_MODELE``): exposed on its
    views as ``Fonction`` (called on the original object, the result turned into views)."""
    return tuple(n for n in getattr(classe, "METHODES_MODELE", ()) if not n.startswith("_"))


def _champs_de(valeur: Any) -> list[str]:
    if isinstance(valeur, BaseModel):
        return list(type(valeur).model_fields)
    return [f.name for f in dataclasses.fields(valeur)]


def en_vue(valeur: Any, memo: dict[int, tuple[Any, Any]] | None = None) -> Any:
    """``valeur`` as plain data (see the module's docstring); idempotent."""
    if isinstance(valeur, (Vue, Fonction)):
        return valeur
    if isinstance(valeur, Enum):
        return en_vue(valeur.value, memo)
    if isinstance(valeur, _SIMPLES):
        return valeur
    if isinstance(valeur, (AnyUrl, Url)):
        return str(valeur)
    memo = {} if memo is None else memo
    cle = id(valeur)
    if cle in memo:  # the original is kept in the memo, so its id is never reused meanwhile
        return memo[cle][1]
    resultat: Any
    if isinstance(valeur, BaseModel) or (dataclasses.is_dataclass(valeur)
                                          and not isinstance(valeur, type)):
        champs: dict[str, Any] = {}
        vue = Vue(type(valeur).__name__, champs,
                  str(valeur) if _a_son_texte(type(valeur)) else None)
        memo[cle] = (valeur, vue)
        for nom in _champs_de(valeur):
            if not nom.startswith("_"):
                champs[nom] = en_vue(getattr(valeur, nom), memo)
        for nom in _proprietes(type(valeur)):
            try:
                champs[nom] = en_vue(getattr(valeur, nom), memo)
            except Exception:  # noqa: BLE001 - a property that cannot be computed is absent
                continue
        for nom in methodes_modele(type(valeur)):
            champs[nom] = Fonction(nom, getattr(valeur, nom))
        return vue
    if isinstance(valeur, Mapping):
        resultat = {en_vue(k, memo): en_vue(v, memo) for k, v in valeur.items()}
    elif isinstance(valeur, list):  # templates add lists: sum(start=[]), a + b
        resultat = [en_vue(v, memo) for v in valeur]
    elif isinstance(valeur, tuple):
        resultat = tuple(en_vue(v, memo) for v in valeur)
    elif isinstance(valeur, (set, frozenset)):
        resultat = tuple(sorted((en_vue(v, memo) for v in valeur), key=str))
    else:
        raise TypeError(f"type de valeur non prévu dans le contexte des modèles : "
                        f"{type(valeur).__name__}")
    memo[cle] = (valeur, resultat)
    return resultat


def contexte_modele(contexte: Mapping[str, Any]) -> dict[str, Any]:
    """The context as templates see it: plain data, and top-level functions as ``Fonction``."""
    memo: dict[int, tuple[Any, Any]] = {}
    out: dict[str, Any] = {}
    for nom, valeur in contexte.items():
        if isinstance(valeur, Fonction):
            out[nom] = valeur
        elif callable(valeur) and not isinstance(valeur, (type, BaseModel)) and not (
                dataclasses.is_dataclass(valeur)):
            out[nom] = Fonction(nom, valeur)
        else:
            out[nom] = en_vue(valeur, memo)
    return out
