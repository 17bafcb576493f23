"""Compile-once preparation of templates: docxtpl's XML patching and jinja compilation are
done once per template file; what the base holds that does not depend on a project is
kept as ready-to-write zip members."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from docxtpl import DocxTemplate
from jinja2 import Template
from lxml import etree

from ..errors import ModeleInvalide
from . import diskcache, house
from .diagnostics import to_modele_invalide
from .environment import shared_environment
from .ooxml import (
    CORE_PART,
    DOCUMENT_PART,
    DOCUMENT_RELS,
    NUMBERING_PART,
    PKG_REL_NS,
    R_NS,
    REL_FOOTER,
    REL_HEADER,
    REL_HYPERLINK,
    SETTINGS_PART,
    STYLES_PART,
    W_NS,
    parse,
    w,
)
from .package import Member, read_docx

_BODY_OPEN = re.compile(r"<w:body(\s[^>]*)?>")
_XMLNS = re.compile(r'xmlns:([\w.-]+)="([^"]*)"')
_IN_TAG = re.compile(r"(?<=\{[\{%])(.*?)(?=[\}%]\})")
_NOISE = (w("proofErr"), w("lastRenderedPageBreak"), w("commentRangeStart"),
          w("commentRangeEnd"))


@dataclass
class CompiledFragment:
    """A fragment ready to render: its patched body compiled once."""

    name: str
    path: Path
    template: Template
    source: str
    filename: str
    namespaces: dict[str, str]
    hyperlinks: tuple[tuple[str, str], ...] = ()
    has_tc: bool = False


def patch(xml: str) -> str:
    """docxtpl's tag mending (pinned docxtpl==0.20.2), then entity clean-up inside tags
    and one paragraph (or block tag) a line, so that jinja line numbers point at a
    paragraph. ``render_body`` removes these newlines: in the output a newline followed
    by "<" can only come from here, since values are escaped."""
    xml = DocxTemplate.patch_xml(None, xml)
    xml = _IN_TAG.sub(lambda m: m.group(0).replace("&amp;", "&").replace("&quot;", '"')
                      .replace("&apos;", "'"), xml)
    xml = re.sub(r"(</w:(?:p|tr|tbl)>)(\{%)", "\\1\n\\2", xml)
    return re.sub(r"<w:p([ >])", "\n<w:p\\1", xml)


def compile_source(source: str, name: str) -> tuple[Template, str]:
    template, filename, _ = _compile_code(source, name)
    return template, filename


def _compile_code(source: str, name: str,
                  sandbox: bool = True) -> tuple[Template, str, object]:
    env = shared_environment(sandbox)
    filename = f"<modèle {name}>"
    try:
        code = env.compile(source, name=name, filename=filename)
    except Exception as exc:  # TemplateSyntaxError and friends
        raise to_modele_invalide(exc, modele=name, source=source, filename=filename) from exc
    return env.template_class.from_code(env, code, env.make_globals(None)), filename, code


def clean_body(body: etree._Element) -> None:
    """Drop Word's editing noise (rsids, proofing marks, comments, the header references of
    inner sections, which point into the fragment's own package) and merge runs it split."""
    etree.strip_elements(body, *_NOISE, with_tail=False)
    for ref in list(body.iter(w("commentReference"))):
        run = ref.getparent()
        if run.tag == w("r"):
            run.getparent().remove(run)
        else:
            run.remove(ref)
    for sect in body.iter(w("sectPr")):
        for ref in sect.findall(w("headerReference")) + sect.findall(w("footerReference")):
            sect.remove(ref)
    for el in body.iter():
        for attr in [a for a in el.attrib if "}rsid" in a or a.endswith(("}paraId", "}textId"))]:
            del el.attrib[attr]
    for bm in body.iter(w("bookmarkStart")):
        if bm.get(w("name")) == "_GoBack":
            for end in body.iter(w("bookmarkEnd")):
                if end.get(w("id")) == bm.get(w("id")):
                    end.getparent().remove(end)
                    break
            bm.getparent().remove(bm)
            break
    _merge_runs(body)


def _rpr_key(rpr: etree._Element | None) -> bytes:
    return b"" if rpr is None else etree.tostring(rpr)


def _simple_run(r: etree._Element) -> bool:
    return all(c.tag in (w("rPr"), w("t")) for c in r)


def _merge_runs(body: etree._Element) -> None:
    for r in list(body.iter(w("r"))):
        prev = r.getprevious()
        if (prev is None or prev.tag != w("r") or not _simple_run(r)
                or not _simple_run(prev) or r.getparent() is None):
            continue
        rpr1, rpr2 = prev.find(w("rPr")), r.find(w("rPr"))
        t1, t2 = prev.findall(w("t")), r.findall(w("t"))
        if _rpr_key(rpr1) != _rpr_key(rpr2) or len(t1) != 1 or len(t2) != 1:
            continue
        t1[0].text = (t1[0].text or "") + (t2[0].text or "")
        t1[0].set("{http://www.w3.org/XML/1998/namespace}space", "preserve")
        r.getparent().remove(r)


def alias_styles(body: etree._Element, style_ids: frozenset[str]) -> None:
    """Map the ids other tools give to the house styles (Heading1 → Titre1…)."""
    for el in body.iter(w("pStyle"), w("rStyle"), w("tblStyle")):
        val = el.get(w("val"))
        target = house.STYLE_ALIASES.get(val or "")
        if target and val not in style_ids and target in style_ids:
            el.set(w("val"), target)


def relink(body: etree._Element, members: dict[str, bytes], name: str) -> list[tuple[str, str]]:
    """Keep external hyperlinks (renamed relationship ids); refuse images and objects."""
    refs = [(el, a) for el in body.iter() for a in el.attrib if a.startswith(f"{{{R_NS}}}")]
    if not refs:
        return []
    rels = {}
    if DOCUMENT_RELS in members:
        for rel in parse(members[DOCUMENT_RELS]):
            rels[rel.get("Id")] = (rel.get("Type"), rel.get("Target"), rel.get("TargetMode"))
    links: dict[str, str] = {}
    slug = re.sub(r"[^A-Za-z0-9]", "", name)[-20:]
    for el, attr in refs:
        rtype, target, mode = rels.get(el.get(attr), (None, None, None))
        if rtype != REL_HYPERLINK or mode != "External" or target is None:
            raise ModeleInvalide(
                "les images, objets et liens internes ne sont pas pris en charge dans un "
                "fragment (seuls les liens hypertextes vers une adresse web le sont)",
                modele=name)
        new_id = links.setdefault(el.get(attr), f"rIdL{slug}{len(links) + 1}")
        el.set(attr, new_id)
    return [(new_id, rels[old][1]) for old, new_id in links.items()]


def body_of(document_xml: bytes, name: str | None) -> tuple[etree._Element, etree._Element | None]:
    try:
        root = parse(document_xml)
    except etree.XMLSyntaxError as exc:
        raise ModeleInvalide(f"XML illisible dans word/document.xml ({exc})", modele=name) from exc
    if root.nsmap.get("w") != W_NS:
        raise ModeleInvalide("document Word inattendu (espace de noms « w » absent)", modele=name)
    body = root.find(w("body"))
    if body is None:
        raise ModeleInvalide("document Word sans corps (w:body absent)", modele=name)
    sect = body[-1] if len(body) and body[-1].tag == w("sectPr") else None
    if sect is not None:
        body.remove(sect)
    return body, sect


def inner_xml(el: etree._Element) -> tuple[str, dict[str, str]]:
    """The serialised children of ``el`` and the namespaces declared on it."""
    xml = etree.tostring(el, encoding="unicode")
    m = _BODY_OPEN.match(xml)
    if m is None or m.group(0).endswith("/>"):  # empty, self-closed element
        return "", dict(_XMLNS.findall(xml))
    return xml[m.end(): xml.rindex("</")], dict(_XMLNS.findall(m.group(1) or ""))


TAILLE_MAX_CACHE = 20 * 1024 * 1024


def compile_fragment(path: Path, name: str, style_ids: frozenset[str], *,
                     sandbox: bool = True) -> CompiledFragment:
    """A compiled fragment, from the on-disk cache when this file version was seen before."""
    if path.stat().st_size > TAILLE_MAX_CACHE:  # let read_docx refuse it with its own message
        return _compile_fragment(path, name, style_ids, sandbox)[0]
    contenu = path.read_bytes()
    k = diskcache.cle(contenu, f"{name}|{'sandbox' if sandbox else 'fourni'}", style_ids)
    entree = diskcache.lire(k)
    if entree is not None:
        env = shared_environment(sandbox)
        template = env.template_class.from_code(env, entree["code"], env.make_globals(None))
        return CompiledFragment(name, path, template, entree["source"], entree["filename"],
                                entree["namespaces"], entree["links"], entree["has_tc"])
    frag, code = _compile_fragment(path, name, style_ids, sandbox)
    diskcache.ecrire(k, {"source": frag.source, "filename": frag.filename,
                         "namespaces": frag.namespaces, "links": frag.hyperlinks,
                         "has_tc": frag.has_tc}, code)
    return frag


def _compile_fragment(path: Path, name: str, style_ids: frozenset[str],
                      sandbox: bool = True) -> tuple[CompiledFragment, object]:
    members = read_docx(path, modele=name)
    body, _ = body_of(members[DOCUMENT_PART], name)
    clean_body(body)
    alias_styles(body, style_ids)
    if body.find(f".//{w('footnoteReference')}") is not None or body.find(
            f".//{w('endnoteReference')}") is not None:
        raise ModeleInvalide("les notes de bas de page et de fin ne sont pas prises en charge "
                             "dans un fragment", modele=name)
    links = relink(body, members, name)
    inner, namespaces = inner_xml(body)
    source = patch(inner)
    template, filename, code = _compile_code(source, name, sandbox)
    return CompiledFragment(name, path, template, source, filename, namespaces,
                            tuple(links), "{%tc" in inner or "{% tc" in inner), code


@dataclass
class CompiledBase:
    """The base package, prepared once: static members pre-compressed, dynamic parts split."""

    name: str
    static: list[Member]
    doc_open: str
    doc_close: str
    namespaces: dict[str, str]
    parts: dict[str, tuple[Template, str, str]]  # part name → (template, source, filename)
    settings: bytes | None
    numbering: str | None
    rels: str
    style_ids: frozenset[str]
    headings: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    numbered: tuple[str, int, int] | None = None  # (style, numId, abstractNumId)
    max_num_id: int = 0
    body: CompiledFragment | None = None
    settings_toc: bytes | None = None


def _resolve(target: str) -> str:
    return str(PurePosixPath("word") / target) if not target.startswith("/") else target[1:]


def compile_base(path: Path, name: str = "base") -> CompiledBase:
    members = read_docx(path, modele=name)
    styles = _styles(members.get(STYLES_PART), name)
    body, sect = body_of(members[DOCUMENT_PART], name)
    root = body.getparent()
    sect_xml = "" if sect is None else etree.tostring(sect, encoding="unicode")
    body_inner, _ = inner_xml(body)
    root_xml = etree.tostring(root, encoding="unicode")
    doc_open = root_xml[: root_xml.index(">") + 1] + "<w:body>"
    rels_xml = members.get(DOCUMENT_RELS, b"").decode("utf-8")
    parts = {}
    for rel in parse(members[DOCUMENT_RELS]) if DOCUMENT_RELS in members else []:
        if rel.get("Type") in (REL_HEADER, REL_FOOTER):
            part = _resolve(rel.get("Target"))
            xml = etree.tostring(parse(members[part]), encoding="unicode")
            source = patch(xml)
            label = f"{name} ({'en-tête' if rel.get('Type') == REL_HEADER else 'pied de page'})"
            tpl, filename = compile_source(source, label)
            parts[part] = (tpl, source, filename)
    dynamic = {DOCUMENT_PART, CORE_PART, SETTINGS_PART, NUMBERING_PART, DOCUMENT_RELS,
               *parts}
    base = CompiledBase(
        name=name,
        static=[Member.of(k, v, 9) for k, v in sorted(members.items()) if k not in dynamic],
        doc_open=doc_open, doc_close=sect_xml + "</w:body></w:document>",
        namespaces=dict(_XMLNS.findall(doc_open)), parts=parts,
        settings=members.get(SETTINGS_PART),
        numbering=members[NUMBERING_PART].decode("utf-8") if NUMBERING_PART in members else None,
        rels=rels_xml or _EMPTY_RELS, style_ids=frozenset(styles))
    _numbering_facts(base, styles, members.get(NUMBERING_PART))
    if body_inner.strip():
        source = patch(body_inner)
        tpl, filename = compile_source(source, name)
        base.body = CompiledFragment(name, path, tpl, source, filename, {})
    return base


_EMPTY_RELS = (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
               f'<Relationships xmlns="{PKG_REL_NS}"></Relationships>')


def _styles(data: bytes | None, name: str) -> dict[str, etree._Element]:
    if data is None:
        return {}
    try:
        root = parse(data)
    except etree.XMLSyntaxError as exc:
        raise ModeleInvalide(f"XML illisible dans word/styles.xml ({exc})", modele=name) from exc
    return {s.get(w("styleId")): s for s in root.iter(w("style"))}


def _numbering_facts(base: CompiledBase, styles: dict[str, etree._Element],
                     numbering: bytes | None) -> None:
    """Heading levels and number formats, and the numbered-list style, from the base."""
    abstract_of: dict[str, str] = {}
    lvl_text: dict[tuple[str, str], str] = {}
    if numbering:
        root = parse(numbering)
        for num in root.iter(w("num")):
            ref = num.find(w("abstractNumId"))
            if ref is not None:
                abstract_of[num.get(w("numId"))] = ref.get(w("val"))
            base.max_num_id = max(base.max_num_id, int(num.get(w("numId"), "0")))
        for ab in root.iter(w("abstractNum")):
            for lvl in ab.iter(w("lvl")):
                fmt, text = lvl.find(w("numFmt")), lvl.find(w("lvlText"))
                if fmt is not None and fmt.get(w("val")) == "decimal" and text is not None:
                    lvl_text[(ab.get(w("abstractNumId")), lvl.get(w("ilvl")))] = text.get(w("val"))
    for sid, style in styles.items():
        ppr = style.find(w("pPr"))
        if ppr is None:
            continue
        outline, num_id = ppr.find(w("outlineLvl")), ppr.find(f"{w('numPr')}/{w('numId')}")
        ilvl = ppr.find(f"{w('numPr')}/{w('ilvl')}")
        level = ilvl.get(w("val")) if ilvl is not None else "0"
        if outline is not None:
            abstract = abstract_of.get(num_id.get(w("val"))) if num_id is not None else None
            base.headings[sid] = (int(outline.get(w("val"))) + 1,
                                  lvl_text.get((abstract, level)) if abstract else None)
    if house.NUMERO in styles and numbering:
        num_id = styles[house.NUMERO].find(f"{w('pPr')}/{w('numPr')}/{w('numId')}")
        if num_id is not None and num_id.get(w("val")) in abstract_of:
            nid = num_id.get(w("val"))
            base.numbered = (house.NUMERO, int(nid), int(abstract_of[nid]))
