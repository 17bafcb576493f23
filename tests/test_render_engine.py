"""Engine: template sets, rendering, escaping, sandbox, post-processing, determinism."""

from __future__ import annotations

import io
import os
import shutil
import zipfile
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import docx
import pytest
from lxml import etree

from cctp_builder.errors import ModeleInvalide
from cctp_builder.render import TemplateSet, build_base, build_fragment, render_docx
from cctp_builder.render.engine import builtin_templates_dir

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
NS = {"w": W[1:-1]}


def context(**over):
    ctx = {
        "acheteur": {"nom": "Commune de Saint-Martin"},
        "marche": {"reference": "2026-ETU-01"},
        "doc": {"code": "cctp", "numero": "04",
                "titre": "Cahier des clauses techniques particulières"},
        "operation": {"nom": "Quartier de la Gare"},
        "montant_total_ht": Decimal("62000"),
        "tranches": [{"code": "TF", "intitule": "Diagnostic"},
                     {"code": "TO1", "intitule": "Plan guide"}],
        "calendrier": {"date_limite": datetime(2026, 4, 6, 12, 0), "debut": date(2026, 6, 1)},
    }
    ctx.update(over)
    return ctx


def make_dir(root: Path, fragments: dict[str, str], *, base: bool = True) -> Path:
    root.mkdir(parents=True, exist_ok=True)
    if base:
        (root / "base.docx").write_bytes(build_base())
    for name, text in fragments.items():
        path = root / f"{name}.docx"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(build_fragment(text))
    return root


def check(data: bytes) -> bytes:
    """Every XML part is well-formed and python-docx opens the file."""
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.testzip() is None
        for name in zf.namelist():
            if name.endswith((".xml", ".rels")):
                etree.fromstring(zf.read(name))
    docx.Document(io.BytesIO(data))
    return data


def render(tmp_path: Path, text: str, ctx=None, **kw) -> bytes:
    ts = TemplateSet.get(builtin_dir=make_dir(tmp_path / "tpl", {"t/frag": text}))
    return check(render_docx(ts, [("t/frag", None)], context() if ctx is None else ctx, **kw))


def part(data: bytes, name: str = "word/document.xml") -> etree._Element:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return etree.fromstring(zf.read(name))  # raises if not well-formed


def texts(data: bytes) -> list[str]:
    return ["".join(t.text or "" for t in p.iter(f"{W}t"))
            for p in part(data).iter(f"{W}p")]


def opens(data: bytes) -> docx.document.Document:
    return docx.Document(io.BytesIO(data))


# ------------------------------------------------------------------ rendering basics
def test_render_basic_and_header(tmp_path):
    data = render(tmp_path, "# Objet\nOpération **{{ operation.nom }}** de {{ acheteur.nom }}.")
    d = opens(data)
    assert [p.style.name for p in d.paragraphs] == ["Heading 1", "Body Text"]
    assert d.paragraphs[1].text == "Opération Quartier de la Gare de Commune de Saint-Martin."
    assert d.paragraphs[1].runs[1].bold
    header = "".join(t.text for t in part(data, "word/header1.xml").iter(f"{W}t"))
    assert header == ("Commune de Saint-Martin — 2026-ETU-01"
                      "Cahier des clauses techniques particulières")
    footer = part(data, "word/footer1.xml")
    instr = [i.text.strip() for i in footer.iter(f"{W}instrText")]
    assert instr == ["PAGE", "NUMPAGES"]


def test_autoescape_keeps_xml_valid_and_text_literal(tmp_path):
    ctx = context(acheteur={"nom": "Ponts & Chaussées < 2"})
    data = render(tmp_path, "Maître d'ouvrage : {{ acheteur.nom }}.", ctx)
    assert texts(data) == ["Maître d'ouvrage : Ponts & Chaussées < 2."]
    header = "".join(t.text for t in part(data, "word/header1.xml").iter(f"{W}t"))
    assert header.startswith("Ponts & Chaussées < 2 — ")
    opens(data)


def test_jinja_in_a_value_is_not_evaluated(tmp_path):
    data = render(tmp_path, "Nom : {{ operation.nom }}", context(operation={"nom": "{{ 7*7 }}"}))
    assert texts(data) == ["Nom : {{ 7*7 }}"]


def test_sandbox_refuses_unsafe_attributes(tmp_path):
    with pytest.raises(ModeleInvalide) as err:
        render(tmp_path, "{{ ''.__class__.__mro__ }}")
    assert "bac à sable" in str(err.value)
    assert err.value.modele == "t/frag"


def test_undefined_variable_names_the_template_and_the_paragraph(tmp_path):
    with pytest.raises(ModeleInvalide) as err:
        render(tmp_path, "# Objet\nPremier paragraphe.\nLe maire {{ maire.nom }} signe.")
    e = err.value
    assert e.modele == "t/frag"
    assert "« maire » n'est pas définie" in str(e)
    assert "Le maire {{ maire.nom }} signe." in e.extrait
    assert "Premier" not in e.extrait


def test_missing_attribute_and_filter_errors_are_modele_invalide(tmp_path):
    with pytest.raises(ModeleInvalide, match="« absent » n'existe pas"):
        render(tmp_path, "{{ acheteur.absent }}")
    with pytest.raises(ModeleInvalide, match="valeur vide"):
        render(tmp_path, "{{ rien | montant }}", context(rien=None))


def test_syntax_error_is_modele_invalide(tmp_path):
    with pytest.raises(ModeleInvalide) as err:
        render(tmp_path, "Texte.\n{%p if operation %}\nA\n")
    assert "bloc « if »" in str(err.value)


def test_control_characters_in_values_are_dropped(tmp_path):
    ctx = context(operation={"nom": "a\x08b\x00c\ufffe", "texte": "l1\r\nl2\rl3"})
    data = render(tmp_path, "{{ operation.nom }} {{ operation.texte }}", ctx)
    assert texts(data) == ["abc l1l2l3"]
    assert len(part(data).findall(".//w:br", NS)) == 2


def test_none_value_prints_a_marker_not_none(tmp_path):
    data = render(tmp_path, "Référence : {{ marche.reference }}",
                  context(marche={"reference": None}))
    assert texts(data) == ["Référence : [À compléter]"]


# ------------------------------------------------------------------ post-processing
def test_marker_gets_its_own_highlighted_bold_run(tmp_path):
    data = render(tmp_path, 'Date : *{{ d | ac("date limite") }}* fin.', context(d=None))
    runs = part(data).findall(".//w:body/w:p/w:r", NS)
    got = [("".join(t.text for t in r.iter(f"{W}t")),
            r.find("w:rPr/w:highlight", NS) is not None,
            r.find("w:rPr/w:b", NS) is not None,
            r.find("w:rPr/w:i", NS) is not None) for r in runs]
    assert got == [("Date : ", False, False, False),
                   ("[À compléter\u00a0: date limite]", True, True, True),
                   (" fin.", False, False, False)]
    assert runs[1].find("w:rPr/w:highlight", NS).get(f"{W}val") == "yellow"
    # schema order inside w:rPr: b before i before highlight
    assert [etree.QName(c).localname for c in runs[1].find("w:rPr", NS)] == [
        "b", "bCs", "i", "iCs", "highlight"]


@pytest.mark.parametrize("xml, expected", [
    ('<w:t xml:space="preserve">a\nb\tc</w:t>',
     '<w:t xml:space="preserve">a</w:t><w:br/><w:t xml:space="preserve">b</w:t><w:tab/>'
     '<w:t xml:space="preserve">c</w:t>'),
    ("<w:t>x\ny\nz</w:t>",
     '<w:t xml:space="preserve">x</w:t><w:br/><w:t xml:space="preserve">y</w:t><w:br/>'
     '<w:t xml:space="preserve">z</w:t>'),
    ("<w:instrText>q\nr</w:instrText>\n<w:tbl/>", "<w:instrText>q\nr</w:instrText>\n<w:tbl/>"),
])
def test_text_controls(xml, expected):
    from cctp_builder.render.xmlpost import text_controls
    assert text_controls(xml) == expected


def test_newline_in_value_becomes_a_line_break(tmp_path):
    data = render(tmp_path, "Adresse : {{ a }}", context(a="1 rue Haute\n12345 Ville"))
    p = part(data).find(".//w:body/w:p", NS)
    kinds = [etree.QName(c).localname for r in p.iter(f"{W}r") for c in r]
    assert kinds == ["t", "br", "t"]
    assert texts(data) == ["Adresse : 1 rue Haute12345 Ville"]


def test_toc_is_prefilled_with_numbered_headings(tmp_path):
    text = "::sommaire\n# Objet\n## Périmètre\n### Détail\n# Durée\n## Délais\n"
    data = render(tmp_path, text)
    body = part(data).find("w:body", NS)
    toc = [(p.find("w:pPr/w:pStyle", NS).get(f"{W}val"),
            "".join(t.text for t in p.iter(f"{W}t")))
           for p in body.findall("w:p", NS)
           if p.find("w:pPr/w:pStyle", NS) is not None
           and p.find("w:pPr/w:pStyle", NS).get(f"{W}val").startswith("TM")]
    assert toc == [("TM1", "1.Objet"), ("TM2", "1.1.Périmètre"), ("TM1", "2.Durée"),
                   ("TM2", "2.1.Délais")]
    kinds = [f.get(f"{W}fldCharType") for f in body.iter(f"{W}fldChar")]
    assert kinds == ["begin", "separate", "end"]
    settings = part(data, "word/settings.xml")
    assert settings.find("w:updateFields", NS).get(f"{W}val") == "true"
    opens(data)


def test_settings_without_toc_do_not_ask_for_update(tmp_path):
    settings = part(render(tmp_path, "# Objet"), "word/settings.xml")
    assert settings.find("w:updateFields", NS) is None


def test_paragraph_tags_and_row_loops(tmp_path):
    text = ("{%p if operation %}\nVisible.\n{%p endif %}\n{%p if not operation %}\nCaché.\n"
            "{%p endif %}\n{%p for t in tranches %}\n- {{ t.code }}\n{%p endfor %}\n"
            "| Code | Intitulé |\n| {%tr for t in tranches %} |\n"
            "| {{ t.code }} | {{ t.intitule }} |\n| {%tr endfor %} |\n")
    data = render(tmp_path, text)
    assert [t for t in texts(data) if t] == [
        "Visible.", "TF", "TO1", "Code", "Intitulé", "TF", "Diagnostic", "TO1", "Plan guide"]
    assert len(part(data).findall(".//w:tr", NS)) == 3


def test_table_emptied_by_a_loop_is_removed(tmp_path):
    text = "| {%tr for t in tranches %} |\n| {{ t.code }} |\n| {%tr endfor %} |\nFin."
    data = render(tmp_path, text, context(tranches=[]))
    assert part(data).find(".//w:tbl", NS) is None
    opens(data)


def test_numbered_lists_restart_after_a_paragraph(tmp_path):
    data = render(tmp_path, "1. a\n1. b\nTexte.\n1. c\n1. d\n")
    numbering = part(data, "word/numbering.xml")
    paras = part(data).findall(".//w:body/w:p", NS)
    ids = [p.find("w:pPr/w:numPr/w:numId", NS) for p in paras]
    assert ids[0] is None and ids[1] is None  # the style's own numbering
    assert ids[3] is not None and ids[3].get(f"{W}val") == ids[4].get(f"{W}val")
    new_id = ids[3].get(f"{W}val")
    num = numbering.find(f"w:num[@w:numId='{new_id}']", NS)
    assert num.find("w:lvlOverride/w:startOverride", NS).get(f"{W}val") == "1"


def test_malformed_output_blames_the_fragment(tmp_path):
    """An {% if %} opened in a table cell and closed in the body cuts the XML in two."""
    root = make_dir(tmp_path / "tpl", {"ok": "Bien.", "ko": "| {% if x %}A |\nB{% endif %}"})
    ts = TemplateSet.get(builtin_dir=root)
    assert texts(check(render_docx(ts, [("ok", None), ("ko", None)], context(x=True))))
    with pytest.raises(ModeleInvalide) as err:
        render_docx(ts, [("ok", None), ("ko", None)], context(x=False))
    assert err.value.modele == "ko"
    assert "{%p" in str(err.value)


def test_safe_filter_is_not_available(tmp_path):
    with pytest.raises(ModeleInvalide, match="filtre inconnu « safe »"):
        render(tmp_path, "{{ x | safe }}", context(x="<w:p>"))


def test_fragments_are_compiled_once(tmp_path):
    """Rendering twice reuses the compiled fragments (compile-once cache), same bytes."""
    text = "# Partie\n" + "\n".join(
        f"Texte {{{{ operation.nom }}}} {{{{ montant_total_ht | montant }}}} {i}."
        for i in range(20))
    root = make_dir(tmp_path / "tpl", {f"p/{i:02d}": text for i in range(15)})
    ts = TemplateSet.get(builtin_dir=root)
    frags = [(f"p/{i:02d}", None) for i in range(15)]
    premier = render_docx(ts, frags, context())
    compiles = [ts.fragment(nom) for nom, _ in frags]
    assert render_docx(ts, frags, context()) == premier
    assert all(ts.fragment(nom) is c for (nom, _), c in zip(frags, compiles, strict=True))


# ------------------------------------------------------------------ package
def test_render_is_deterministic(tmp_path):
    text = "::sommaire\n# Objet\n1. a\nTexte\n1. b\n{{ d | ac('x') }}"
    a = render(tmp_path / "a", text, context(d=None))
    b = render(tmp_path / "b", text, context(d=None))
    assert a == b
    with zipfile.ZipFile(io.BytesIO(a)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(2026, 1, 1, 0, 0, 0)}
        names = zf.namelist()
        assert names == sorted(names) and names[0] == "[Content_Types].xml"
        assert zf.testzip() is None


def test_core_properties(tmp_path):
    data = render(tmp_path, "Texte", core_properties={
        "title": "CCTP & annexes", "subject": "Étude", "creator": "Commune",
        "created": "2026-03-01", "modified": datetime(2026, 3, 2, 10, 0)})
    props = opens(data).core_properties
    assert props.title == "CCTP & annexes"
    assert props.author == "Commune"
    assert props.created == datetime(2026, 3, 1, 0, 0, tzinfo=UTC)
    assert props.modified == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    bad = render(tmp_path / "3", "x", core_properties={"title": "a\x08b", "subject": None})
    assert opens(bad).core_properties.title == "ab"
    assert opens(render(tmp_path / "2", "x")).core_properties.title == (
        "Cahier des clauses techniques particulières")


def test_many_fragments_with_extra_variables(tmp_path):
    root = make_dir(tmp_path / "tpl", {f"p/{i:02d}": f"# Partie {i}\n{{{{ etude.titre }}}}"
                                       for i in range(15)})
    ts = TemplateSet.get(builtin_dir=root)
    frags = [(f"p/{i:02d}", {"etude": {"titre": f"Étude {i}"}}) for i in range(15)]
    data = check(render_docx(ts, frags, context()))
    assert texts(data)[:4] == ["Partie 0", "Étude 0", "Partie 1", "Étude 1"]
    assert len(opens(data).paragraphs) == 30


# ------------------------------------------------------------------ template sets
def test_override_replaces_builtin(tmp_path):
    builtin = make_dir(tmp_path / "builtin", {"cctp/01_objet": "Texte fourni.",
                                              "cctp/02_duree": "Durée fournie."})
    override = make_dir(tmp_path / "perso", {"cctp/01_objet": "Texte de la commune."},
                        base=False)
    ts = TemplateSet.get(override, builtin_dir=builtin)
    assert ts.names() == ["base", "cctp/01_objet", "cctp/02_duree"]
    assert ts.source("cctp/01_objet") == (override / "cctp/01_objet.docx").resolve()
    assert ts.source("cctp/02_duree.docx") == (builtin / "cctp/02_duree.docx").resolve()
    data = render_docx(ts, [("cctp/01_objet", None), ("cctp/02_duree", None)], context())
    assert texts(data) == ["Texte de la commune.", "Durée fournie."]
    assert TemplateSet.get(builtin_dir=builtin).fragment("cctp/01_objet") is not \
        ts.fragment("cctp/01_objet")


def test_unknown_template_and_missing_override_dir(tmp_path):
    ts = TemplateSet.get(builtin_dir=make_dir(tmp_path / "b", {}))
    assert not ts.has("cctp/99")
    with pytest.raises(ModeleInvalide, match="introuvable"):
        ts.fragment("cctp/99")
    with pytest.raises(ModeleInvalide, match="introuvable"):
        TemplateSet.get(tmp_path / "nulle_part", builtin_dir=tmp_path / "b")


def test_cache_is_reused_and_invalidated_on_change(tmp_path):
    root = make_dir(tmp_path / "tpl", {"f": "Version 1"})
    ts1 = TemplateSet.get(builtin_dir=root)
    frag1 = ts1.fragment("f")
    assert TemplateSet.get(builtin_dir=root) is ts1
    assert ts1.fragment("f") is frag1
    path = root / "f.docx"
    st = path.stat()
    path.write_bytes(build_fragment("Version 2"))
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 1_000_000_000))
    ts2 = TemplateSet.get(builtin_dir=root)
    assert ts2 is not ts1
    assert texts(render_docx(ts2, [("f", None)], context())) == ["Version 2"]


def test_builtin_dir_holds_the_templates():
    assert (builtin_templates_dir() / "base.docx").is_file()
    ts = TemplateSet.get()
    assert ts.has("base") and ts.has("cctp/01_objet") and ts.has("etudes/risques")


def test_demo_fragment_renders(tmp_path):
    demo = Path(__file__).parent / "fixtures" / "demo" / "demo.txt"
    root = tmp_path / "tpl"
    (root / "exemple").mkdir(parents=True)
    shutil.copyfile(builtin_templates_dir() / "base.docx", root / "base.docx")
    (root / "exemple" / "demo.docx").write_bytes(build_fragment(demo.read_text("utf-8")))
    ctx = context(concertation={"modalites": None}, duree_totale_semaines=6,
                  tranches=[{"code": "TF", "intitule": "Diagnostic",
                             "montant_estime_ht": Decimal("40000")}])
    data = check(render_docx(TemplateSet.get(builtin_dir=root), [("exemple/demo", None)], ctx))
    d = opens(data)
    assert any(p.style.name == "Heading 1" for p in d.paragraphs)
    assert b"[\xc3\x80 compl\xc3\xa9ter\xc2\xa0: modalit" in zipfile.ZipFile(
        io.BytesIO(data)).read("word/document.xml")


# ------------------------------------------------------------------ unsafe files
def _zip(members: dict[str, bytes], level: int = 9) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


@pytest.mark.parametrize("content, message", [
    (b"ceci n'est pas un zip", "pas un fichier Word"),
    (_zip({"word/document.xml": b"<a/>", "bombe.bin": b"\0" * (30 * 1024 * 1024)}),
     "taux de compression"),
    (_zip({f"f{i}.xml": b"x" for i in range(2001)}), "2001 éléments"),
    (_zip({"a.txt": b"x"}), "word/document.xml absent"),
])
def test_unsafe_or_invalid_docx_is_refused(tmp_path, content, message):
    root = make_dir(tmp_path / "tpl", {})
    (root / "f.docx").write_bytes(content)
    ts = TemplateSet.get(builtin_dir=root)
    with pytest.raises(ModeleInvalide, match=message):
        ts.fragment("f")


def test_oversized_file_is_refused(tmp_path):
    root = make_dir(tmp_path / "tpl", {})
    with open(root / "f.docx", "wb") as fh:
        fh.truncate(21 * 1024 * 1024)
    with pytest.raises(ModeleInvalide, match="trop volumineux"):
        TemplateSet.get(builtin_dir=root).fragment("f")


def test_uncompressed_size_limit(tmp_path):
    make_dir(tmp_path / "tpl", {})
    rnd = os.urandom(1024 * 1024)
    members = {"word/document.xml": b"<a/>"}
    members.update({f"m{i}.bin": rnd for i in range(101)})  # 101 MB, incompressible
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    from cctp_builder.render.package import read_docx
    with pytest.raises(ModeleInvalide, match="(100 Mo|20 Mo)"):
        read_docx(buf.getvalue())


# ------------------------------------------------------------------ fragments made in Word
W14 = "http://schemas.microsoft.com/office/word/2010/wordml"
HYPERLINK = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/hyperlink"


def word_fragment(body: str, rels: str = "") -> bytes:
    """A fragment as Word writes it: extra namespaces, rsids, comments, relationships."""
    from cctp_builder.render.package import write_zip

    with zipfile.ZipFile(io.BytesIO(build_fragment("X"))) as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    doc = members["word/document.xml"].decode()
    head = doc[: doc.index("<w:body>")].replace("<w:document ", f'<w:document xmlns:w14="{W14}" ')
    members["word/document.xml"] = (head + f"<w:body>{body}<w:sectPr/></w:body></w:document>"
                                    ).encode()
    rel_xml = members["word/_rels/document.xml.rels"].decode()
    members["word/_rels/document.xml.rels"] = rel_xml.replace(
        "</Relationships>", rels + "</Relationships>").encode()
    return write_zip(members.items())


def render_word(tmp_path, body, rels="", ctx=None):
    root = make_dir(tmp_path / "tpl", {})
    (root / "w.docx").write_bytes(word_fragment(body, rels))
    return check(render_docx(TemplateSet.get(builtin_dir=root), [("w", None)],
                             ctx or context()))


def test_word_noise_is_cleaned_and_split_runs_merged(tmp_path):
    body = ('<w:p w:rsidR="00A1" w14:paraId="1A2B3C4D"><w:pPr><w:pStyle w:val="Heading1"/>'
            '</w:pPr><w:r w:rsidR="00A2"><w:t>Objet {{ operation</w:t></w:r><w:proofErr '
            'w:type="spellStart"/><w:r w:rsidR="00A3"><w:t>.nom }}</w:t></w:r>'
            '<w:commentRangeStart w:id="0"/><w:r><w:rPr><w14:ligatures w14:val="all"/></w:rPr>'
            '<w:t xml:space="preserve"> fin</w:t></w:r><w:commentRangeEnd w:id="0"/>'
            '<w:r><w:commentReference w:id="0"/></w:r></w:p>')
    data = render_word(tmp_path, body)
    assert texts(data) == ["Objet Quartier de la Gare fin"]
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "rsid" not in xml and "comment" not in xml and "paraId" not in xml
    assert 'w:val="Titre1"' in xml  # English Word id mapped to the house style
    assert "w14:ligatures" in xml


def test_external_hyperlink_is_kept(tmp_path):
    body = ('<w:p><w:hyperlink r:id="rId42"><w:r><w:t>{{ operation.nom }}</w:t></w:r>'
            '</w:hyperlink></w:p>')
    rels = (f'<Relationship Id="rId42" Type="{HYPERLINK}" '
            'Target="https://www.marches-publics.gouv.fr/?a=1&amp;b=2" TargetMode="External"/>')
    data = render_word(tmp_path, body, rels)
    link = part(data).find(".//w:hyperlink", NS)
    rid = link.get("{http://schemas.openxmlformats.org/officeDocument/2006/relationships}id")
    rel = part(data, "word/_rels/document.xml.rels").find(
        f"{{http://schemas.openxmlformats.org/package/2006/relationships}}Relationship[@Id='{rid}']")
    assert rel.get("Target") == "https://www.marches-publics.gouv.fr/?a=1&b=2"
    assert rel.get("TargetMode") == "External"


@pytest.mark.parametrize("body, message", [
    ('<w:p><w:r><w:drawing><a:blip xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/'
     'main" r:embed="rId99"/></w:drawing></w:r></w:p>', "images"),
    ('<w:p><w:r><w:footnoteReference w:id="1"/></w:r></w:p>', "notes de bas de page"),
])
def test_unsupported_word_content_is_refused(tmp_path, body, message):
    with pytest.raises(ModeleInvalide, match=message):
        render_word(tmp_path, body)


def test_inner_section_keeps_no_foreign_header_reference(tmp_path):
    body = ('<w:p><w:pPr><w:sectPr><w:headerReference w:type="default" r:id="rId8"/>'
            '<w:pgSz w:w="16838" w:h="11906" w:orient="landscape"/></w:sectPr></w:pPr>'
            '<w:r><w:t>Paysage</w:t></w:r></w:p>')
    data = render_word(tmp_path, body)
    sects = part(data).findall(".//w:sectPr", NS)
    assert len(sects) == 2 and sects[0].find("w:headerReference", NS) is None
    assert sects[1].find("w:headerReference", NS) is not None  # the base's final section


def test_word_smart_quotes_and_ampersand_inside_tags(tmp_path):
    body = ('<w:p><w:r><w:t>{{ v | ac(“libellé”) }} {{ "Ponts &amp; Chaussées" }} '
            '{% if 1 &lt; 2 %}oui{% endif %}</w:t></w:r></w:p>')
    data = render_word(tmp_path, body, ctx=context(v=None))
    assert texts(data) == ["[À compléter\u00a0: libellé] Ponts & Chaussées oui"]


def _fld(kind: str) -> str:
    return f'<w:r><w:fldChar w:fldCharType="{kind}"/></w:r>'


def _toc_entry(style: str, text: str, anchor: str) -> str:
    return (f'<w:p><w:pPr><w:pStyle w:val="{style}"/></w:pPr><w:hyperlink w:anchor="{anchor}">'
            f"<w:r><w:t>{text}</w:t></w:r>{_fld('begin')}<w:r><w:instrText> PAGEREF {anchor} "
            f"\\h </w:instrText></w:r>{_fld('separate')}<w:r><w:t>7</w:t></w:r>{_fld('end')}"
            "</w:hyperlink></w:p>")


def test_word_toc_in_a_content_control_is_refilled(tmp_path):
    toc = ("<w:sdt><w:sdtPr><w:docPartObj><w:docPartGallery w:val=\"Table of Contents\"/>"
           "</w:docPartObj></w:sdtPr><w:sdtContent>"
           '<w:p><w:pPr><w:pStyle w:val="TM1"/></w:pPr>' + _fld("begin")
           + '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h \\z \\u </w:instrText>'
           "</w:r>" + _fld("separate") + "</w:p>"
           + _toc_entry("TM1", "Ancien titre", "_Toc1")
           + _toc_entry("TM2", "Ancien sous-titre", "_Toc2")
           + "<w:p>" + _fld("end") + "</w:p></w:sdtContent></w:sdt>")
    heads = ('<w:p><w:pPr><w:pStyle w:val="Titre1"/></w:pPr><w:r><w:t>Objet</w:t></w:r></w:p>'
             '<w:p><w:pPr><w:pStyle w:val="Titre3"/></w:pPr><w:r><w:t>Détail</w:t></w:r></w:p>')
    data = render_word(tmp_path, toc + heads)
    content = part(data).find(".//w:sdtContent", NS)
    got = ["".join(t.text for t in p.iter(f"{W}t")) for p in content.findall("w:p", NS)]
    assert got == ["1.Objet", "1.0.1.Détail"]  # a skipped level counts 0, as in Word
    kinds = [f.get(f"{W}fldCharType") for f in content.iter(f"{W}fldChar")]
    assert kinds == ["begin", "separate", "end"]
