"""Load a project file (YAML or JSON) into the model, with located French messages.

Every failure becomes a ``ProjetInvalide`` carrying ``Constat`` objects that name the file,
the line, the column and the field path; nothing here ever lets a traceback through.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import ValidationError

from .errors import Constat, ProjetInvalide, Resultat
from .messages import message_pydantic
from .models import Consultation
from .validation import valider

TAILLE_MAX = 2 * 1024 * 1024
NOEUDS_MAX = 50_000
PROFONDEUR_MAX = 40

Position = tuple[int, int]


_Chargeur = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
ALIAS_MAX = 20


def _repere(ev: yaml.Event) -> yaml.Mark | None:
    """The position of a parser event (libyaml's C marks have the same fields)."""
    return cast("yaml.Mark | None", ev.start_mark)


def _examiner_evenements(texte: str) -> None:
    """Refuse deep nesting, alias bombs and huge structures before building anything."""
    profondeur = noeuds = alias = 0
    for ev in yaml.parse(texte, Loader=_Chargeur):
        if isinstance(ev, (yaml.MappingStartEvent, yaml.SequenceStartEvent)):
            profondeur += 1
            noeuds += 1
            if profondeur > PROFONDEUR_MAX:
                raise yaml.MarkedYAMLError("", None, f"imbrication trop profonde (plus de "
                                           f"{PROFONDEUR_MAX} niveaux)", _repere(ev))
        elif isinstance(ev, (yaml.MappingEndEvent, yaml.SequenceEndEvent)):
            profondeur -= 1
        elif isinstance(ev, yaml.ScalarEvent):
            noeuds += 1
        elif isinstance(ev, yaml.AliasEvent):
            alias += 1
            if alias > ALIAS_MAX:
                raise yaml.MarkedYAMLError("", None, "trop d'alias YAML (« *nom ») : ce fichier "
                                           "ressemble à une bombe d'expansion", _repere(ev))
        if noeuds > NOEUDS_MAX:
            raise yaml.MarkedYAMLError("", None, f"structure trop volumineuse (plus de "
                                       f"{NOEUDS_MAX} valeurs)", _repere(ev))


def _echec(fichier: str, message: str, ligne: int | None = None, colonne: int | None = None,
           chemin: str = "") -> ProjetInvalide:
    c = Constat(chemin, message, "erreur", fichier, ligne, colonne)
    return ProjetInvalide(str(c), constats=[c], fichier=fichier)


def _lire_texte(chemin: Path) -> str:
    nom = str(chemin)
    try:
        taille = chemin.stat().st_size
    except FileNotFoundError:
        raise _echec(nom, "fichier introuvable.") from None
    except OSError as exc:
        raise _echec(nom, f"fichier illisible ({exc.strerror}).") from None
    if chemin.is_dir():
        raise _echec(nom, "c'est un dossier, pas un fichier projet.")
    if taille > TAILLE_MAX:
        raise _echec(nom, f"fichier trop volumineux ({taille / 1_048_576:.1f} Mio ; "
                     f"2 Mio au plus pour un fichier projet).")
    with chemin.open("rb") as f:
        brut = f.read(TAILLE_MAX + 1)
    if b"\x00" in brut:
        ligne = brut[: brut.index(b"\x00")].count(b"\n") + 1
        raise _echec(nom, "le fichier contient un octet nul : ce n'est pas un fichier texte.",
                     ligne)
    try:
        texte = brut.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        ligne = brut[: exc.start].count(b"\n") + 1
        raise _echec(nom, "le fichier n'est pas encodé en UTF-8 (octet invalide "
                     f"0x{brut[exc.start]:02x}). Enregistrez-le en UTF-8.", ligne) from None
    if not texte.strip():
        raise _echec(nom, "le fichier est vide.")
    return texte


def _positions(noeud: yaml.Node) -> dict[tuple[str, ...], Position]:
    """Map each field path to the (line, column) of its key or item, 1-based."""
    out: dict[tuple[str, ...], Position] = {(): (noeud.start_mark.line + 1, 1)}
    pile: list[tuple[yaml.Node, tuple[str, ...], int]] = [(noeud, (), 0)]
    vus = 0
    while pile:
        n, chemin, prof = pile.pop()
        vus += 1
        if vus > NOEUDS_MAX or prof > PROFONDEUR_MAX:
            raise ValueError("structure trop volumineuse ou trop profonde")
        if isinstance(n, yaml.MappingNode):
            for k, v in n.value:
                cle = str(k.value)
                sous = (*chemin, cle)
                out[sous] = (k.start_mark.line + 1, k.start_mark.column + 1)
                pile.append((v, sous, prof + 1))
        elif isinstance(n, yaml.SequenceNode):
            for i, v in enumerate(n.value):
                sous = (*chemin, str(i))
                out[sous] = (v.start_mark.line + 1, v.start_mark.column + 1)
                pile.append((v, sous, prof + 1))
    return out


def _cles_dupliquees(noeud: yaml.Node) -> Iterator[tuple[str, yaml.Node]]:
    pile = [noeud]
    vus: set[int] = set()
    while pile:
        n = pile.pop()
        if id(n) in vus:
            raise ValueError("le fichier contient une structure récursive (alias vers un parent)")
        vus.add(id(n))
        if len(vus) > NOEUDS_MAX:
            raise ValueError("structure trop volumineuse")
        if isinstance(n, yaml.MappingNode):
            vues: set[str] = set()
            for k, v in n.value:
                if str(k.value) in vues:
                    yield str(k.value), k
                vues.add(str(k.value))
                pile.append(v)
        elif isinstance(n, yaml.SequenceNode):
            pile.extend(n.value)


def _analyser(texte: str, nom: str) -> tuple[Any, dict[tuple[str, ...], Position]]:
    if nom.lower().endswith(".json"):
        try:
            json.loads(texte)
        except json.JSONDecodeError as exc:
            raise _echec(nom, f"JSON invalide : {exc.msg}.", exc.lineno, exc.colno) from None
    lecteur = None
    try:
        _examiner_evenements(texte)
        lecteur = _Chargeur(texte)
        noeud = lecteur.get_single_node()
        if noeud is None:
            raise _echec(nom, "le fichier ne contient aucune donnée.")
        for cle, k in _cles_dupliquees(noeud):
            raise _echec(nom, f"la clé « {cle} » figure deux fois au même niveau.",
                         k.start_mark.line + 1, k.start_mark.column + 1)
        positions = _positions(noeud)
        donnees = lecteur.construct_document(noeud)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        probleme = exc.problem or "syntaxe invalide"
        raise _echec(nom, f"syntaxe YAML invalide : {probleme}.",
                     mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise _echec(nom, f"syntaxe YAML invalide ({exc}).") from None
    except (ValueError, RecursionError) as exc:
        raise _echec(nom, f"fichier refusé : {exc}.") from None
    finally:
        if lecteur is not None:
            lecteur.dispose()
    if not isinstance(donnees, dict):
        genre = "une liste" if isinstance(donnees, list) else "une valeur simple"
        raise _echec(nom, f"le fichier doit décrire un objet (clés « acheteur », « operation », "
                     f"« marche »…), pas {genre}.", 1, 1)
    return donnees, positions


def situer(constats: list[Constat], fichier: str,
           positions: dict[tuple[str, ...], Position]) -> list[Constat]:
    """Give each finding the file, line and column of its path (or of its nearest parent)."""
    out = []
    for c in constats:
        parts = tuple(p for p in c.chemin.split(".") if p)
        pos = None
        while pos is None:
            pos = positions.get(parts)
            if not parts:
                break
            parts = parts[:-1]
        ligne, colonne = pos if pos else (None, None)
        out.append(Constat(c.chemin, c.message, c.gravite, fichier, ligne, colonne))
    return out


def analyser_projet(chemin: str | Path) -> tuple[Consultation | None, Resultat]:
    """Read, validate and check a project file; return the model (None if invalid) and findings.

    Raises ``ProjetInvalide`` only when the file cannot be read or parsed at all.
    """
    chemin = Path(chemin)
    nom = str(chemin)
    donnees, positions = _analyser(_lire_texte(chemin), nom)
    try:
        projet = Consultation.model_validate(donnees)
    except ValidationError as exc:
        constats = [message_pydantic(err) for err in exc.errors(include_url=False)]
        return None, Resultat(situer(constats, nom, positions))
    from .annexes import verifier_annexes  # files next to the project file

    constats = verifier_annexes(projet, chemin.parent) + valider(projet)
    return projet, Resultat(situer(constats, nom, positions))


def load_project(chemin: str | Path) -> Consultation:
    """Load and validate a project file; raise ``ProjetInvalide`` (French) on any error."""
    projet, resultat = analyser_projet(chemin)
    if projet is None or resultat.erreurs:
        raise ProjetInvalide(constats=resultat.constats, fichier=str(chemin))
    return projet


def lire_donnees(chemin: str | Path) -> tuple[Any, dict[tuple[str, ...], Position]]:
    """Read and parse a YAML or JSON file (same limits and messages as a project file);
    return the data and the position of each field path. Used by the offers file too."""
    chemin = Path(chemin)
    return _analyser(_lire_texte(chemin), str(chemin))
