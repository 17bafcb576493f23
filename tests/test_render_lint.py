"""Template linter: each broken fixture is reported with its file and paragraph."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from cctp_builder.errors import ModeleInvalide
from cctp_builder.render import (
    TemplateSet,
    base_style_ids,
    build_base,
    build_fragment,
    lint_templates,
    render_docx,
)

FIXTURES = Path(__file__).parent / "fixtures" / "templates_casses"
KNOWN = {"acheteur", "operation", "montant_total_ht", "marche", "doc", "tranches", "x", "ts"}


def findings(directory: Path, styles=None):
    return [(c.chemin, c.gravite, c.message) for c in lint_templates(directory, KNOWN, styles)]


@pytest.fixture(scope="module")
def broken():
    return lint_templates(FIXTURES, KNOWN, base_style_ids())


def _only(found, chemin):
    hits = [c for c in found if c.chemin == chemin and c.gravite == "erreur"]
    assert len(hits) == 1, [str(c) for c in found]
    return hits[0]


def test_split_tag_that_docxtpl_cannot_mend(broken):
    c = _only(broken, "balise_coupee.docx §3")
    assert "{{ operation.nom }}" in c.message and "coupée" in c.message
    assert c.fichier == str(FIXTURES / "balise_coupee.docx")
    assert c.ligne == 3


def test_tracked_changes_are_a_warning(broken):
    assert any(c.chemin == "balise_coupee.docx" and c.gravite == "avertissement"
               and "révisions" in c.message for c in broken)


def test_unknown_variable(broken):
    c = _only(broken, "variable_inconnue.docx §3")
    assert "« montant_inconnu »" in c.message
    assert "Le montant est" in c.message


def test_jinja_syntax_error(broken):
    c = _only(broken, "syntaxe.docx §3")
    assert c.message.startswith("erreur de syntaxe")
    assert "Montant : {{ montant_total_ht | montant( }}" in c.message


def test_no_other_errors_in_fixtures(broken):
    erreurs = sorted(c.chemin for c in broken if c.gravite == "erreur")
    assert erreurs == ["balise_coupee.docx §3", "syntaxe.docx §3", "variable_inconnue.docx §3"]


def test_engine_leaves_the_split_tag_unrendered(tmp_path):
    """Why the linter matters: the engine cannot see the split tag either."""
    root = tmp_path / "tpl"
    root.mkdir()
    (root / "base.docx").write_bytes(build_base())
    shutil.copy(FIXTURES / "balise_coupee.docx", root / "f.docx")
    data = render_docx(TemplateSet.get(builtin_dir=root), [("f", None)], {
        "operation": {"nom": "NOM"}, "acheteur": {"nom": "A"}, "marche": {"reference": "R"},
        "doc": {"titre": "T"}})
    assert b"NOM" not in data


def test_syntax_fixture_is_refused_by_the_engine(tmp_path):
    root = tmp_path / "tpl"
    root.mkdir()
    (root / "base.docx").write_bytes(build_base())
    shutil.copy(FIXTURES / "syntaxe.docx", root / "f.docx")
    with pytest.raises(ModeleInvalide) as err:
        TemplateSet.get(builtin_dir=root).fragment("f")
    assert err.value.modele == "f" and "Montant :" in err.value.extrait


def _dir(tmp_path: Path, fragments: dict[str, str]) -> Path:
    tmp_path.mkdir(parents=True, exist_ok=True)
    for name, text in fragments.items():
        (tmp_path / f"{name}.docx").write_bytes(build_fragment(text))
    return tmp_path


@pytest.mark.parametrize("text, chemin, fragment", [
    ("# T\nA\n{%p if x %}\nB\n{%p endfor %}\nC", "f.docx §5", "balise inconnue « endfor »"),
    ("# T\nA\n{%p if x %}\nB\nC", "f.docx §5", "bloc « if »"),
    ("# T\n| a | b |\n| {%tr for t in ts %} |\n| {{ t.a }} | {{ t.b + }} |\n| {%tr endfor %} |",
     "f.docx §6", "expression incomplète"),
])
def test_syntax_errors_point_at_the_paragraph(tmp_path, text, chemin, fragment):
    found = findings(_dir(tmp_path, {"f": text}))
    assert [(c, g) for c, g, _ in found] == [(chemin, "erreur")]
    assert fragment in found[0][2]


def test_loop_and_set_variables_are_not_unknown(tmp_path):
    text = ("{%p for t in ts %}\n{{ loop.index }} {{ t.a }}\n{%p endfor %}\n"
            "{% set total = 3 %}{{ total }} {{ range(2) | list }}\n"
            "{%p if x %}\n{%p set dep = x + 1 %}\n{%p if dep %}\nA\n{%p endif %}\n{%p endif %}\n"
            "{% set ns = namespace(n=0) %}{% set ns.n = 2 %}{{ ns.n }}\n"
            "{% macro m(a) %}{{ a }}{% endmacro %}{{ m(1) }}")
    assert findings(_dir(tmp_path, {"f": text})) == []


def test_unknown_style_is_a_warning(tmp_path):
    root = _dir(tmp_path, {"f": "# Titre\nTexte"})
    assert findings(root, base_style_ids()) == []
    found = findings(root, {"Normal"})
    assert {(c, g) for c, g, _ in found} == {("f.docx §1", "avertissement"),
                                             ("f.docx §2", "avertissement")}
    assert "« Titre1 »" in found[0][2]


def test_invalid_file_is_reported(tmp_path):
    (tmp_path / "casse.docx").write_bytes(b"pas un zip")
    (tmp_path / "~$verrou.docx").write_bytes(b"fichier de verrou de Word")
    found = findings(tmp_path)
    assert len(found) == 1
    assert found[0][0] == "casse.docx" and "archive zip illisible" in found[0][2]


def test_builtin_base_header_names_are_checked(tmp_path):
    (tmp_path / "base.docx").write_bytes(build_base())
    assert lint_templates(tmp_path, {"acheteur", "marche", "doc"}) == []
    found = lint_templates(tmp_path, {"acheteur", "doc"})
    assert [c.message for c in found] == ["en-tête : variable inconnue « marche »"]
