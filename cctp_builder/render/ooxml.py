"""WordprocessingML vocabulary shared by the render modules: namespaces, a safe XML
parser, schema-ordered insertion of property children and small element builders."""

from __future__ import annotations

from collections.abc import Iterable

from lxml import etree

# The one place for the XML namespaces of the Office packages the renderer writes or reads.
OFFICE_DOC_NS = "http://schemas.openxmlformats.org/officeDocument/2006"
W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
R_NS = f"{OFFICE_DOC_NS}/relationships"
WP_NS = "http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
CORE_PROPS_NS = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
EXTENDED_PROPS_NS = f"{OFFICE_DOC_NS}/extended-properties"
DC_NS = "http://purl.org/dc/elements/1.1/"
DCTERMS_NS = "http://purl.org/dc/terms/"
DCMITYPE_NS = "http://purl.org/dc/dcmitype/"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
XML_NS = "http://www.w3.org/XML/1998/namespace"
NSMAP = {"w": W_NS, "r": R_NS}

REL_HEADER = f"{R_NS}/header"
REL_FOOTER = f"{R_NS}/footer"
REL_HYPERLINK = f"{R_NS}/hyperlink"
REL_CORE_PROPS = f"{PKG_REL_NS}/metadata/core-properties"

#: The part names the engine rebuilds; every other member of the base is copied as is.
DOCUMENT_PART = "word/document.xml"
DOCUMENT_RELS = "word/_rels/document.xml.rels"
CORE_PART = "docProps/core.xml"
SETTINGS_PART = "word/settings.xml"
NUMBERING_PART = "word/numbering.xml"
STYLES_PART = "word/styles.xml"


def w(tag: str) -> str:
    """Clark name of a ``w:`` element or attribute."""
    return f"{{{W_NS}}}{tag}"


def parser() -> etree.XMLParser:
    """A parser that never resolves entities nor reaches the network (untrusted input)."""
    return etree.XMLParser(
        resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False,
        remove_blank_text=False,
    )


_PARSER = parser()


def parse(data: bytes | str) -> etree._Element:
    """Parse one XML part with the safe parser."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    return etree.fromstring(data, _PARSER)


def tostring(elem: etree._Element) -> bytes:
    """Serialise a part the way Word writes it (UTF-8, standalone declaration)."""
    return etree.tostring(elem, xml_declaration=True, encoding="UTF-8", standalone=True)


# Schema order of the children of w:rPr, w:pPr and w:settings (ECMA-376, part 1).
RPR_ORDER = [
    "rStyle", "rFonts", "b", "bCs", "i", "iCs", "caps", "smallCaps", "strike", "dstrike",
    "outline", "shadow", "emboss", "imprint", "noProof", "snapToGrid", "vanish",
    "webHidden", "color", "spacing", "w", "kern", "position", "sz", "szCs", "highlight",
    "u", "effect", "bdr", "shd", "fitText", "vertAlign", "rtl", "cs", "em", "lang",
    "eastAsianLayout", "specVanish", "oMath",
]
PPR_ORDER = [
    "pStyle", "keepNext", "keepLines", "pageBreakBefore", "framePr", "widowControl",
    "numPr", "suppressLineNumbers", "pBdr", "shd", "tabs", "suppressAutoHyphens",
    "kinsoku", "wordWrap", "overflowPunct", "topLinePunct", "autoSpaceDE", "autoSpaceDN",
    "bidi", "adjustRightInd", "snapToGrid", "spacing", "ind", "contextualSpacing",
    "mirrorIndents", "suppressOverlap", "jc", "textDirection", "textAlignment",
    "textboxTightWrap", "outlineLvl", "divId", "cnfStyle", "rPr", "sectPr", "pPrChange",
]
SETTINGS_AFTER_UPDATE_FIELDS = [
    "hdrShapeDefaults", "footnotePr", "endnotePr", "compat", "docVars", "rsids",
    "mathPr", "attachedSchema", "themeFontLang", "clrSchemeMapping",
    "doNotIncludeSubdocsInStats", "doNotAutoCompressPictures", "forceUpgrade", "captions",
    "readModeInkLockDown", "smartTagType", "schemaLibrary", "shapeDefaults",
    "doNotEmbedSmartTags", "decimalSymbol", "listSeparator",
]


def set_ordered_child(parent: etree._Element, child: etree._Element,
                      order: list[str]) -> etree._Element:
    """Insert ``child`` into ``parent`` at its schema position, replacing a same-name child."""
    local = etree.QName(child).localname
    existing = parent.find(w(local))
    if existing is not None:
        parent.replace(existing, child)
        return child
    rank = order.index(local) if local in order else len(order)
    for i, sibling in enumerate(parent):
        name = etree.QName(sibling).localname if isinstance(sibling.tag, str) else ""
        if name in order and order.index(name) > rank:
            parent.insert(i, child)
            return child
    parent.append(child)
    return child


def insert_before_any(parent: etree._Element, child: etree._Element,
                      followers: Iterable[str]) -> None:
    """Insert ``child`` before the first child of ``parent`` named in ``followers``."""
    names = set(followers)
    for i, sibling in enumerate(parent):
        if isinstance(sibling.tag, str) and etree.QName(sibling).localname in names:
            parent.insert(i, child)
            return
    parent.append(child)


def make(tag: str, attrs: dict[str, str] | None = None,
         children: Iterable[etree._Element] = ()) -> etree._Element:
    """Build a ``w:`` element; attribute names are ``w:`` names too."""
    el = etree.Element(w(tag), {w(k): v for k, v in (attrs or {}).items()}, nsmap=NSMAP)
    for c in children:
        el.append(c)
    return el


def text_run(text: str, rpr: etree._Element | None = None) -> etree._Element:
    """A ``w:r`` holding ``text`` (spaces preserved), with an optional copy of ``rpr``."""
    run = make("r")
    if rpr is not None:
        run.append(rpr)
    t = etree.SubElement(run, w("t"))
    t.text = text
    t.set(f"{{{XML_NS}}}space", "preserve")
    return run


def paragraph_text(p: etree._Element) -> str:
    """The visible text of a paragraph: its ``w:t`` (tabs and breaks as spaces)."""
    out: list[str] = []
    for el in p.iter(w("t"), w("tab"), w("br")):
        if el.tag == w("t"):
            out.append(el.text or "")
        else:
            out.append(" ")
    return "".join(out)


def style_of(p: etree._Element) -> str | None:
    """The paragraph style id of ``p`` (None when it has none)."""
    ps = p.find(f"{w('pPr')}/{w('pStyle')}")
    return None if ps is None else ps.get(w("val"))
