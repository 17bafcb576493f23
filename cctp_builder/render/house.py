"""The house style of every piece: styles, numbering, page setup, header and footer.

Style ids are those French Word writes for its built-in styles (``Titre1`` named
``heading 1``, ``Corpsdetexte`` named ``Body Text``…), so Word shows the French names
("Titre 1", "Corps de texte") and a fragment drafted in a French Word from scratch
reuses them. Custom styles have French names and ASCII ids.
"""

from __future__ import annotations

from xml.sax.saxutils import escape

from .ooxml import CT_NS, EXTENDED_PROPS_NS, PKG_REL_NS, R_NS, REL_CORE_PROPS, W_NS

# Paragraph style ids.
NORMAL = "Normal"
CORPS = "Corpsdetexte"
TITRES = ("Titre1", "Titre2", "Titre3")
TOC = ("TM1", "TM2")
PUCE1, PUCE2 = "Listepuces", "Listepuces2"
NUMERO = "Listenumros"
ENCADRE = "Encadre"
TITRE_DOC, SOUS_TITRE_DOC, CENTRE = "TitreDocument", "SousTitreDocument", "Centre"
TITRE_SOMMAIRE = "TitreSommaire"
TEXTE_TABLEAU = "TexteTableau"
ENTETE, PIED = "En-tte", "Pieddepage"
# Character and table styles.
A_COMPLETER = "ACompleter"
TABLEAU = "Tableau"

NUM_TITRES, NUM_PUCES, NUM_LISTE = 1, 2, 3
HEADING_INDENTS = (567, 709, 851)
ABSTRACT_LISTE = 3

# A4, margins 2.5 cm (top, left) and 2 cm (right, bottom); text width in twips.
PAGE_W, PAGE_H = 11906, 16838
MARGIN_TOP, MARGIN_RIGHT, MARGIN_BOTTOM, MARGIN_LEFT = 1417, 1134, 1134, 1417
TEXT_WIDTH = PAGE_W - MARGIN_LEFT - MARGIN_RIGHT
FONT = "Arial"  # rendered with the metric-compatible Liberation Sans by LibreOffice
ACCENT = "1F3864"
ACCENT_LIGHT = "EAF0F7"
HEADER_FILL = "D9E2F3"

#: Ids that other authoring tools give to the same styles (English Word, LibreOffice…),
#: mapped to the house ids when a fragment is compiled.
STYLE_ALIASES = {
    "Heading1": "Titre1", "Heading2": "Titre2", "Heading3": "Titre3",
    "BodyText": CORPS, "TextBody": CORPS, "ListBullet": PUCE1, "ListBullet2": PUCE2,
    "ListNumber": NUMERO, "TOC1": "TM1", "TOC2": "TM2", "Title": TITRE_DOC,
    "Titre": TITRE_DOC, "Subtitle": SOUS_TITRE_DOC, "Sous-titre": SOUS_TITRE_DOC,
    "Header": ENTETE, "Footer": PIED, "TableGrid": TABLEAU, "Grilledutableau": TABLEAU,
}

DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
ROOT_NS = f'xmlns:w="{W_NS}" xmlns:r="{R_NS}"'


def _rpr(size: float | None = None, *, bold: bool = False, italic: bool = False,
         color: str | None = None, caps: bool = False) -> str:
    parts = []
    if bold:
        parts.append("<w:b/><w:bCs/>")
    if italic:
        parts.append("<w:i/><w:iCs/>")
    if caps:
        parts.append("<w:caps/>")
    if color:
        parts.append(f'<w:color w:val="{color}"/>')
    if size:
        half = int(size * 2)
        parts.append(f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>')
    return f"<w:rPr>{''.join(parts)}</w:rPr>" if parts else ""


def _style(kind: str, sid: str, name: str, *, ppr: str = "", rpr: str = "",
           based: str | None = None, nxt: str | None = None, extra: str = "",
           default: bool = False, ui: int | None = None) -> str:
    attrs = f'w:type="{kind}" w:styleId="{sid}"' + (' w:default="1"' if default else "")
    body = [f'<w:name w:val="{escape(name)}"/>']
    if based:
        body.append(f'<w:basedOn w:val="{based}"/>')
    if nxt:
        body.append(f'<w:next w:val="{nxt}"/>')
    if ui is not None:
        body.append(f'<w:uiPriority w:val="{ui}"/>')
    body.append("<w:qFormat/>")
    if ppr:
        body.append(f"<w:pPr>{ppr}</w:pPr>")
    body.append(rpr)
    body.append(extra)
    return f"<w:style {attrs}>{''.join(body)}</w:style>"


def _spacing(before: int = 0, after: int = 0, line: int | None = None) -> str:
    line_attr = f' w:line="{line}" w:lineRule="auto"' if line else ""
    return f'<w:spacing w:before="{before}" w:after="{after}"{line_attr}/>'


def _border(side: str, color: str, sz: int = 4, space: int = 4) -> str:
    return f'<w:{side} w:val="single" w:sz="{sz}" w:space="{space}" w:color="{color}"/>'


def _heading(level: int, size: float, space_before: int, *, color: str,
             italic: bool = False, border: bool = False) -> str:
    ind = HEADING_INDENTS[level - 1]
    pbdr = f"<w:pBdr>{_border('bottom', ACCENT, 6, 2)}</w:pBdr>" if border else ""
    ppr = (f'<w:keepNext/><w:keepLines/><w:numPr><w:ilvl w:val="{level - 1}"/>'
           f'<w:numId w:val="{NUM_TITRES}"/></w:numPr>{pbdr}'
           f"{_spacing(space_before, 120)}"
           f'<w:ind w:left="{ind}" w:hanging="{ind}"/><w:jc w:val="left"/>'
           f'<w:outlineLvl w:val="{level - 1}"/>')
    return _style("paragraph", TITRES[level - 1], f"heading {level}", ppr=ppr,
                  rpr=_rpr(size, bold=True, italic=italic, color=color),
                  based=NORMAL, nxt=CORPS, ui=9)


def styles_xml() -> bytes:
    """word/styles.xml of the house style."""
    tab_right = f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{TEXT_WIDTH}"/></w:tabs>'
    styles = [
        _style("paragraph", NORMAL, "Normal", default=True,
               ppr=f'<w:widowControl/>{_spacing(0, 120, 264)}<w:jc w:val="both"/>'),
        _style("character", "Policepardfaut", "Default Paragraph Font", default=True, ui=1),
        _style("table", "TableauNormal", "Normal Table", default=True, ui=99,
               extra='<w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
                     '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
                     '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/>'
                     '</w:tblCellMar></w:tblPr>'),
        _style("numbering", "Aucuneliste", "No List", default=True, ui=99),
        _style("paragraph", CORPS, "Body Text", based=NORMAL,
               ppr=f'{_spacing(0, 120, 264)}<w:jc w:val="both"/>'),
        _heading(1, 13, 360, color=ACCENT, border=True),
        _heading(2, 11.5, 240, color=ACCENT),
        _heading(3, 10.5, 200, color="404040", italic=True),
        _style("paragraph", TOC[0], "toc 1", based=NORMAL, nxt=NORMAL, ui=39,
               ppr=f'{tab_right}{_spacing(120, 40)}<w:ind w:left="567" w:hanging="567"/>'
                   '<w:jc w:val="left"/>', rpr=_rpr(bold=True)),
        _style("paragraph", TOC[1], "toc 2", based=NORMAL, nxt=NORMAL, ui=39,
               ppr=f'{tab_right}{_spacing(0, 40)}<w:ind w:left="1134" w:hanging="567"/>'
                   '<w:jc w:val="left"/>'),
        _style("paragraph", PUCE1, "List Bullet", based=NORMAL,
               ppr=f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{NUM_PUCES}"/></w:numPr>'
                   f'{_spacing(0, 60, 264)}<w:ind w:left="567" w:hanging="283"/>'),
        _style("paragraph", PUCE2, "List Bullet 2", based=NORMAL,
               ppr=f'<w:numPr><w:ilvl w:val="1"/><w:numId w:val="{NUM_PUCES}"/></w:numPr>'
                   f'{_spacing(0, 60, 264)}<w:ind w:left="1134" w:hanging="283"/>'),
        _style("paragraph", NUMERO, "List Number", based=NORMAL,
               ppr=f'<w:numPr><w:ilvl w:val="0"/><w:numId w:val="{NUM_LISTE}"/></w:numPr>'
                   f'{_spacing(0, 60, 264)}<w:ind w:left="567" w:hanging="340"/>'),
        _style("paragraph", ENCADRE, "Encadré", based=NORMAL, nxt=CORPS,
               ppr='<w:pBdr>' + "".join(_border(s, ACCENT, 6, 6) for s in
                                        ("top", "left", "bottom", "right"))
                   + f'</w:pBdr><w:shd w:val="clear" w:color="auto" w:fill="{ACCENT_LIGHT}"/>'
                   f'{_spacing(60, 60, 264)}<w:ind w:left="170" w:right="170"/>'),
        _style("paragraph", TITRE_DOC, "Titre document", based=NORMAL, nxt=SOUS_TITRE_DOC,
               ppr=f'{_spacing(1200, 360)}<w:jc w:val="center"/>',
               rpr=_rpr(24, bold=True, color=ACCENT)),
        _style("paragraph", SOUS_TITRE_DOC, "Sous-titre document", based=NORMAL, nxt=CENTRE,
               ppr=f'{_spacing(120, 240)}<w:jc w:val="center"/>',
               rpr=_rpr(14, color="404040")),
        _style("paragraph", CENTRE, "Centré", based=NORMAL,
               ppr=f'{_spacing(60, 60)}<w:jc w:val="center"/>', rpr=_rpr(11)),
        _style("paragraph", TITRE_SOMMAIRE, "Titre sommaire", based=NORMAL, nxt=NORMAL,
               ppr=f'<w:keepNext/>{_spacing(240, 240)}<w:jc w:val="left"/>',
               rpr=_rpr(14, bold=True, color=ACCENT)),
        _style("paragraph", TEXTE_TABLEAU, "Texte tableau", based=NORMAL,
               ppr=f'{_spacing(20, 20)}<w:jc w:val="left"/>', rpr=_rpr(9)),
        _style("paragraph", ENTETE, "header", based=NORMAL, ui=99,
               ppr=f'<w:pBdr>{_border("bottom", "808080", 4, 4)}</w:pBdr>'
                   f'<w:tabs><w:tab w:val="right" w:pos="{TEXT_WIDTH}"/></w:tabs>'
                   f'{_spacing(0, 0)}<w:jc w:val="left"/>', rpr=_rpr(8, color="595959")),
        _style("paragraph", PIED, "footer", based=NORMAL, ui=99,
               ppr=f'{_spacing(0, 0)}<w:jc w:val="center"/>', rpr=_rpr(8, color="595959")),
        _style("character", A_COMPLETER, "À compléter", based="Policepardfaut",
               rpr='<w:rPr><w:b/><w:bCs/><w:highlight w:val="yellow"/></w:rPr>'),
        _style("table", TABLEAU, "Tableau", based="TableauNormal", ui=59, extra=_table_style()),
    ]
    defaults = (
        "<w:docDefaults><w:rPrDefault><w:rPr>"
        f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'
        '<w:sz w:val="20"/><w:szCs w:val="20"/>'
        '<w:lang w:val="fr-FR" w:eastAsia="en-US" w:bidi="ar-SA"/>'
        "</w:rPr></w:rPrDefault><w:pPrDefault><w:pPr>"
        f"{_spacing(0, 0)}</w:pPr></w:pPrDefault></w:docDefaults>"
    )
    return (f"{DECL}<w:styles {ROOT_NS}>{defaults}{''.join(styles)}</w:styles>").encode()


def _table_style() -> str:
    borders = "".join(_border(s, "808080", 4, 0) for s in
                      ("top", "left", "bottom", "right", "insideH", "insideV"))
    return (
        f"<w:pPr>{_spacing(20, 20)}<w:jc w:val=\"left\"/></w:pPr>{_rpr(9)}"
        f'<w:tblPr><w:tblBorders>{borders}</w:tblBorders><w:tblCellMar>'
        '<w:top w:w="40" w:type="dxa"/><w:left w:w="85" w:type="dxa"/>'
        '<w:bottom w:w="40" w:type="dxa"/><w:right w:w="85" w:type="dxa"/>'
        "</w:tblCellMar></w:tblPr>"
        '<w:tblStylePr w:type="firstRow"><w:rPr><w:b/><w:bCs/></w:rPr>'
        '<w:tblPr/><w:trPr><w:tblHeader/></w:trPr><w:tcPr>'
        f'<w:shd w:val="clear" w:color="auto" w:fill="{HEADER_FILL}"/></w:tcPr></w:tblStylePr>'
    )


def _level(ilvl: int, fmt: str, text: str, left: int, hanging: int,
           style: str | None = None, font: str | None = None) -> str:
    pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
    rpr = (f'<w:rPr><w:rFonts w:ascii="{font}" w:hAnsi="{font}" w:hint="default"/></w:rPr>'
           if font else "")
    return (f'<w:lvl w:ilvl="{ilvl}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/>'
            f'{pstyle}<w:suff w:val="tab"/><w:lvlText w:val="{escape(text)}"/>'
            f'<w:lvlJc w:val="left"/><w:pPr><w:ind w:left="{left}" w:hanging="{hanging}"/>'
            f"</w:pPr>{rpr}</w:lvl>")


def numbering_xml() -> bytes:
    """word/numbering.xml: headings "1." / "1.1." / "1.1.1.", bullets, numbered list."""
    titres = "".join(
        _level(i, "decimal", ".".join(f"%{k + 1}" for k in range(i + 1)) + ".",
               ind, ind, TITRES[i])
        for i, ind in enumerate(HEADING_INDENTS))
    puces = (_level(0, "bullet", "•", 567, 283, font=FONT)
             + _level(1, "bullet", "–", 1134, 283, font=FONT))
    liste = (_level(0, "decimal", "%1.", 567, 340) + _level(1, "lowerLetter", "%2)", 1134, 340))
    abstracts = "".join(
        f'<w:abstractNum w:abstractNumId="{i}"><w:multiLevelType w:val="{kind}"/>{lv}'
        "</w:abstractNum>"
        for i, kind, lv in ((NUM_TITRES, "multilevel", titres),
                            (NUM_PUCES, "hybridMultilevel", puces),
                            (ABSTRACT_LISTE, "hybridMultilevel", liste)))
    nums = "".join(f'<w:num w:numId="{i}"><w:abstractNumId w:val="{i}"/></w:num>'
                   for i in (NUM_TITRES, NUM_PUCES, NUM_LISTE))
    return f"{DECL}<w:numbering {ROOT_NS}>{abstracts}{nums}</w:numbering>".encode()


def settings_xml() -> bytes:
    return (
        f"{DECL}<w:settings {ROOT_NS}><w:zoom w:percent=\"100\"/>"
        '<w:defaultTabStop w:val="709"/><w:hyphenationZone w:val="425"/>'
        '<w:characterSpacingControl w:val="doNotCompress"/>'
        '<w:compat><w:compatSetting w:name="compatibilityMode" '
        'w:uri="http://schemas.microsoft.com/office/word" w:val="15"/></w:compat>'
        '<w:themeFontLang w:val="fr-FR"/><w:decimalSymbol w:val=","/>'
        '<w:listSeparator w:val=";"/></w:settings>'
    ).encode()


def font_table_xml() -> bytes:
    return (f'{DECL}<w:fonts {ROOT_NS}><w:font w:name="{FONT}">'
            '<w:panose1 w:val="020B0604020202020204"/>'
            '<w:charset w:val="00"/><w:family w:val="swiss"/><w:pitch w:val="variable"/>'
            "</w:font></w:fonts>").encode()


def _field(instr: str, cached: str = "1") -> str:
    return ('<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
            f'<w:r><w:instrText xml:space="preserve"> {instr} </w:instrText></w:r>'
            '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
            f"<w:r><w:t>{cached}</w:t></w:r>"
            '<w:r><w:fldChar w:fldCharType="end"/></w:r>')


def _t(text: str) -> str:
    return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>'


def header_xml() -> bytes:
    left = ('{{ acheteur.nom | ac("nom de l\'acheteur") }} — '
            '{{ marche.reference | ac("référence du marché") }}')
    p = (f'<w:p><w:pPr><w:pStyle w:val="{ENTETE}"/></w:pPr>{_t(left)}'
         f'<w:r><w:tab/></w:r>{_t("{{ doc.titre }}")}</w:p>')
    return f"{DECL}<w:hdr {ROOT_NS}>{p}</w:hdr>".encode()


def footer_xml() -> bytes:
    p = (f'<w:p><w:pPr><w:pStyle w:val="{PIED}"/></w:pPr>{_t("Page ")}{_field("PAGE")}'
         f'{_t(" sur ")}{_field("NUMPAGES")}</w:p>')
    return f"{DECL}<w:ftr {ROOT_NS}>{p}</w:ftr>".encode()


def sect_pr() -> str:
    return (
        '<w:sectPr><w:headerReference w:type="default" r:id="rId8"/>'
        '<w:footerReference w:type="default" r:id="rId9"/>'
        f'<w:pgSz w:w="{PAGE_W}" w:h="{PAGE_H}"/>'
        f'<w:pgMar w:top="{MARGIN_TOP}" w:right="{MARGIN_RIGHT}" w:bottom="{MARGIN_BOTTOM}" '
        f'w:left="{MARGIN_LEFT}" w:header="709" w:footer="567" w:gutter="0"/>'
        '<w:cols w:space="708"/><w:docGrid w:linePitch="360"/></w:sectPr>'
    )


def document_xml(body: str = "") -> bytes:
    """word/document.xml holding ``body`` (paragraph/table XML) then the section."""
    return f"{DECL}<w:document {ROOT_NS}><w:body>{body}{sect_pr()}</w:body></w:document>".encode()


_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml"


def _rels(rels: list[tuple[str, str, str]]) -> bytes:
    items = "".join(f'<Relationship Id="{i}" Type="{t}" Target="{g}"/>' for i, t, g in rels)
    return f'{DECL}<Relationships xmlns="{PKG_REL_NS}">{items}</Relationships>'.encode()


def package_members(body: str = "") -> dict[str, bytes]:
    """Every member of a house-style .docx whose body is ``body``."""
    overrides = [
        ("/word/document.xml", f"{_CT}.document.main+xml"),
        ("/word/styles.xml", f"{_CT}.styles+xml"),
        ("/word/numbering.xml", f"{_CT}.numbering+xml"),
        ("/word/settings.xml", f"{_CT}.settings+xml"),
        ("/word/fontTable.xml", f"{_CT}.fontTable+xml"),
        ("/word/header1.xml", f"{_CT}.header+xml"),
        ("/word/footer1.xml", f"{_CT}.footer+xml"),
        ("/docProps/core.xml", "application/vnd.openxmlformats-package.core-properties+xml"),
        ("/docProps/app.xml",
         "application/vnd.openxmlformats-officedocument.extended-properties+xml"),
    ]
    content_types = (
        f'{DECL}<Types xmlns="{CT_NS}">'
        '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
        'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
        + "".join(f'<Override PartName="{p}" ContentType="{c}"/>' for p, c in overrides)
        + "</Types>").encode()
    app = (f'{DECL}<Properties xmlns="{EXTENDED_PROPS_NS}">'
           "<Application>cctp_builder</Application></Properties>").encode()
    from .package import core_xml  # local import: package imports nothing from here

    return {
        "[Content_Types].xml": content_types,
        "_rels/.rels": _rels([
            ("rId1", f"{R_NS}/officeDocument", "word/document.xml"),
            ("rId2", REL_CORE_PROPS, "docProps/core.xml"),
            ("rId3", f"{R_NS}/extended-properties", "docProps/app.xml"),
        ]),
        "docProps/app.xml": app,
        "docProps/core.xml": core_xml({"title": "Modèle cctp_builder"}),
        "word/_rels/document.xml.rels": _rels([
            ("rId1", f"{R_NS}/styles", "styles.xml"),
            ("rId2", f"{R_NS}/numbering", "numbering.xml"),
            ("rId3", f"{R_NS}/settings", "settings.xml"),
            ("rId4", f"{R_NS}/fontTable", "fontTable.xml"),
            ("rId8", f"{R_NS}/header", "header1.xml"),
            ("rId9", f"{R_NS}/footer", "footer1.xml"),
        ]),
        "word/document.xml": document_xml(body),
        "word/styles.xml": styles_xml(),
        "word/numbering.xml": numbering_xml(),
        "word/settings.xml": settings_xml(),
        "word/fontTable.xml": font_table_xml(),
        "word/header1.xml": header_xml(),
        "word/footer1.xml": footer_xml(),
    }
