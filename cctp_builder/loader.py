"""Load a project file (YAML or JSON) into the model, with located French messages.

Every failure becomes a ``ProjetInvalide`` carrying ``Constat`` objects that name the file,
the line, the column and the field path; nothing here ever lets a traceback through.
"""

from __future__ import annotations

import json
import re
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import yaml
from pydantic import ValidationError

from .analysis import AnalyseProjet, Source, analyse_connue, analyser, empreinte_modele
from .errors import Constat, ProjetInvalide, Resultat
from .messages import message_pydantic
from .models import Consultation

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


def _lire(chemin: Path) -> tuple[bytes, str]:
    """The file's bytes (read once) and their text, or a located French error."""
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
    return brut, texte


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
    """Keys written twice in one mapping; a node reached again from inside itself (an alias
    to a parent) is a recursive structure and refused. A node reused by an alias elsewhere
    (``cotech: *instance``) is fine: it is checked once."""
    pile: list[tuple[yaml.Node, bool]] = [(noeud, False)]
    en_cours: set[int] = set()
    faits: set[int] = set()
    while pile:
        n, sortie = pile.pop()
        if sortie:
            en_cours.discard(id(n))
            faits.add(id(n))
            continue
        if id(n) in en_cours:
            raise ValueError("le fichier contient une structure récursive (alias vers un parent)")
        if id(n) in faits:
            continue
        if len(faits) > NOEUDS_MAX:
            raise ValueError("structure trop volumineuse")
        if isinstance(n, (yaml.MappingNode, yaml.SequenceNode)):
            en_cours.add(id(n))
            pile.append((n, True))
        else:
            faits.add(id(n))
        if isinstance(n, yaml.MappingNode):
            vues: set[str] = set()
            for k, v in n.value:
                if str(k.value) in vues:
                    yield str(k.value), k
                vues.add(str(k.value))
                pile.append((v, False))
        elif isinstance(n, yaml.SequenceNode):
            pile.extend((v, False) for v in n.value)


# PyYAML's (and libyaml's) problems, in French; an unknown one gets a generic sentence.
_PROBLEMES_YAML: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"mapping values are not allowed"), "« : » inattendu ici (une valeur qui "
     "contient « : » s'écrit entre guillemets)"),
    (re.compile(r"could not find expected ':'"), "« : » attendu après la clé"),
    (re.compile(r"tab|'\\t'"), "tabulation interdite : indentez avec des espaces"),
    (re.compile(r"found character that cannot start any token"),
     "caractère inattendu en début de valeur (une tabulation ? indentez avec des espaces ; "
     "sinon, mettez la valeur entre guillemets)"),
    (re.compile(r"invalid Unicode character escape"),
     "séquence \\u invalide (caractère isolé ou interdit)"),
    (re.compile(r"found character '(.+?)' that cannot start any token"),
     "caractère « {0} » inattendu en début de valeur (mettre la valeur entre guillemets)"),
    (re.compile(r"did not find expected key"), "clé attendue (indentation incohérente ?)"),
    (re.compile(r"did not find expected '-' indicator"),
     "« - » attendu (élément de liste mal indenté)"),
    (re.compile(r"found undefined alias '?([^']*)'?"), "alias « *{0} » non défini"),
    (re.compile(r"found undefined alias"), "alias non défini"),
    (re.compile(r"duplicate anchor"), "ancre « & » définie deux fois"),
    (re.compile(r"unexpected end of stream|end of stream"),
     "fin de fichier inattendue (guillemet, crochet ou accolade non fermé ?)"),
    (re.compile(r"unknown escape character"), "séquence d'échappement inconnue dans un texte "
     "entre guillemets (écrire \\\\ pour une barre oblique inverse)"),
    (re.compile(r"expected ',' or '\]'"), "« , » ou « ] » attendu dans la liste"),
    (re.compile(r"expected ',' or '\}'"), "« , » ou « } » attendu dans l'objet"),
    (re.compile(r"expected <block end>"), "indentation incohérente"),
    (re.compile(r"did not find expected node content"), "valeur attendue"),
    (re.compile(r"expected alphabetic or numeric character"),
     "lettre ou chiffre attendu (nom d'ancre ou d'alias)"),
    (re.compile(r"but found another document|expected a single document"),
     "un seul document YAML est attendu (« --- » en trop)"),
    (re.compile(r"unacceptable character|special characters are not allowed"),
     "caractère interdit dans un fichier YAML"),
    (re.compile(r"could not determine a constructor for the tag '?([^']*)'?"),
     "étiquette YAML « {0} » non prise en charge"),
    (re.compile(r"did not find expected comment or line break"),
     "fin de ligne attendue (texte en trop après la valeur)"),
    (re.compile(r"found unexpected ':'"), "« : » inattendu"),
    (re.compile(r"did not find expected"), "élément attendu absent (indentation, guillemet "
     "ou crochet ?)"),
    (re.compile(r"found unexpected"), "élément inattendu"),
]


def probleme_yaml_fr(probleme: str | None) -> str:
    """A French sentence for a PyYAML problem string (its English is never shown)."""
    if not probleme:
        return "syntaxe invalide"
    for motif, francais in _PROBLEMES_YAML:
        m = motif.search(probleme)
        if m:
            return francais.format(*m.groups()) if m.groups() else francais
    if not any(c.isascii() and c.isalpha() for c in probleme.replace("imbrication", "")) or (
            "«" in probleme):
        return probleme  # already French (our own checks)
    return "syntaxe invalide"


_PAIRE_SUBSTITUTION = re.compile(r"(?<!\\)((?:\\\\)*)\\u(d[89ab][0-9a-f]{2})\\u(d[c-f][0-9a-f]{2})",
                                 re.I)


def _paires_json(texte: str) -> str:
    """Decode JSON surrogate-pair escapes (``\\ud83d\\ude00``, as ``json.dumps`` writes them),
    which the YAML reader refuses, into the character itself."""
    if "\\u" not in texte:
        return texte

    def car(m: re.Match[str]) -> str:
        haut, bas = int(m.group(2), 16), int(m.group(3), 16)
        return m.group(1) + chr(0x10000 + ((haut - 0xD800) << 10) + (bas - 0xDC00))

    return _PAIRE_SUBSTITUTION.sub(car, texte)


_JSON_FR = {
    "Expecting value": "valeur attendue",
    "Expecting property name enclosed in double quotes": "nom de clé entre guillemets attendu",
    "Expecting ',' delimiter": "« , » attendu",
    "Expecting ':' delimiter": "« : » attendu",
    "Unterminated string starting at": "texte non fermé (guillemet manquant)",
    "Invalid control character at": "caractère de contrôle dans un texte",
    "Invalid \\escape": "séquence d'échappement invalide",
    "Extra data": "données en trop après la fin de l'objet",
    "Illegal trailing comma before end of object": "virgule en trop avant « } »",
    "Illegal trailing comma before end of array": "virgule en trop avant « ] »",
}


def _json_fr(message: str) -> str:
    for anglais, francais in _JSON_FR.items():
        if message.startswith(anglais):
            return francais
    return "syntaxe invalide"


_SUBSTITUT_ISOLE = re.compile(r"(?<!\\)(?:\\\\)*(\\u(d[89a-f][0-9a-f]{2}))", re.I)


def _json(texte: str, nom: str) -> Any:
    """The values of a JSON file, parsed as JSON (``1e5`` is a number, not YAML 1.1's
    string); a key given twice is refused, as in YAML."""

    def sans_doublon(paires: list[tuple[str, Any]]) -> dict[str, Any]:
        vues: dict[str, Any] = {}
        for cle, valeur in paires:
            if cle in vues:
                raise _echec(nom, f"la clé « {cle} » figure deux fois au même niveau.")
            vues[cle] = valeur
        return vues

    decode = _paires_json(texte)
    isole = _SUBSTITUT_ISOLE.search(decode)
    if isole is not None:  # json accepts a lone surrogate escape; no text can hold it
        avant = decode[:isole.start(1)]
        raise _echec(nom, "JSON invalide : séquence \\u invalide (caractère isolé ou "
                     "interdit).", avant.count("\n") + 1, len(avant) - avant.rfind("\n"))
    try:
        return json.loads(texte, object_pairs_hook=sans_doublon)
    except json.JSONDecodeError as exc:
        raise _echec(nom, f"JSON invalide : {_json_fr(exc.msg)}.", exc.lineno,
                     exc.colno) from None
    except RecursionError:
        raise _echec(nom, "fichier refusé : imbrication trop profonde.") from None


# Characters JSON allows in a string and the YAML reader refuses (DEL, C1 controls…) or reads
# as a line break (NEL, U+2028, U+2029): blanked, one for one, in the copy of the text that
# only gives positions.
_NON_IMPRIMABLE_YAML = re.compile("[^\x09\x0a\x0d\x20-\x7e\xa0-\u2027\u202a-\ud7ff"
                                  "\ue000-\ufffd\U00010000-\U0010ffff]")


def _analyser(texte: str, nom: str) -> tuple[Any, dict[tuple[str, ...], Position]]:
    if nom.lower().endswith(".json"):
        donnees = _json(texte, nom)
        try:  # JSON is (nearly) YAML: its node tree gives the lines and columns
            pour_positions = _NON_IMPRIMABLE_YAML.sub(" ", _paires_json(texte))
            _, positions = _analyser_yaml(pour_positions, nom)
        except ProjetInvalide:
            positions = {}
        if not isinstance(donnees, dict):
            raise _echec(nom, "le fichier doit décrire un objet (clés « acheteur », "
                         "« operation », « marche »…).", 1, 1)
        return donnees, positions
    return _analyser_yaml(texte, nom)


def _analyser_yaml(texte: str, nom: str) -> tuple[Any, dict[tuple[str, ...], Position]]:
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
        probleme = probleme_yaml_fr(exc.problem)
        raise _echec(nom, f"syntaxe YAML invalide : {probleme}.",
                     mark.line + 1 if mark else None, mark.column + 1 if mark else None) from None
    except yaml.YAMLError as exc:
        raise _echec(nom, f"syntaxe YAML invalide : {probleme_yaml_fr(str(exc))}.") from None
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


def analyser_fichier(chemin: str | Path) -> AnalyseProjet:
    """Read a project file once, validate it, resolve, decide and check it once: the
    immutable analysis every later step reads (see :mod:`cctp_builder.analysis`).

    Raises ``ProjetInvalide`` only when the file cannot be read or parsed at all; otherwise
    the findings are in ``resultat`` (and ``projet`` is None when the model does not validate).
    """
    chemin = Path(chemin)
    octets, texte = _lire(chemin)
    return _analyser_texte(octets, texte, str(chemin), dossier=chemin.parent)


def _analyser_texte(octets: bytes, texte: str, nom: str,
                    dossier: Path | None = None) -> AnalyseProjet:
    donnees, positions = _analyser(texte, nom)
    source = Source(nom, octets)
    try:
        projet = Consultation.model_validate(donnees)
    except ValidationError as exc:
        constats = [message_pydantic(err) for err in exc.errors(include_url=False)]
        return AnalyseProjet(projet=None, resultat=Resultat(situer(constats, nom, positions)),
                             source=source)
    from .annexes import verifier_annexes  # files next to the project file

    annexes = verifier_annexes(projet, dossier) if dossier is not None else []
    return analyser(projet, source=source, supplementaires=annexes,
                    situer=lambda constats: situer(constats, nom, positions))


def analyser_projet(chemin: str | Path) -> tuple[Consultation | None, Resultat]:
    """Read, validate and check a project file; return the model (None if invalid) and findings.

    Raises ``ProjetInvalide`` only when the file cannot be read or parsed at all.
    """
    analyse = analyser_fichier(chemin)
    return analyse.projet, analyse.resultat


def charger_texte(texte: str, nom: str = "<projet>") -> Consultation:
    """Load and validate a project from its YAML or JSON text (``nom`` names it in messages)."""
    analyse = _analyser_texte(texte.encode("utf-8"), texte, nom)
    if analyse.projet is None or not analyse.resultat.valide:
        raise ProjetInvalide(constats=analyse.resultat.constats, fichier=nom)
    return analyse.projet


def revalider(projet: object) -> AnalyseProjet:
    """The project validated again from its data, for the library API, and its analysis.

    A ``Consultation`` changed after validation (``object.__setattr__``, ``model_copy``
    with ``update``, ``model_construct``) is checked again by the model and by the
    cross-field checks; a dict is validated; anything else is refused. Raises
    ``ProjetInvalide`` (French messages) when the data does not validate. A model whose data
    is still the one its analysis was made from keeps that analysis (nothing is resolved or
    decided twice); any other gets a new one."""
    connue: AnalyseProjet | None = None
    if isinstance(projet, AnalyseProjet):
        if projet.projet is None:
            raise ProjetInvalide(constats=projet.resultat.constats,
                                 fichier=projet.source.nom if projet.source else None)
        connue, projet = projet, projet.projet
    if isinstance(projet, Consultation):
        connue = connue or analyse_connue(projet)
        try:
            with warnings.catch_warnings():  # a mutated field warns; validation reports it
                warnings.simplefilter("ignore")
                donnees: Any = projet.model_dump(mode="python", round_trip=True)
        except Exception as exc:  # noqa: BLE001 - a model broken by hand
            raise ProjetInvalide(f"projet illisible ({type(exc).__name__})") from None
    elif isinstance(projet, dict):
        donnees = projet
    else:
        raise ProjetInvalide(f"un projet (Consultation, ou dict de ses données) est attendu, "
                             f"pas {type(projet).__name__} ; utilisez load_project().")
    try:
        nouveau = Consultation.model_validate(donnees)
    except ValidationError as exc:
        raise ProjetInvalide(constats=[message_pydantic(err)
                                       for err in exc.errors(include_url=False)]) from None
    if connue is not None and connue.empreinte_modele == empreinte_modele(nouveau):
        analyse = connue
    else:
        analyse = analyser(nouveau)  # no source: the data is no longer the file's
    if analyse.resultat.erreurs:
        raise ProjetInvalide(constats=analyse.resultat.erreurs)
    return analyse


def load_project(chemin: str | Path) -> Consultation:
    """Load and validate a project file; raise ``ProjetInvalide`` (French) on any error.

    The file is read once: its analysis (bytes and hash, resolution, decision, findings) stays
    reachable from the returned model (``analysis.analyse_de``), so ``build_kit`` neither
    resolves nor decides again, and its manifest hashes the bytes that were validated.
    """
    analyse = analyser_fichier(chemin)
    if analyse.projet is None or not analyse.resultat.valide:
        raise ProjetInvalide(constats=analyse.resultat.constats, fichier=str(chemin))
    return analyse.projet


def lire_donnees(chemin: str | Path) -> tuple[Any, dict[tuple[str, ...], Position]]:
    """Read and parse a YAML or JSON file (same limits and messages as a project file);
    return the data and the position of each field path. Used by the offers file too."""
    chemin = Path(chemin)
    return _analyser(_lire(chemin)[1], str(chemin))
