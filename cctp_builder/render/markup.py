"""The authoring markup of ``templates_src/**/*.txt`` and the builders of the .docx files.

One line is one paragraph (see docs/architecture.md, "Markup"). Every fragment is built
from the house-style package, so its style and numbering ids are those of the base.
Jinja tags are tokenised first and always written whole inside one run: ``**``/``*``
and ``|`` are only recognised outside ``{{ }}``, ``{% %}`` and ``{# #}``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from xml.sax.saxutils import escape

from ..errors import CctpError
from . import house
from .package import write_zip

TOC_INSTR = 'TOC \\o "1-2" \\h \\z \\u'
TOC_PLACEHOLDER = "Sommaire (mis à jour à la génération du document)"
JINJA_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", re.DOTALL)
"""A jinja tag (expression, statement or comment): the one pattern for markup and lint."""
_NUMBERED = re.compile(r"^\d+\.\s+")
_TR_TAG = re.compile(r"^\{%\s*tr\s.*%\}$")


class MarkupError(CctpError, ValueError):
    """A line of a markup source cannot be converted (French message, with its line)."""

    def __init__(self, message: str, ligne: int) -> None:
        self.ligne = ligne
        super().__init__(f"ligne {ligne} : {message}")


@dataclass(frozen=True)
class Span:
    text: str
    bold: bool = False
    italic: bool = False


def tokens(line: str) -> list[tuple[bool, str]]:
    """Split ``line`` into (is_jinja_tag, text) pieces."""
    out: list[tuple[bool, str]] = []
    pos = 0
    for m in JINJA_TAG.finditer(line):
        if m.start() > pos:
            out.append((False, line[pos:m.start()]))
        out.append((True, m.group(0)))
        pos = m.end()
    if pos < len(line):
        out.append((False, line[pos:]))
    return out


_SENTINEL = "\ue000"


def parse_inline(line: str) -> list[Span]:
    """``**gras**`` and ``*italique*`` outside jinja tags; ``\\*`` is a literal star."""
    tags: list[str] = []
    protected = []
    for is_tag, text in tokens(line):
        if is_tag:
            protected.append(f"{_SENTINEL}{len(tags)}{_SENTINEL}")
            tags.append(text)
        else:
            protected.append(text.replace("\\*", "\ue001"))
    spans: list[Span] = []
    _emphasis("".join(protected), spans)
    restore = re.compile(f"{_SENTINEL}(\\d+){_SENTINEL}")
    result: list[Span] = []
    for s in spans:
        text = restore.sub(lambda m: tags[int(m.group(1))], s.text).replace("\ue001", "*")
        if result and (result[-1].bold, result[-1].italic) == (s.bold, s.italic):
            result[-1] = Span(result[-1].text + text, s.bold, s.italic)
        elif text:
            result.append(Span(text, s.bold, s.italic))
    return result


_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*(?!\*)")
_ITALIC = re.compile(r"(?<!\*)\*(?=[^\s*])(.+?)(?<=[^\s*])\*(?!\*)")


def _emphasis(text: str, out: list[Span]) -> None:
    pos = 0
    for m in _BOLD.finditer(text):
        _italics(text[pos:m.start()], False, out)
        _italics(m.group(1), True, out)
        pos = m.end()
    _italics(text[pos:], False, out)


def _italics(text: str, bold: bool, out: list[Span]) -> None:
    pos = 0
    for m in _ITALIC.finditer(text):
        out.append(Span(text[pos:m.start()], bold, False))
        out.append(Span(m.group(1), bold, True))
        pos = m.end()
    out.append(Span(text[pos:], bold, False))


def runs_xml(spans: list[Span], *, header: bool = False) -> str:
    """The ``w:r`` of ``spans`` (each jinja tag stays inside one ``w:t``)."""
    out = []
    for s in spans:
        props = ("<w:b/><w:bCs/>" if s.bold or header else "") + (
            "<w:i/><w:iCs/>" if s.italic else "")
        rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
        out.append(f'<w:r>{rpr}<w:t xml:space="preserve">{escape(s.text)}</w:t></w:r>')
    return "".join(out)


def paragraph_xml(style: str | None, text: str, *, extra_ppr: str = "") -> str:
    pstyle = f'<w:pStyle w:val="{style}"/>' if style else ""
    ppr = f"<w:pPr>{pstyle}{extra_ppr}</w:pPr>" if (pstyle or extra_ppr) else ""
    return f"<w:p>{ppr}{runs_xml(parse_inline(text))}</w:p>"


_PREFIXES = [
    ("### ", house.TITRES[2]), ("## ", house.TITRES[1]), ("# ", house.TITRES[0]),
    ("-- ", house.PUCE2), ("- ", house.PUCE1), ("> ", house.ENCADRE),
    ("::titre ", house.TITRE_DOC), ("::sous-titre ", house.SOUS_TITRE_DOC),
    ("::centre ", house.CENTRE),
]


def toc_xml() -> str:
    """The ``::sommaire`` block: a title and a TOC field whose cached text the engine fills."""
    title = paragraph_xml(house.TITRE_SOMMAIRE, "Sommaire")
    field = (
        f'<w:p><w:pPr><w:pStyle w:val="{house.TOC[0]}"/></w:pPr>'
        '<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
        f'<w:r><w:instrText xml:space="preserve"> {escape(TOC_INSTR)} </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f'<w:r><w:t xml:space="preserve">{TOC_PLACEHOLDER}</w:t></w:r></w:p>'
        '<w:p><w:r><w:fldChar w:fldCharType="end"/></w:r></w:p>'
    )
    return title + field


#: A 6 pt gap after each table (Word cannot space a table from the next paragraph).
AFTER_TABLE = ('<w:p><w:pPr><w:spacing w:before="0" w:after="0" w:line="120" '
               'w:lineRule="exact"/></w:pPr></w:p>')
PAGE_BREAK = '<w:p><w:r><w:br w:type="page"/></w:r></w:p>'


def _split_cells(line: str, lineno: int) -> list[str]:
    body = line.strip()
    if not body.startswith("|"):
        raise MarkupError("une ligne de tableau doit commencer par « | »", lineno)
    body = body[1:]
    if body.endswith("|") and not body.endswith("\\|"):
        body = body[:-1]
    cells, current = [], []
    for is_tag, text in tokens(body):
        if is_tag:
            current.append(text)
            continue
        parts = re.split(r"(?<!\\)\|", text)
        current.append(parts[0])
        for part in parts[1:]:
            cells.append("".join(current))
            current = [part]
    cells.append("".join(current))
    return [c.strip().replace("\\|", "|") for c in cells]


def table_xml(rows: list[tuple[int, list[str]]]) -> str:
    """A table from markup rows; the first row that is not a ``{%tr %}`` row is the header."""
    data_rows = [cells for _, cells in rows if not _is_tr_row(cells)]
    ncols = len(data_rows[0]) if data_rows else 1
    width = house.TEXT_WIDTH // ncols
    grid = "".join(f'<w:gridCol w:w="{width}"/>' for _ in range(ncols))
    out = [
        f'<w:tbl><w:tblPr><w:tblStyle w:val="{house.TABLEAU}"/>'
        '<w:tblW w:w="5000" w:type="pct"/><w:tblLook w:val="04A0" w:firstRow="1" '
        'w:lastRow="0" w:firstColumn="0" w:lastColumn="0" w:noHBand="1" w:noVBand="1"/>'
        f"</w:tblPr><w:tblGrid>{grid}</w:tblGrid>"
    ]
    header_done = False
    for lineno, cells in rows:
        if _is_tr_row(cells):
            out.append(f'<w:tr><w:tc><w:tcPr><w:tcW w:w="{width * ncols}" w:type="dxa"/>'
                       f'<w:gridSpan w:val="{ncols}"/></w:tcPr>'
                       f"{paragraph_xml(house.TEXTE_TABLEAU, cells[0])}</w:tc></w:tr>")
            continue
        if len(cells) > ncols:
            raise MarkupError(f"trop de cellules dans cette ligne de tableau ({len(cells)} pour "
                              f"{ncols} colonnes dans l'en-tête)", lineno)
        cells = cells + [""] * (ncols - len(cells))
        is_header = not header_done
        header_done = True
        trpr = "<w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>" if is_header else (
            "<w:trPr><w:cantSplit/></w:trPr>")
        shd = (f'<w:shd w:val="clear" w:color="auto" w:fill="{house.HEADER_FILL}"/>'
               if is_header else "")
        # The header row is kept with the first data row (as Word does): without it,
        # LibreOffice may leave a header alone at the foot of a page and drop the rows below.
        keep = "<w:keepNext/>" if is_header else ""
        tcs = "".join(
            f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/>{shd}</w:tcPr>'
            f'<w:p><w:pPr><w:pStyle w:val="{house.TEXTE_TABLEAU}"/>{keep}</w:pPr>'
            f"{runs_xml(parse_inline(c), header=is_header)}</w:p></w:tc>"
            for c in cells)
        out.append(f"<w:tr>{trpr}{tcs}</w:tr>")
    out.append("</w:tbl>")
    out.append(AFTER_TABLE)
    return "".join(out)


def _is_tr_row(cells: list[str]) -> bool:
    return len(cells) == 1 and bool(_TR_TAG.match(cells[0]))


def markup_to_body(text: str) -> str:
    """Convert markup source to body XML (paragraphs and tables, no section)."""
    out: list[str] = []
    table: list[tuple[int, list[str]]] = []
    for lineno, raw in enumerate(text.splitlines(), start=1):
        line = raw.rstrip()
        if line.lstrip().startswith("|"):
            table.append((lineno, _split_cells(line, lineno)))
            continue
        if table:
            out.append(table_xml(table))
            table = []
        if line.strip():
            out.append(_line_xml(line.strip(), lineno))
    if table:
        out.append(table_xml(table))
    return "".join(out)


def _line_xml(line: str, lineno: int) -> str:
    if line.startswith("\\"):
        return paragraph_xml(house.CORPS, line[1:])
    if line.startswith(("{%p ", "{%p\t")):
        if not line.endswith("%}") or len(JINJA_TAG.findall(line)) != 1:
            raise MarkupError("une balise {%p … %} doit occuper seule sa ligne", lineno)
        return f'<w:p><w:r><w:t xml:space="preserve">{escape(line)}</w:t></w:r></w:p>'
    if line.startswith("{%tr"):
        raise MarkupError("une balise {%tr … %} n'est permise que dans un tableau", lineno)
    if line == "::sommaire":
        return toc_xml()
    if line == "::saut":
        return PAGE_BREAK
    for prefix, style in _PREFIXES:
        if line.startswith(prefix):
            return paragraph_xml(style, line[len(prefix):].strip())
    if line.startswith("::"):
        raise MarkupError(f"directive inconnue « {line.split()[0]} »", lineno)
    m = _NUMBERED.match(line)
    if m:
        return paragraph_xml(house.NUMERO, line[m.end():])
    if line.startswith("#"):
        raise MarkupError("titre trop profond ou sans espace après « # »", lineno)
    return paragraph_xml(house.CORPS, line)


def build_fragment(text: str) -> bytes:
    """A .docx in the house style whose body is the markup ``text``."""
    members = house.package_members(markup_to_body(text))
    return write_zip(members.items())


def build_base() -> bytes:
    """``templates/base.docx``: the house style with an empty body (only the section)."""
    return write_zip(house.package_members("").items())
