"""The CLI: init, schema, procedure, templates, help; the public API surface."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pytest
from conftest import MAPA, RACINE
from docxtext import docx_texte

import cctp_builder
from cctp_builder.cli import main


def test_public_api_is_small_and_exported():
    publics = sorted(n for n in dir(cctp_builder) if not n.startswith("_")
                     and not isinstance(getattr(cctp_builder, n), type(cctp_builder)))
    assert sorted(set(cctp_builder.__all__) - {"__version__"}) == publics
    assert issubclass(cctp_builder.ProjetInvalide, cctp_builder.CctpError)


@pytest.mark.parametrize("etudes", ["programmation_urbaine", "potentiel_enr,concertation,risques",
                                    ",".join(sorted(__import__("cctp_builder.catalogue").catalogue
                                                    .catalogue()))])
def test_init_writes_a_valid_commented_file(runner, tmp_path, etudes):
    chemin = tmp_path / "projet.yaml"
    res = runner.invoke(main, ["init", str(chemin), "--etudes", etudes])
    assert res.exit_code == 0, res.output
    texte = chemin.read_text("utf-8")
    assert texte.count("#") > 20
    res = runner.invoke(main, ["validate", str(chemin)])
    assert res.exit_code == 0, res.output


def test_init_refuses_unknown_module_and_existing_file(runner, tmp_path):
    chemin = tmp_path / "p.yaml"
    res = runner.invoke(main, ["init", str(chemin), "--etudes", "programation_urbaine"])
    assert res.exit_code == 1 and "programmation_urbaine" in res.output
    assert not chemin.exists()
    chemin.write_text("x")
    assert runner.invoke(main, ["init", str(chemin)]).exit_code == 1
    assert chemin.read_text() == "x"


def test_schema_is_json_and_matches_checked_in_copy(runner):
    res = runner.invoke(main, ["schema"])
    assert res.exit_code == 0
    schema = json.loads(res.output)
    assert "acheteur" in schema["properties"]
    assert (RACINE / "docs" / "schema-projet.json").read_text("utf-8") == res.output, (
        "docs/schema-projet.json est périmé : cctp-builder schema > docs/schema-projet.json")


@pytest.mark.parametrize("montant,date,attendu", [
    ("50000", "2026-05-01", "dispense"), ("50000", "2026-03-01", "mapa"),
    ("150000", "2026-06-01", "mapa"), ("216000", "2026-06-01", "appel_offres_ouvert"),
])
def test_procedure_json(runner, montant, date, attendu):
    res = runner.invoke(main, ["procedure", "--amount", montant, "--date", date, "--json"])
    assert res.exit_code == 0, res.output
    decision = json.loads(res.output)
    assert decision["procedure"] == attendu
    for cle in ("procedure", "publicite", "dce_gratuit_profil_acheteur", "delai_minimum_jours",
                "avance_obligatoire", "critere_environnemental_obligatoire",
                "donnees_essentielles", "references"):
        assert cle in decision
    if attendu == "appel_offres_ouvert":
        assert decision["delai_minimum_jours"] in (30, 35)
    if montant == "150000":
        assert decision["publicite"] == "boamp_ou_jal"


def test_procedure_text_lists_rules_to_check(runner):
    res = runner.invoke(main, ["procedure", "--amount", "150000", "--date", "2026-12-01"])
    assert res.exit_code == 0
    assert "procédure adaptée" in res.output.lower()
    assert "Légifrance" in res.output


def test_procedure_bad_amount_is_a_usage_error(runner):
    res = runner.invoke(main, ["procedure", "--amount", "beaucoup"])
    assert res.exit_code == 2 and "montant" in res.output


def test_every_command_has_help_and_is_in_the_readme(runner):
    readme = (RACINE / "README.md").read_text("utf-8")
    commandes = ["validate", "build", "procedure", "init", "schema", "etudes", "templates"]
    for nom in commandes:
        res = runner.invoke(main, [nom, "--help"])
        assert res.exit_code == 0 and len(res.output) > 100, nom
        assert f"cctp-builder {nom}" in readme, nom
    assert runner.invoke(main, ["--help"]).exit_code == 0


def test_templates_list_and_check_builtins(runner):
    res = runner.invoke(main, ["templates", "list"])
    assert res.exit_code == 0
    noms = res.output.split()
    assert "cctp/01_objet" in noms and "etudes/risques" in noms and "base" in noms
    res = runner.invoke(main, ["templates", "check"])
    assert res.exit_code == 0, res.output


FIXTURES = RACINE / "tests" / "fixtures" / "templates_casses"


def test_templates_check_reports_broken_fixtures(runner):
    res = runner.invoke(main, ["templates", "check", str(FIXTURES)])
    assert res.exit_code == 1
    sortie = res.output
    assert re.search(r"balise.{0,40}coup", sortie, re.I), sortie
    assert "inconnue" in sortie
    assert "syntaxe" in sortie.lower()
    assert "§" in sortie


def _remplacer_texte(docx: Path, ancien: str, nouveau: str) -> None:
    with zipfile.ZipFile(docx) as z:
        membres = {n: z.read(n) for n in z.namelist()}
    xml = membres["word/document.xml"].decode("utf-8")
    assert ancien in xml
    membres["word/document.xml"] = xml.replace(ancien, nouveau, 1).encode("utf-8")
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as z:
        for n, d in membres.items():
            z.writestr(n, d)
    docx.write_bytes(tampon.getvalue())


def test_exported_template_edited_changes_the_output(runner, tmp_path):
    modeles = tmp_path / "modeles"
    res = runner.invoke(main, ["templates", "export", str(modeles)])
    assert res.exit_code == 0, res.output
    cible = modeles / "cctp" / "01_objet.docx"
    assert cible.exists()
    _remplacer_texte(cible, "Titulaire unique", "Un seul titulaire pour toute la mission")
    res = runner.invoke(main, ["build", str(MAPA), "-o", str(tmp_path / "dce"), "--only", "cctp",
                               "--templates", str(modeles)])
    assert res.exit_code == 0, res.output
    texte = docx_texte(tmp_path / "dce" / "CHV-2026-03" / "04-CCTP.docx")
    assert "Un seul titulaire pour toute la mission" in texte
    assert "Titulaire unique" not in texte
    res = runner.invoke(main, ["templates", "dump", "cctp/01_objet", "--templates", str(modeles)])
    assert "Un seul titulaire pour toute la mission" in res.output


def test_unsafe_template_is_refused(runner, tmp_path):
    modeles = tmp_path / "modeles"
    runner.invoke(main, ["templates", "export", str(modeles)])
    _remplacer_texte(modeles / "cctp" / "01_objet.docx", "Titulaire unique",
                     "{{ ''.__class__.__mro__ }}")
    res = runner.invoke(main, ["build", str(MAPA), "-o", str(tmp_path / "dce"), "--only", "cctp",
                               "--templates", str(modeles)])
    assert res.exit_code == 1
    assert "Traceback" not in res.output
    assert "cctp/01_objet" in res.output
    assert not (tmp_path / "dce" / "CHV-2026-03").exists()


def test_zip_bomb_template_is_refused(runner, tmp_path):
    modeles = tmp_path / "modeles" / "cctp"
    modeles.mkdir(parents=True)
    with zipfile.ZipFile(modeles / "01_objet.docx", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"\x00" * (150 * 1024 * 1024))
    res = runner.invoke(main, ["build", str(MAPA), "-o", str(tmp_path / "dce"), "--only", "cctp",
                               "--templates", str(modeles.parent)])
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output


def test_templates_check_reports_unknown_attribute_and_private_access(runner, tmp_path):
    modeles = tmp_path / "modeles"
    runner.invoke(main, ["templates", "export", str(modeles)])
    _remplacer_texte(modeles / "cctp" / "01_objet.docx", "Titulaire unique",
                     "{{ acheteur.contact.mail }} {{ operation.__class__ }}")
    res = runner.invoke(main, ["templates", "check", str(modeles)])
    assert res.exit_code == 1
    assert "« acheteur.contact.mail » n'existe pas" in res.output
    assert "email" in res.output  # the fields it could have meant
    assert "attribut interdit « operation.__class__ »" in res.output
    assert "cctp/01_objet.docx §" in res.output


def test_templates_check_on_a_folder_without_templates(runner, tmp_path):
    res = runner.invoke(main, ["templates", "check", str(tmp_path)])
    assert res.exit_code == 1 and "aucun modèle .docx" in res.output
