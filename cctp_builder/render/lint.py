"""Static checks of a folder of Word templates, located by file and paragraph (§N)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from pathlib import Path

from jinja2 import TemplateSyntaxError, meta, nodes
from lxml import etree

from ..errors import Constat, ModeleInvalide
from ..models.base import modele_du_champ
from .compiler import alias_styles, body_of, clean_body, inner_xml, patch, relink
from .diagnostics import message_fr
from .environment import shared_environment
from .markup import JINJA_TAG
from .ooxml import (
    DOCUMENT_PART,
    DOCUMENT_RELS,
    REL_FOOTER,
    REL_HEADER,
    STYLES_PART,
    XML_NS,
    paragraph_text,
    parse,
    w,
)
from .package import read_docx

_SENTINEL = re.compile(r"\{#§(\d+)#\}")
_LEVEL = re.compile(r"^(\{[%{])(?:p|tr|tc|r)\s")
_QUOTES = str.maketrans({"“": '"', "”": '"', "‘": "'", "’": "'"})


def base_style_ids(source: bytes | Path | None = None) -> set[str]:
    """The style ids defined by a base .docx (default: the built-in ``base.docx``)."""
    if source is None:
        from .engine import builtin_templates_dir

        source = builtin_templates_dir() / "base.docx"
    members = read_docx(source, modele="base")
    if STYLES_PART not in members:
        return set()
    return {s.get(w("styleId")) for s in parse(members[STYLES_PART]).iter(w("style"))}


def lint_templates(directory: Path, noms_connus: set[str],
                   styles_base: set[str] | None = None,
                   types_connus: Mapping[str, type] | None = None) -> list[Constat]:
    """Every finding on the .docx templates under ``directory`` (sorted by file).

    ``types_connus`` maps context names to their pydantic model class, so that an attribute
    that does not exist (``acheteur.contact.mail``) is reported too."""
    directory = Path(directory)
    known = set(noms_connus) | set(shared_environment().globals) | {"loop"}
    found: list[Constat] = []
    fichiers = [p for p in sorted(directory.rglob("*.docx"))
                if not p.name.startswith(("~$", "."))]
    if not fichiers:
        return [Constat(chemin=str(directory), message="aucun modèle .docx dans ce dossier "
                        "(attendu : les sous-dossiers rc/, cctp/, etudes/… de « templates "
                        "export »)", fichier=str(directory))]
    for path in fichiers:
        rel = path.relative_to(directory).as_posix()
        found.extend(_lint_file(path, rel, known, styles_base, types_connus or {}))
    return found


class _File:
    def __init__(self, path: Path, rel: str) -> None:
        self.path, self.rel = path, rel
        self.found: list[Constat] = []

    def add(self, n: int | None, message: str, gravite: str = "erreur") -> None:
        chemin = f"{self.rel} §{n}" if n else self.rel
        self.found.append(Constat(chemin=chemin, message=message, gravite=gravite,  # type: ignore[arg-type]
                                  fichier=str(self.path), ligne=n))


def _lint_file(path: Path, rel: str, known: set[str], styles_base: set[str] | None,
               types_connus: Mapping[str, type]) -> list[Constat]:
    f = _File(path, rel)
    name = rel[:-5]
    try:
        members = read_docx(path)
        body, _ = body_of(members[DOCUMENT_PART], None)
    except ModeleInvalide as exc:
        f.add(None, f"fichier .docx invalide : {exc}")
        return f.found
    clean_body(body)
    alias_styles(body, frozenset(styles_base or ()))
    try:
        relink(body, members, name)
    except ModeleInvalide as exc:
        f.add(None, str(exc).split(" : ", 1)[-1])
    paragraphs = list(body.iter(w("p")))
    texts = [paragraph_text(p).translate(_QUOTES) for p in paragraphs]
    if body.find(f".//{w('ins')}") is not None or body.find(f".//{w('del')}") is not None:
        f.add(None, "le modèle contient des modifications suivies (révisions) : les accepter "
                    "ou les refuser avant de l'utiliser", "avertissement")
    plain = patch(inner_xml(body)[0])
    _check_tags(f, texts, plain)
    source = _with_sentinels(body, paragraphs)
    _check_jinja(f, source, texts, known, types_connus)
    if styles_base is not None:
        _check_styles(f, paragraphs, body, styles_base)
    if name == "base":
        _check_parts(f, members, known)
    return f.found


def _with_sentinels(body: etree._Element, paragraphs: list[etree._Element]) -> str:
    """The patched body with a jinja comment {#§N#} opening paragraph N (for line → §)."""
    for n, p in enumerate(paragraphs, start=1):
        t = p.find(f".//{w('t')}")
        if t is not None:
            t.text = f"{{#§{n}#}}" + (t.text or "")
            t.set(f"{{{XML_NS}}}space", "preserve")
    return patch(inner_xml(body)[0])


def _paragraph_of_line(source: str, lineno: int | None) -> int | None:
    if not lineno:
        return None
    lines = source.splitlines()
    for k in range(min(lineno, len(lines)) - 1, -1, -1):
        found = _SENTINEL.findall(lines[k])
        if found:
            return int(found[-1]) + (0 if k == lineno - 1 else 1)
    return 1


def _excerpt(texts: list[str], n: int | None) -> str:
    if not n or n > len(texts):
        return ""
    text = " ".join(texts[n - 1].split())
    return f" — « {text[:120]}{'…' if len(text) > 120 else ''} »"


def _check_tags(f: _File, texts: list[str], patched: str) -> None:
    """Tags split across runs that docxtpl cannot mend, tags over two paragraphs, two {%p."""
    for n, text in enumerate(texts, start=1):
        for tag in JINJA_TAG.findall(text):
            norm = _LEVEL.sub(r"\1 ", tag)
            if norm not in patched and tag not in patched:
                f.add(n, f"la balise « {tag} » est coupée dans le fichier Word (mise en forme "
                         "ou révision au milieu) et ne sera pas reconnue : la retaper d'un seul "
                         f"tenant{_excerpt(texts, n)}")
        rest = JINJA_TAG.sub("", text)
        if "{{" in rest or "{%" in rest:
            f.add(n, "balise ouverte dans ce paragraphe mais fermée ailleurs (une balise doit "
                     f"tenir dans un seul paragraphe){_excerpt(texts, n)}")
        if len(re.findall(r"\{%p\s", text)) > 1:
            f.add(n, "une seule balise {%p … %} est permise par paragraphe"
                     f"{_excerpt(texts, n)}")


def _check_jinja(f: _File, source: str, texts: list[str], known: set[str],
                 types_connus: Mapping[str, type]) -> None:
    env = shared_environment()
    try:
        ast = env.parse(source)
    except TemplateSyntaxError as exc:
        n = _paragraph_of_line(source, exc.lineno)
        f.add(n, f"{message_fr(exc)}{_excerpt(texts, n)}")
        return
    for chaine, message in _attributs_douteux(ast, types_connus):
        n = next((k for k, t in enumerate(texts, start=1)
                  if any(chaine in tag for tag in JINJA_TAG.findall(t))), None)
        f.add(n, f"{message}{_excerpt(texts, n)}")
    for var in sorted(meta.find_undeclared_variables(ast) - known - _assigned(ast)):
        pattern = re.compile(rf"(?<![\w.]){re.escape(var)}\b")
        n = next((k for k, t in enumerate(texts, start=1)
                  if any(pattern.search(tag) for tag in JINJA_TAG.findall(t))), None)
        f.add(n, f"variable inconnue « {var} » (absente du contexte des modèles)"
                 f"{_excerpt(texts, n)}")


def _attributs_douteux(ast: nodes.Template,
                       types_connus: Mapping[str, type]) -> list[tuple[str, str]]:
    """(« a.b.c », message) for each attribute that is private (refused by the sandbox) or
    absent from the model class of its context name."""
    out: list[tuple[str, str]] = []
    for noeud in ast.find_all(nodes.Getattr):
        chaine: list[str] = []
        cible: nodes.Node = noeud
        while isinstance(cible, nodes.Getattr):
            chaine.insert(0, cible.attr)
            cible = cible.node
        if not isinstance(cible, nodes.Name):
            continue
        texte = ".".join([cible.name, *chaine])
        if any(a.startswith("_") for a in chaine):
            out.append((texte, f"attribut interdit « {texte} » : les modèles n'ont pas accès "
                               "aux attributs internes de Python (bac à sable)"))
            continue
        classe = types_connus.get(cible.name)
        for i, attr in enumerate(chaine):
            if classe is None:
                break
            if attr not in getattr(classe, "model_fields", {}) and not hasattr(classe, attr):
                connus = sorted(getattr(classe, "model_fields", {}))
                out.append((texte, f"« {'.'.join([cible.name, *chaine[:i + 1]])} » n'existe "
                                   f"pas (champs de « {'.'.join([cible.name, *chaine[:i]])} » : "
                                   f"{', '.join(connus)})"))
                break
            classe = modele_du_champ(classe, attr)
    uniques: dict[str, tuple[str, str]] = {}
    for chaine_, message in out:  # a.b.c and its inner a.b give the same message once
        uniques.setdefault(message, (chaine_, message))
    return list(uniques.values())


def _assigned(ast: nodes.Template) -> set[str]:
    """Names the template assigns anywhere ({% set %}, loop targets, macros…). Jinja's own
    analysis reports a name set inside an {% if %} as undeclared: not an error here."""
    names = {n.name for n in ast.find_all(nodes.Name) if n.ctx in ("store", "param")}
    names |= {m.name for m in ast.find_all(nodes.Macro)}
    return names


def _check_styles(f: _File, paragraphs: list[etree._Element], body: etree._Element,
                  styles_base: set[str]) -> None:
    index = {id(p): n for n, p in enumerate(paragraphs, start=1)}
    reported: set[tuple[str, int | None]] = set()
    for el in body.iter(w("pStyle"), w("rStyle"), w("tblStyle")):
        sid = el.get(w("val"))
        if sid in styles_base:
            continue
        p = next((a for a in el.iterancestors(w("p"))), None)
        n = index.get(id(p)) if p is not None else None
        kind = {"pStyle": "paragraphe", "rStyle": "caractère", "tblStyle": "tableau"}[
            etree.QName(el).localname]
        if (sid, n) not in reported:
            reported.add((sid, n))
            f.add(n, f"style de {kind} « {sid} » absent du modèle de base (la mise en forme "
                     "sera perdue)", "avertissement")


def _check_parts(f: _File, members: dict[str, bytes], known: set[str]) -> None:
    env = shared_environment()
    for rel in parse(members[DOCUMENT_RELS]) if DOCUMENT_RELS in members else []:
        if rel.get("Type") not in (REL_HEADER, REL_FOOTER):
            continue
        part = "word/" + rel.get("Target").lstrip("/")
        label = "en-tête" if rel.get("Type") == REL_HEADER else "pied de page"
        source = patch(etree.tostring(parse(members[part]), encoding="unicode"))
        try:
            ast = env.parse(source)
            unknown = meta.find_undeclared_variables(ast) - known - _assigned(ast)
        except TemplateSyntaxError as exc:
            f.add(None, f"{label} : {message_fr(exc)}")
            continue
        for var in sorted(unknown):
            f.add(None, f"{label} : variable inconnue « {var} »")


__all__ = ["base_style_ids", "lint_templates"]
