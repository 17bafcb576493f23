"""Helpers for the tests that check documents through LibreOffice and their PDFs.

* ``pdf_text`` / ``pdf_pages``: read a PDF (pypdf, else poppler's pdftotext/pdfinfo).
* ``require_soffice`` / ``require_uno``: skip a test when LibreOffice (or its Python UNO
  bridge) is missing on a developer's machine, but FAIL under CI (``CI=true``): CI must
  prove that every document opens in LibreOffice, it may not skip that proof.
* ``docx_avec_sommaire``: a small .docx with headings and a TOC field whose cached text is
  a placeholder, to see whether a conversion refreshed it.
* ``processus_soffice``: the LibreOffice processes whose command line mentions a marker.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from cctp_builder.pdf import CONSEIL_INSTALLATION, python_uno, soffice_disponible

TOC_PLACEHOLDER = "Table à mettre à jour"


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in {"true", "1", "yes"}


def require_soffice() -> str:
    """Path of soffice; skip when absent (developer machine), fail when absent under CI."""
    soffice = soffice_disponible()
    if soffice is None:
        message = f"LibreOffice (soffice) est absent : {CONSEIL_INSTALLATION}."
        if in_ci():
            pytest.fail("En CI, LibreOffice est obligatoire. " + message, pytrace=False)
        pytest.skip(message)
    return soffice


def require_uno() -> str:
    """Like ``require_soffice``, and the UNO bridge (python3-uno) must be usable too."""
    require_soffice()
    python = python_uno()
    if python is None:
        message = (
            "Le pont UNO de LibreOffice est absent (/usr/bin/python3 -c 'import uno' échoue) : "
            "apt-get install python3-uno (ou CCTP_BUILDER_PDF_UNO=0 est positionné)."
        )
        if in_ci():
            pytest.fail("En CI, le pont UNO est obligatoire. " + message, pytrace=False)
        pytest.skip(message)
    return python


# --------------------------------------------------------------------------- reading PDFs


def pdf_text(path: Path | str) -> str:
    """The text of every page, pages separated by form feeds."""
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover - pypdf is in the test extras
        return _poppler(["pdftotext", "-enc", "UTF-8", str(path), "-"])
    reader = PdfReader(str(path))
    return "\f".join((page.extract_text() or "") for page in reader.pages)


def pdf_pages(path: Path | str) -> int:
    try:
        from pypdf import PdfReader
    except ImportError:  # pragma: no cover
        for line in _poppler(["pdfinfo", str(path)]).splitlines():
            if line.startswith("Pages:"):
                return int(line.split(":", 1)[1])
        raise AssertionError(f"pdfinfo ne donne pas le nombre de pages de {path}") from None
    return len(PdfReader(str(path)).pages)


def _poppler(cmd: list[str]) -> str:
    if shutil.which(cmd[0]) is None:
        pytest.fail(f"Ni pypdf ni {cmd[0]} (poppler-utils) ne sont installés.", pytrace=False)
    return subprocess.run(cmd, check=True, capture_output=True, text=True).stdout


# --------------------------------------------------------------------------- processes


def processus_soffice(marqueur: str = "") -> list[tuple[int, str]]:
    """(pid, command line) of running soffice/oosplash processes mentioning ``marqueur``."""
    trouves = []
    proc = Path("/proc")
    if not proc.is_dir():  # pragma: no cover - not Linux
        return trouves
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            raw = (entry / "cmdline").read_bytes()
        except OSError:
            continue
        if not raw:
            continue
        args = [a.decode("utf-8", "replace") for a in raw.rstrip(b"\0").split(b"\0")]
        exe = os.path.basename(args[0])
        if exe not in {"soffice", "soffice.bin", "oosplash", "libreoffice"}:
            continue
        line = " ".join(args)
        if marqueur in line:
            trouves.append((int(entry.name), line))
    return trouves


# --------------------------------------------------------------------------- documents


def docx_avec_sommaire(path: Path, titres: list[tuple[int, str]], *, titre: str = "") -> Path:
    """Write a .docx: a title, a TOC field (cached text: placeholder), then the headings.

    ``titres`` is a list of (level, text); each level-1 heading starts a new page so that
    the TOC has page numbers above 1.
    """
    from docx import Document
    from docx.enum.text import WD_BREAK
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    doc = Document()
    doc.add_paragraph(titre or path.stem, style="Title")
    doc.add_paragraph("Sommaire")

    p = doc.add_paragraph()

    def run_with(*children):
        r = OxmlElement("w:r")
        for child in children:
            r.append(child)
        p._p.append(r)

    def fld(kind):
        el = OxmlElement("w:fldChar")
        el.set(qn("w:fldCharType"), kind)
        return el

    instr = OxmlElement("w:instrText")
    instr.set(qn("xml:space"), "preserve")
    instr.text = ' TOC \\o "1-3" \\h \\z \\u '
    cached = OxmlElement("w:t")
    cached.text = TOC_PLACEHOLDER
    run_with(fld("begin"))
    run_with(instr)
    run_with(fld("separate"))
    run_with(cached)
    run_with(fld("end"))

    for level, text in titres:
        if level == 1:
            doc.add_paragraph().add_run().add_break(WD_BREAK.PAGE)
        doc.add_heading(text, level=level)
        doc.add_paragraph(
            f"Contenu de la partie « {text} ». Le titulaire remet ses livrables dans les délais."
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    doc.save(str(path))
    return path
