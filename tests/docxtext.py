"""Read generated files back as text (the tests check files, not the model)."""

from __future__ import annotations

import html
import io
import re
import zipfile
from pathlib import Path

_PARA = re.compile(r"<w:p[ >].*?</w:p>", re.S)


def _xml_texte(xml: str) -> str:
    lignes = []
    for p in _PARA.findall(xml):
        p = re.sub(r"<w:instrText[^>]*>.*?</w:instrText>", "", p, flags=re.S)
        p = re.sub(r"<w:tab/>", "\t", p)
        p = re.sub(r"<w:br/>", "\n", p)
        lignes.append(re.sub(r"<[^>]+>", "", p))
    return html.unescape("\n".join(lignes))


def docx_texte(source: bytes | Path, *, entetes: bool = True) -> str:
    """Body text (one paragraph a line), then headers and footers."""
    data = source.read_bytes() if isinstance(source, Path) else source
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        noms = ["word/document.xml"]
        if entetes:
            noms += sorted(n for n in z.namelist() if re.match(r"word/(header|footer)\d*\.xml", n))
        return "\n".join(_xml_texte(z.read(n).decode("utf-8")) for n in noms)


def xlsx_texte(source: bytes | Path) -> str:
    from openpyxl import load_workbook

    data = source.read_bytes() if isinstance(source, Path) else source
    wb = load_workbook(io.BytesIO(data))
    out = []
    for ws in wb.worksheets:
        for row in ws.iter_rows(values_only=True):
            out.append("\t".join("" if v is None else str(v) for v in row))
    return "\n".join(out)


def normaliser(texte: str) -> str:
    """Fold spaces (incl. non-breaking) so that wrapped or typographic spaces compare equal."""
    return re.sub(r"[\s\u00a0\u202f]+", " ", texte).strip()
