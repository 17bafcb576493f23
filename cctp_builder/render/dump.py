"""A readable text dump of a template or a rendered document, in the authoring markup
(headings with #, bullets with -, tables with |), so that ``build_fragment`` and
``docx_to_text`` round-trip."""

from __future__ import annotations

import re
from pathlib import Path

from lxml import etree

from . import house
from .markup import tokens
from .ooxml import DOCUMENT_PART, parse, style_of, w
from .package import read_docx

PREFIX = {
    house.TITRES[0]: "# ", house.TITRES[1]: "## ", house.TITRES[2]: "### ",
    house.PUCE1: "- ", house.PUCE2: "-- ", house.NUMERO: "1. ", house.ENCADRE: "> ",
    house.TITRE_DOC: "::titre ", house.SOUS_TITRE_DOC: "::sous-titre ",
    house.CENTRE: "::centre ",
    **{alias: "#" * int(alias[-1]) + " " for alias in ("Heading1", "Heading2", "Heading3")},
}
_MARKUP_START = re.compile(r"^(#|-|>|::|\||\\|\d+\.\s|\{%tr)")


def _on(rpr: etree._Element | None, tag: str) -> bool:
    if rpr is None:
        return False
    el = rpr.find(w(tag))
    return el is not None and el.get(w("val"), "true") not in ("0", "false", "off")


def _escape_stars(text: str) -> str:
    return "".join(t if is_tag else t.replace("*", "\\*") for is_tag, t in tokens(text))


def inline_text(p: etree._Element, *, plain_bold: bool = False) -> str:
    """The paragraph's text with ``**``/``*`` around bold/italic runs."""
    spans: list[list] = []
    for r in p.iter(w("r")):
        rpr = r.find(w("rPr"))
        bold = _on(rpr, "b") and not plain_bold and rpr.find(w("highlight")) is None
        italic = _on(rpr, "i")
        text = "".join((c.text or "") if c.tag == w("t") else "\t" if c.tag == w("tab")
                       else " " if c.tag == w("br") and c.get(w("type")) != "page" else ""
                       for c in r)
        if not text:
            continue
        if spans and spans[-1][1:] == [bold, italic]:
            spans[-1][0] += text
        else:
            spans.append([text, bold, italic])
    out = []
    for text, bold, italic in spans:
        mark = ("**" if bold else "") + ("*" if italic else "")
        core = _escape_stars(text)
        if mark and core.strip():
            lead, trail = core[: len(core) - len(core.lstrip())], core[len(core.rstrip()):]
            out.append(f"{lead}{mark}{core.strip()}{mark[::-1]}{trail}")
        else:
            out.append(core)
    return "".join(out)


def _has_toc(p: etree._Element) -> bool:
    return any(re.match(r"\s*TOC\b", i.text or "") for i in p.iter(w("instrText")))


def _is_page_break(p: etree._Element) -> bool:
    brs = [b for b in p.iter(w("br")) if b.get(w("type")) == "page"]
    return bool(brs) and not "".join(t.text or "" for t in p.iter(w("t"))).strip()


def _paragraph(p: etree._Element) -> str | None:
    if _is_page_break(p):
        return "::saut"
    text = inline_text(p)
    prefix = PREFIX.get(style_of(p) or "")
    if prefix:
        return prefix + text
    if not text.strip():
        return None
    if _MARKUP_START.match(text) and not text.startswith("{%p "):
        return "\\" + text
    return text


def _table(tbl: etree._Element) -> list[str]:
    rows = []
    for i, tr in enumerate(tbl.iterchildren(w("tr"))):
        cells = []
        for tc in tr.iterchildren(w("tc")):
            paras = [inline_text(p, plain_bold=(i == 0)) for p in tc.iterchildren(w("p"))]
            text = " / ".join(x for x in paras if x)
            cells.append("".join(t if tag else t.replace("|", "\\|") for tag, t in tokens(text)))
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _skip_field(items: list[etree._Element], start: int) -> int:
    """Index of the paragraph holding the end of the field begun in ``items[start]``."""
    depth = 0
    for k in range(start, len(items)):
        for fc in items[k].iter(w("fldChar")):
            kind = fc.get(w("fldCharType"))
            depth += 1 if kind == "begin" else -1 if kind == "end" else 0
            if depth == 0:
                return k
    return len(items) - 1


def body_to_lines(body: etree._Element) -> list[str]:
    lines: list[str] = []
    items = [c for c in body if c.tag in (w("p"), w("tbl"), w("sdt"))]
    flat: list[etree._Element] = []
    for c in items:  # a Word TOC sits in a content control: look inside it
        flat.extend(c.find(w("sdtContent")) if c.tag == w("sdt") and
                    c.find(w("sdtContent")) is not None else [c])
    k = 0
    while k < len(flat):
        el = flat[k]
        if el.tag == w("tbl"):
            lines.extend(_table(el))
        elif el.tag == w("p"):
            if _has_toc(el):
                lines.append("::sommaire")
                k = _skip_field(flat, k)
            elif style_of(el) != house.TITRE_SOMMAIRE or k + 1 >= len(flat) or not _has_toc(
                    flat[k + 1]):
                line = _paragraph(el)
                if line is not None:
                    lines.append(line)
        k += 1
    return lines


def docx_to_text(source: bytes | str | Path) -> str:
    """Readable dump of a template or document (markup syntax, one paragraph a line)."""
    data = Path(source) if isinstance(source, (str, Path)) else source
    members = read_docx(data)
    root = parse(members[DOCUMENT_PART])
    body = root.find(w("body"))
    return "\n".join(body_to_lines(body)) + "\n"


__all__ = ["body_to_lines", "docx_to_text", "inline_text"]
