"""Post-processing of a rendered part (lxml tree): highlighted markers, line breaks,
pre-filled table of contents, restarted numbered lists, tables emptied by loops."""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass, field
from functools import lru_cache
from xml.sax.saxutils import escape

from lxml import etree

from .filters import MARQUEUR
from .ooxml import (
    PPR_ORDER,
    RPR_ORDER,
    SETTINGS_AFTER_UPDATE_FIELDS,
    W_NS,
    WP_NS,
    insert_before_any,
    make,
    parse,
    set_ordered_child,
    style_of,
    text_run,
    tostring,
    w,
)

MARKER_RE = re.compile(r"\[" + MARQUEUR + r"(?:[ \u00a0]: [^\]]*)?\]")
_SPLIT_RE = re.compile(r"(\[" + MARQUEUR + r"(?:[ \u00a0]: [^\]]*)?\]|\n|\t)")
_NS = {"w": W_NS}
_MARKER_T = etree.XPath(f".//w:t[contains(., '[{MARQUEUR}')]", namespaces=_NS)
_CONTROL = re.compile(r"[\n\t]")
_CONTROL_XML = {"\n": '</w:t><w:br/><w:t xml:space="preserve">',
                "\t": '</w:t><w:tab/><w:t xml:space="preserve">'}
_TOC_LEVELS = re.compile(r'\\o\s+"(\d)-(\d)"')


@dataclass
class Facts:
    """What the base tells the post-processing (see compiler.CompiledBase)."""

    headings: dict[str, tuple[int, str | None]] = field(default_factory=dict)
    toc_styles: tuple[str, ...] = ("TM1", "TM2", "TM3")
    numbered: tuple[str, int, int] | None = None
    next_num_id: int = 1000


@dataclass
class Outcome:
    modified: bool = False
    has_toc: bool = False
    new_nums: list[tuple[int, int]] = field(default_factory=list)  # (numId, abstractNumId)


# --------------------------------------------------------------------------- runs
def text_controls(xml: str) -> str:
    """Line feeds and tabs inside rendered ``w:t`` become ``w:br`` / ``w:tab`` (string
    level, like docxtpl's listing handling, before the tree is parsed). Only the few
    control characters are visited, not every ``w:t``."""
    if "\n" not in xml and "\t" not in xml:
        return xml
    out, pos = [], 0
    for m in _CONTROL.finditer(xml):
        lt = xml.rfind("<", 0, m.start())
        if not xml.startswith(("<w:t>", "<w:t "), lt):
            continue  # whitespace between elements or inside another element's text
        if lt >= pos and not xml.startswith('<w:t xml:space="preserve">', lt):
            out.append(xml[pos:lt])
            out.append('<w:t xml:space="preserve">')
            pos = xml.index(">", lt) + 1
        out.append(xml[pos:m.start()])
        out.append(_CONTROL_XML[m.group(0)])
        pos = m.end()
    out.append(xml[pos:])
    return "".join(out)


def split_special_runs(root: etree._Element) -> bool:
    """Markers get their own bold, yellow-highlighted run (the run's other properties kept)."""
    # Keep the run proxies alive: lxml may otherwise hand a freed proxy's id() to another
    # element, and a marker would silently stay unhighlighted.
    done: dict[int, etree._Element] = {}
    for t in _MARKER_T(root):
        run = t.getparent()
        if run is None or run.tag != w("r") or id(run) in done:
            continue
        done[id(run)] = run
        _rebuild_run(run)
    return bool(done)


def _marker_rpr(rpr: etree._Element | None) -> etree._Element:
    rpr = make("rPr") if rpr is None else copy.deepcopy(rpr)
    for tag in ("b", "bCs"):
        set_ordered_child(rpr, make(tag), RPR_ORDER)
    set_ordered_child(rpr, make("highlight", {"val": "yellow"}), RPR_ORDER)
    return rpr


def _rebuild_run(run: etree._Element) -> None:
    rpr = run.find(w("rPr"))
    groups: list[tuple[bool, list[etree._Element]]] = [(False, [])]
    for child in list(run):
        if child is rpr:
            continue
        if child.tag != w("t") or not child.text or not _SPLIT_RE.search(child.text):
            groups[-1][1].append(child)
            continue
        for piece in _SPLIT_RE.split(child.text):
            if not piece:
                continue
            if piece == "\n":
                groups[-1][1].append(make("br"))
            elif piece == "\t":
                groups[-1][1].append(make("tab"))
            elif MARKER_RE.fullmatch(piece):
                groups.append((True, [text_run(piece)[0]]))
                groups.append((False, []))
            else:
                groups[-1][1].append(text_run(piece)[0])
    groups = [g for g in groups if g[1]]
    if len(groups) == 1 and not groups[0][0]:
        for child in list(run):
            if child is not rpr:
                run.remove(child)
        run.extend(groups[0][1])
        return
    parent, index = run.getparent(), run.getparent().index(run)
    parent.remove(run)
    for offset, (is_marker, children) in enumerate(groups):
        new = make("r")
        if is_marker:
            new.append(_marker_rpr(rpr))
        elif rpr is not None:
            new.append(copy.deepcopy(rpr))
        new.extend(children)
        parent.insert(index + offset, new)


# --------------------------------------------------------------------------- TOC
def fill_tocs(root: etree._Element, facts: Facts) -> bool:
    """Write one paragraph per heading into the cached result of each TOC field."""
    found = False
    for instr in list(root.iter(w("instrText"))):
        if not re.match(r"\s*TOC\b", instr.text or ""):
            continue
        levels = _TOC_LEVELS.search(instr.text or "")
        top = int(levels.group(2)) if levels else 3
        if _fill_toc(root, instr, _entries(root, facts, top), facts):
            found = True
    return found


@lru_cache(maxsize=32)
def _styled_paragraphs(styles: tuple[str, ...]) -> etree.XPath:
    """An XPath selecting, in document order, the paragraphs of one of ``styles``."""
    test = " or ".join(f"@w:val='{s}'" for s in styles if "'" not in s) or "false()"
    return etree.XPath(f".//w:p[w:pPr/w:pStyle[{test}]]", namespaces=_NS)


def _entries(root: etree._Element, facts: Facts, top: int) -> list[tuple[int, str]]:
    counters = [0] * 9
    out = []
    for p in _styled_paragraphs(tuple(sorted(facts.headings)))(root):
        level, fmt = facts.headings[style_of(p) or ""]
        num_id = p.find(f"{w('pPr')}/{w('numPr')}/{w('numId')}")
        numbered = fmt is not None and (num_id is None or num_id.get(w("val")) != "0")
        title = " ".join("".join(p.itertext(w("t"))).split())
        if numbered:
            counters[level - 1] += 1
            counters[level:] = [0] * (9 - level)
            number = fmt or ""
            for k in range(level, 0, -1):
                number = number.replace(f"%{k}", str(counters[k - 1]))
            title = f"{number}\t{title}"
        if level <= top and title.strip():
            out.append((level, title))
    return out


def _entry_xml(facts: Facts, level: int, title: str) -> str:
    style = facts.toc_styles[min(level, len(facts.toc_styles)) - 1]
    runs = "<w:r><w:tab/></w:r>".join(
        f'<w:r><w:t xml:space="preserve">{escape(chunk)}</w:t></w:r>' if chunk else ""
        for chunk in title.split("\t"))
    return f'<w:p><w:pPr><w:pStyle w:val="{escape(style)}"/></w:pPr>{runs}</w:p>'


def _field_end(root: etree._Element, begin: etree._Element) -> etree._Element | None:
    depth = 0
    started = False
    for fc in root.iter(w("fldChar")):
        if fc is begin:
            started = True
        if not started:
            continue
        kind = fc.get(w("fldCharType"))
        depth += 1 if kind == "begin" else -1 if kind == "end" else 0
        if depth == 0:
            return fc
    return None


def _fill_toc(root: etree._Element, instr: etree._Element,
              entries: list[tuple[int, str]], facts: Facts) -> bool:
    run0 = instr.getparent()
    p0 = run0.getparent()
    if p0 is None or p0.tag != w("p"):
        return False
    begin = next((r.find(w("fldChar")) for r in run0.itersiblings(preceding=True)
                  if r.find(w("fldChar")) is not None
                  and r.find(w("fldChar")).get(w("fldCharType")) == "begin"), None)
    sep_run = next((r for r in run0.itersiblings() if r.find(w("fldChar")) is not None
                    and r.find(w("fldChar")).get(w("fldCharType")) == "separate"), None)
    end = _field_end(root, begin) if begin is not None else None
    if begin is None or sep_run is None or end is None:
        return False
    end_p = end.getparent().getparent()
    if end_p is not p0 and end_p.getparent() is not p0.getparent():
        return False
    begin.set(w("dirty"), "true")
    for r in list(sep_run.itersiblings()):
        if end_p is p0 and r is end.getparent():
            break
        p0.remove(r)
    tail_runs: list[etree._Element] = []
    if end_p is not p0:
        for sib in list(p0.itersiblings()):
            if sib is end_p:
                break
            sib.getparent().remove(sib)
        runs = list(end_p.iterchildren(w("r"), w("hyperlink")))
        after = runs[runs.index(end.getparent()) + 1:] if end.getparent() in runs else []
        tail_runs = after
        end_p.getparent().remove(end_p)
    end_run = end.getparent()
    if end_run.getparent() is not None:
        end_run.getparent().remove(end_run)
    paras = list(etree.fromstring(
        f'<w:x xmlns:w="{W_NS}">'
        + "".join(_entry_xml(facts, level, title) for level, title in entries or [(1, "")])
        + "</w:x>"))
    ppr = p0.find(w("pPr"))
    if ppr is None:
        ppr = make("pPr")
        p0.insert(0, ppr)
    set_ordered_child(ppr, paras[0][0][0], PPR_ORDER)  # the first entry's style
    p0.extend(list(paras[0])[1:])
    last = p0
    for para in paras[1:]:
        last.addnext(para)
        last = para
    last.append(end_run)
    if tail_runs:
        extra = make("p", children=tail_runs)
        last.addnext(extra)
    return True


def settings_with_update_fields(settings: bytes) -> bytes:
    """settings.xml asking Word to refresh fields (the TOC page numbers) on opening."""
    root = parse(settings)
    if root.find(w("updateFields")) is None:
        insert_before_any(root, make("updateFields", {"val": "true"}),
                          SETTINGS_AFTER_UPDATE_FIELDS)
    return tostring(root)


# --------------------------------------------------------------------------- lists, tables
def restart_numbered_lists(root: etree._Element, facts: Facts) -> list[tuple[int, int]]:
    """Each block of consecutive "Liste numérotée" paragraphs restarts at 1."""
    if facts.numbered is None:
        return []
    style, num_id, abstract = facts.numbered
    new: list[tuple[int, int]] = []
    seen_first = False
    current: int | None = None
    for p in _styled_paragraphs((style,))(root):
        if p.find(f"{w('pPr')}/{w('numPr')}") is not None:
            continue
        prev = p.getprevious()
        starts = prev is None or prev.tag != w("p") or style_of(prev) != style
        if starts:
            if not seen_first:
                seen_first, current = True, None
            else:
                current = facts.next_num_id + len(new)
                new.append((current, abstract))
        if current is not None:
            num_pr = make("numPr", children=[make("ilvl", {"val": "0"}),
                                             make("numId", {"val": str(current)})])
            set_ordered_child(p.find(w("pPr")), num_pr, PPR_ORDER)
    return new


def numbering_with(numbering: str, new: list[tuple[int, int]]) -> str:
    nums = "".join(
        f'<w:num w:numId="{n}"><w:abstractNumId w:val="{a}"/><w:lvlOverride w:ilvl="0">'
        f'<w:startOverride w:val="1"/></w:lvlOverride></w:num>' for n, a in new)
    cut = numbering.rindex("</w:numbering>")
    return numbering[:cut] + nums + numbering[cut:]


_EMPTY_TABLES = etree.XPath(".//w:tbl[not(w:tr)]", namespaces=_NS)
_BAD_CELLS = etree.XPath(".//w:tc[not(w:p) or *[last()][self::w:tbl]]", namespaces=_NS)


def repair_tables(root: etree._Element) -> bool:
    """A table left without rows, or a cell not ending with a paragraph, is refused by Word."""
    tables, cells = _EMPTY_TABLES(root), _BAD_CELLS(root)
    for tbl in tables:
        tbl.getparent().remove(tbl)
    for tc in cells:
        tc.append(make("p"))
    return bool(tables or cells)


_DOC_PR = etree.XPath(".//wp:docPr", namespaces={"wp": WP_NS})


def renumber_drawings(root: etree._Element) -> bool:
    """Drawing ids must be unique in a document; fragments each start theirs at 1."""
    found = _DOC_PR(root)
    for n, el in enumerate(found, start=1):
        el.set("id", str(n))
    return bool(found)


def postprocess(root: etree._Element, facts: Facts, xml_hint: str) -> Outcome:
    """All tree passes on a rendered document; ``xml_hint`` (the rendered text) lets absent
    features be skipped. ``modified`` tells whether the tree must be serialised again."""
    out = Outcome()
    if f"[{MARQUEUR}" in xml_hint:
        out.modified |= split_special_runs(root)
    if "<w:tbl" in xml_hint:
        out.modified |= repair_tables(root)
    if "docPr" in xml_hint:
        out.modified |= renumber_drawings(root)
    if "instrText" in xml_hint and "TOC" in xml_hint:
        out.has_toc = fill_tocs(root, facts)
        out.modified |= out.has_toc
    if facts.numbered and f'w:val="{facts.numbered[0]}"' in xml_hint:
        out.new_nums = restart_numbered_lists(root, facts)
        out.modified |= bool(out.new_nums)
    return out


__all__ = ["Facts", "Outcome", "numbering_with", "postprocess", "settings_with_update_fields",
           "split_special_runs", "text_controls"]
