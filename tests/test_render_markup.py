"""Markup → .docx builder, base.docx house style, text dump, build tool."""

from __future__ import annotations

import io
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
import pytest
from lxml import etree

from cctp_builder.render import (
    MarkupError,
    base_style_ids,
    build_base,
    build_fragment,
    docx_to_text,
)
from cctp_builder.render.markup import parse_inline

ROOT = Path(__file__).resolve().parents[1]
W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}

SAMPLE = """\
::titre {{ doc.titre }}
::sous-titre {{ acheteur.nom }}
::centre Marché n° {{ marche.reference | ac("référence") }}
::saut
::sommaire
# Objet du marché
Le présent document concerne **{{ operation.nom }}** et *le maître d'ouvrage*.
## Contenu
### Détail
- premier point
-- sous-point {{ x | montant }}
1. étape
> Encadré avec {{ y }}
| Tranche | Montant |
| {%tr for t in tranches %} |
| {{ t.code }} | {{ t.montant | montant }} |
| {%tr endfor %} |
{%p if calendrier.date_limite %}
Date : {{ calendrier.date_limite | date_heure_fr }}.
{%p endif %}
\\# pas un titre, et \\*pas d'italique\\*
"""


def members(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def body(data: bytes) -> etree._Element:
    return etree.fromstring(members(data)["word/document.xml"]).find("w:body", NS)


def test_round_trip():
    assert docx_to_text(build_fragment(SAMPLE)) == SAMPLE


def test_blank_lines_are_ignored_and_round_trip_is_stable():
    text = "# A\n\n\nTexte\n\n- b\n"
    assert docx_to_text(build_fragment(text)) == "# A\nTexte\n- b\n"


def test_styles_of_each_line():
    d = docx.Document(io.BytesIO(build_fragment(SAMPLE)))
    styles = [p.style.name for p in d.paragraphs if p.text.strip()]
    assert styles[:12] == [
        "Titre document", "Sous-titre document", "Centré", "Titre sommaire", "toc 1",
        "Heading 1", "Body Text", "Heading 2", "Heading 3", "List Bullet", "List Bullet 2",
        "List Number"]
    assert "Encadré" in styles


def test_jinja_tags_stay_whole_in_one_run():
    b = body(build_fragment('Texte **gras {{ a | f("**x*") }}** et {{ 2*3 }} *fin*'))
    runs = ["".join(t.text for t in r.iter(f"{W}t")) for r in b.iter(f"{W}r")]
    assert runs == ["Texte ", 'gras {{ a | f("**x*") }}', " et {{ 2*3 }} ", "fin"]


@pytest.mark.parametrize("line, expected", [
    ("a **b** c", [("a ", False, False), ("b", True, False), (" c", False, False)]),
    ("*i* et **g *gi***", [("i", False, True), (" et ", False, False), ("g ", True, False),
                           ("gi", True, True)]),
    ("x * y * z", [("x * y * z", False, False)]),
    ("{{ a*b }} *{{ c }}*", [("{{ a*b }} ", False, False), ("{{ c }}", False, True)]),
])
def test_inline_emphasis(line, expected):
    assert [(s.text, s.bold, s.italic) for s in parse_inline(line)] == expected


def test_table_cells_split_outside_tags():
    b = body(build_fragment("| A | B |\n| {{ x | montant }} | \\| littéral |"))
    rows = [["".join(t.text for t in tc.iter(f"{W}t")) for tc in tr.findall("w:tc", NS)]
            for tr in b.iter(f"{W}tr")]
    assert rows == [["A", "B"], ["{{ x | montant }}", "| littéral"]]
    header = next(b.iter(f"{W}tr"))
    assert header.find("w:trPr/w:tblHeader", NS) is not None


@pytest.mark.parametrize("text, message", [
    ("::inconnu x", "directive inconnue"),
    ("{%tr for a in b %}", "tableau"),
    ("{%p if a %} texte {{ b }}", "seule"),
    ("#### trop", "titre"),
    ("| a |\n| b | c |", "trop de cellules"),
])
def test_markup_errors(text, message):
    with pytest.raises(MarkupError, match=message):
        build_fragment(text)


def test_build_is_deterministic():
    assert build_fragment(SAMPLE) == build_fragment(SAMPLE)
    assert build_base() == build_base()
    infos = zipfile.ZipFile(io.BytesIO(build_base())).infolist()
    assert {i.date_time for i in infos} == {(2026, 1, 1, 0, 0, 0)}


def test_fragment_shares_the_base_styles_and_numbering():
    base, frag = members(build_base()), members(build_fragment("# T"))
    for name in ("word/styles.xml", "word/numbering.xml", "word/header1.xml"):
        assert base[name] == frag[name]


def test_base_house_style():
    data = build_base()
    d = docx.Document(io.BytesIO(data))
    section = d.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    for margin in (section.left_margin, section.right_margin, section.top_margin,
                   section.bottom_margin):
        assert 2.0 <= round(margin.cm, 2) <= 2.5
    assert len(body(data)) == 1 and body(data)[0].tag == f"{W}sectPr"
    ids = base_style_ids(data)
    assert {"Normal", "Corpsdetexte", "Titre1", "Titre2", "Titre3", "TM1", "TM2",
            "Listepuces", "Listepuces2", "Listenumros", "Encadre", "TitreDocument",
            "SousTitreDocument", "Centre", "ACompleter", "Tableau"} <= ids
    assert d.styles["Body Text"].paragraph_format.alignment == 3  # justified
    m = members(data)
    numbering = etree.fromstring(m["word/numbering.xml"])
    levels = [lvl.find("w:lvlText", NS).get(f"{W}val")
              for lvl in numbering.find("w:abstractNum", NS).findall("w:lvl", NS)]
    assert levels == ["%1.", "%1.%2.", "%1.%2.%3."]
    heading = etree.fromstring(m["word/styles.xml"]).find(
        "w:style[@w:styleId='Titre1']/w:pPr", NS)
    assert heading.find("w:keepNext", NS) is not None
    assert heading.find("w:numPr/w:numId", NS).get(f"{W}val") == "1"
    header = m["word/header1.xml"].decode()
    assert "{{ acheteur.nom" in header and "{{ marche.reference" in header
    assert "{{ doc.titre }}" in header
    footer = etree.fromstring(m["word/footer1.xml"])
    assert "".join(t.text for t in footer.iter(f"{W}t")) == "Page 1 sur 1"
    assert [i.text.strip() for i in footer.iter(f"{W}instrText")] == ["PAGE", "NUMPAGES"]


def test_committed_templates_are_up_to_date():
    result = subprocess.run([sys.executable, str(ROOT / "tools/build_templates.py"), "--check"],
                            capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


def test_build_tool_check_reports_stale(tmp_path):
    src, out = tmp_path / "src", tmp_path / "out"
    (src / "cctp").mkdir(parents=True)
    (src / "cctp" / "a.txt").write_text("# A\n", encoding="utf-8")
    tool = [sys.executable, str(ROOT / "tools/build_templates.py"), "--src", str(src),
            "--out", str(out)]
    stale = subprocess.run(tool + ["--check"], capture_output=True, text=True)
    assert stale.returncode == 1 and "cctp/a.docx" in stale.stdout
    assert subprocess.run(tool, capture_output=True).returncode == 0
    assert (out / "base.docx").read_bytes() == build_base()
    assert docx_to_text(out / "cctp" / "a.docx") == "# A\n"
    assert subprocess.run(tool + ["--check"], capture_output=True).returncode == 0


def test_dump_of_a_rendered_document_marks_headings_bullets_tables(tmp_path):
    from cctp_builder.render import TemplateSet, render_docx
    root = tmp_path / "tpl"
    root.mkdir()
    (root / "base.docx").write_bytes(build_base())
    (root / "f.docx").write_bytes(build_fragment("# Objet\n- {{ a }}\n| X | Y |\n| 1 | 2 |"))
    data = render_docx(TemplateSet.get(builtin_dir=root), [("f", None)], {
        "a": "point", "acheteur": {"nom": "C"}, "marche": {"reference": "R"},
        "doc": {"titre": "T"}})
    assert docx_to_text(data) == "# Objet\n- point\n| X | Y |\n| 1 | 2 |\n"
