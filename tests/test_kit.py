"""The whole kit through the CLI and the library: pieces, determinism, atomicity, procedures."""

from __future__ import annotations

import hashlib
import io
import json
import re
import zipfile
from pathlib import Path

import docx
import openpyxl
import pytest
from conftest import DISPENSE, EXEMPLES, MAPA, RICHE
from docxtext import docx_texte, normaliser

from cctp_builder import load_project
from cctp_builder.cli import main
from cctp_builder.context import build_context
from cctp_builder.kit import build_kit, render_piece

PIECES = ["01-RC.docx", "02-AE.docx", "03-CCAP.docx", "04-CCTP.docx", "05-DPGF.xlsx",
          "06-CMT.docx", "07-AAPC.docx", "manifest.json"]
PIECES_ALLEGEES = ["01-Lettre-de-consultation.docx", "02-Cahier-des-charges.docx",
                   "03-Devis.xlsx", "manifest.json"]


def _sha(p: Path) -> str:
    return hashlib.sha256(p.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def kits(tmp_path_factory) -> dict[str, Path]:
    """Every example built once with the CLI (zip included)."""
    from click.testing import CliRunner

    out = tmp_path_factory.mktemp("dce")
    res = CliRunner().invoke(main, ["build", *map(str, EXEMPLES), "-o", str(out), "--zip"])
    assert res.exit_code == 0, res.output
    return {p.stem: out / load_project(p).marche.reference for p in EXEMPLES}


def test_every_piece_is_written_and_opens(kits):
    formes = {p.stem: build_context(load_project(p))["forme_kit"] for p in EXEMPLES}
    assert formes[DISPENSE.stem] == "allege" and formes[RICHE.stem] == "complet"
    for exemple, dossier in kits.items():
        attendues = PIECES_ALLEGEES if formes[exemple] == "allege" else PIECES  # kit « auto »
        noms = sorted(p.name for p in dossier.iterdir() if p.name != "annexes")
        assert noms == sorted(attendues)
        for nom in attendues:
            chemin = dossier / nom
            if nom.endswith(".docx"):
                document = docx.Document(str(chemin))
                assert len(document.paragraphs) > (10 if attendues is PIECES else 5)
            elif nom.endswith(".xlsx"):
                assert openpyxl.load_workbook(chemin).worksheets
        assert (dossier.parent / f"{dossier.name}.zip").exists()


def test_manifest_lists_every_file_with_its_hash(kits):
    dossier = kits[RICHE.stem]
    manifeste = json.loads((dossier / "manifest.json").read_text("utf-8"))
    assert manifeste["reference"] == dossier.name
    assert manifeste["projet_sha256"] == hashlib.sha256(RICHE.read_bytes()).hexdigest()
    assert manifeste["regles_version"]
    for nom, info in manifeste["fichiers"].items():
        assert info["sha256"] == _sha(dossier / nom)
    assert set(manifeste["fichiers"]) == set(PIECES) - {"manifest.json"}


def test_same_input_gives_identical_bytes(tmp_path):
    projet = load_project(MAPA)
    a = build_kit(projet, tmp_path / "a", zip=True, source=MAPA.read_bytes())
    b = build_kit(projet, tmp_path / "b", zip=True, source=MAPA.read_bytes())
    assert [p.name for p in a] == [p.name for p in b]
    for x, y in zip(a, b, strict=True):
        assert _sha(x) == _sha(y), x.name


def test_injected_failure_leaves_nothing(tmp_path, monkeypatch):
    import cctp_builder.kit as kit

    projet = load_project(MAPA)
    vrai = kit.zip_kit

    def panne(*args, **kwargs):
        vrai(*args, **kwargs)
        raise OSError("disque plein (panne simulée)")

    monkeypatch.setattr(kit, "zip_kit", panne)
    with pytest.raises(OSError):
        build_kit(projet, tmp_path, zip=True)
    assert list(tmp_path.iterdir()) == []


def test_failure_while_rendering_leaves_nothing(tmp_path, monkeypatch):
    import cctp_builder.kit as kit

    def panne(*args, **kwargs):
        raise RuntimeError("panne simulée")

    monkeypatch.setattr(kit, "manifeste", panne)
    with pytest.raises(RuntimeError):
        build_kit(load_project(MAPA), tmp_path, zip=True)
    assert list(tmp_path.iterdir()) == []


def test_existing_output_needs_force(runner, tmp_path):
    args = ["build", str(MAPA), "-o", str(tmp_path)]
    assert runner.invoke(main, args).exit_code == 0
    res = runner.invoke(main, args)
    assert res.exit_code == 1 and "--force" in res.output
    assert runner.invoke(main, [*args, "--force"]).exit_code == 0


def test_only_writes_the_chosen_pieces(runner, tmp_path):
    res = runner.invoke(main, ["build", str(RICHE), "-o", str(tmp_path), "--only", "cctp"])
    assert res.exit_code == 0, res.output
    dossier = tmp_path / "VLM-2026-07"
    assert sorted(p.name for p in dossier.iterdir()) == ["04-CCTP.docx", "manifest.json"]


def test_final_refuses_markers_and_writes_nothing(runner, tmp_path):
    res = runner.invoke(main, ["build", str(DISPENSE), "-o", str(tmp_path), "--final"])
    assert res.exit_code == 1
    assert "[À compléter" in res.output
    assert not (tmp_path / "FTR-2026-01").exists()


def test_markers_are_highlighted():
    data = render_piece(load_project(DISPENSE), "cctp")
    xml = zipfile.ZipFile(io.BytesIO(data)).read("word/document.xml").decode()
    assert "[À compléter" in xml
    assert 'w:highlight w:val="yellow"' in xml
    runs = re.findall(r"<w:r>(?:(?!</w:r>).)*?\[À compléter(?:(?!</w:r>).)*?</w:r>", xml, re.S)
    assert len(runs) >= 5
    for run in runs:  # every marker, not just one, sits in its own highlighted run
        assert 'w:highlight w:val="yellow"' in run, run[:300]


def test_render_piece_returns_bytes_for_every_piece():
    projet = load_project(MAPA)
    for code in ("rc", "ae", "ccap", "cctp", "dpgf", "cmt", "aapc"):
        data = render_piece(projet, code)
        assert data[:2] == b"PK"


def _texte(kits, exemple, piece) -> str:
    return normaliser(docx_texte(kits[exemple] / piece))


def test_dispense_wording(kits):
    lettre = _texte(kits, DISPENSE.stem, "01-Lettre-de-consultation.docx")
    assert "sans publicité ni mise en concurrence" in lettre.lower()
    assert "BOAMP" not in lettre
    projet = load_project(DISPENSE)
    aapc = normaliser(docx_texte(render_piece(projet, "aapc")))  # the full kit's letter
    rc = normaliser(docx_texte(render_piece(projet, "rc")))
    assert "sans publicité" in aapc.lower()
    assert "BOAMP" not in rc.replace("pas au BOAMP", "")


def test_mapa_wording(kits):
    rc = _texte(kits, MAPA.stem, "01-RC.docx")
    aapc = _texte(kits, MAPA.stem, "07-AAPC.docx")
    assert "procédure adaptée" in rc.lower()
    assert "BOAMP" in aapc


def test_formal_procedure_wording(kits):
    rc = _texte(kits, RICHE.stem, "01-RC.docx")
    aapc = _texte(kits, RICHE.stem, "07-AAPC.docx")
    assert "appel d'offres ouvert" in rc.lower()
    assert "Journal officiel de l'Union européenne" in aapc or "JOUE" in aapc


def test_identical_bytes_across_processes(tmp_path):
    """Two separate processes (different hash seeds) write byte-identical kits and zips."""
    import os
    import subprocess
    import sys

    empreintes = []
    for graine in ("1", "2"):
        sortie = tmp_path / graine
        env = {**os.environ, "PYTHONHASHSEED": graine}
        subprocess.run([sys.executable, "-m", "cctp_builder.cli", "build", str(RICHE), "-o",
                        str(sortie), "--zip"], check=True, env=env, capture_output=True)
        fichiers = sorted(p for p in sortie.rglob("*") if p.is_file())
        empreintes.append({p.relative_to(sortie).as_posix(): _sha(p) for p in fichiers})
    assert empreintes[0] == empreintes[1]
    assert len(empreintes[0]) == 9


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_batch_one_bad_file_does_not_stop_the_others(runner, tmp_path, jobs):
    mauvais = tmp_path / "mauvais.yaml"
    mauvais.write_text("acheteur: [\n", "utf-8")
    res = runner.invoke(main, ["build", str(MAPA), str(mauvais), str(DISPENSE), "-o",
                               str(tmp_path / "dce"), "-j", jobs])
    assert res.exit_code == 1
    assert "2 kit(s) construit(s), 1 échec(s) sur 3 fichier(s)" in res.output
    assert "mauvais.yaml" in res.output and "YAML" in res.output
    assert (tmp_path / "dce" / "CHV-2026-03" / "04-CCTP.docx").exists()
    assert (tmp_path / "dce" / "FTR-2026-01" / "02-Cahier-des-charges.docx").exists()


def test_threads_render_the_same_bytes_as_one_thread():
    """The compiled-template caches are shared safely between threads."""
    from concurrent.futures import ThreadPoolExecutor

    from cctp_builder.render import engine

    engine._SETS.clear()
    engine._COMPILED.clear()
    projets = [load_project(p) for p in EXEMPLES] * 3
    with ThreadPoolExecutor(max_workers=6) as pool:
        paralleles = list(pool.map(lambda p: render_piece(p, "cctp"), projets))
    for projet, data in zip(projets, paralleles, strict=True):
        assert data == render_piece(projet, "cctp")


def test_every_word_piece_converts_in_libreoffice(kits, tmp_path):
    """Real client: every .docx of every kit goes through LibreOffice (one call)."""
    from pdfutil import pdf_pages, pdf_text, require_soffice

    from cctp_builder.pdf import convertir_en_pdf

    require_soffice()
    docx = sorted(p for d in kits.values() for p in d.glob("*.docx"))
    allegees = [d for d in kits.values() if (d / PIECES_ALLEGEES[0]).exists()]
    assert allegees  # the dispense example (and any other under the threshold): the light kit
    assert len(docx) == 6 * (len(kits) - len(allegees)) + 2 * len(allegees)
    copies = []
    for p in docx:  # one folder per kit: the PDFs are written beside their copies
        cible = tmp_path / p.parent.name / p.name
        cible.parent.mkdir(exist_ok=True)
        cible.write_bytes(p.read_bytes())
        copies.append(cible)
    pdfs = convertir_en_pdf(copies)
    assert len(pdfs) == len(docx)
    for chemin in pdfs:
        assert pdf_pages(chemin) >= 1, chemin.name
        texte = pdf_text(chemin)
        assert "{{" not in texte and "{%" not in texte, chemin.name


def test_ccap_last_article_lists_the_derogations_actually_made():
    from conftest import donnees

    from cctp_builder.models import Consultation

    data = donnees(MAPA)
    data["marche"]["penalites"] = {"regime": "forfaitaire", "montant_journalier": 150}
    data["marche"]["propriete_resultats"] = {
        "regime": "cession_exclusive",
        "justification": "La commune doit pouvoir confier le plan-guide à l'aménageur sans "
                         "accord du titulaire."}
    texte = normaliser(docx_texte(render_piece(Consultation.model_validate(data), "ccap"),
                                  entetes=False))
    derniere = texte[texte.rindex("Dérogations au CCAG-PI"):]
    assert "pénalités de retard forfaitaires" in derniere
    assert "cession exclusive" in derniere
    sans = normaliser(docx_texte(render_piece(load_project(MAPA), "ccap"), entetes=False))
    assert "ne déroge à aucune stipulation" in sans[sans.rindex("Dérogations au CCAG-PI"):]
    assert "150,00" in texte


def test_pdf_without_libreoffice_is_a_clear_error_and_writes_nothing(runner, tmp_path,
                                                                     monkeypatch):
    import cctp_builder.pdf as pdf

    monkeypatch.setattr(pdf, "soffice_disponible", lambda: None)
    res = runner.invoke(main, ["build", str(MAPA), "-o", str(tmp_path), "--pdf", "--zip"])
    assert res.exit_code == 1
    assert "LibreOffice" in res.output and "apt-get install" in res.output
    assert "Traceback" not in res.output
    assert list(tmp_path.iterdir()) == []


def test_templates_export_then_check_is_clean(runner, tmp_path):
    assert runner.invoke(main, ["templates", "export", str(tmp_path / "m")]).exit_code == 0
    res = runner.invoke(main, ["templates", "check", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    res = runner.invoke(main, ["templates", "export", str(tmp_path / "m")])
    assert res.exit_code == 1 and "--force" in res.output


def test_manifest_records_custom_templates(runner, tmp_path):
    runner.invoke(main, ["templates", "export", str(tmp_path / "m")])
    res = runner.invoke(main, ["build", str(MAPA), "-o", str(tmp_path / "dce"), "--only", "rc",
                               "--templates", str(tmp_path / "m")])
    assert res.exit_code == 0, res.output
    manifeste = json.loads((tmp_path / "dce" / "CHV-2026-03" / "manifest.json").read_text())
    assert "cctp/01_objet.docx" in manifeste["modeles_personnalises"]


def test_final_succeeds_once_every_marker_is_filled(runner, tmp_path):
    """The richest data (Chanteverne) plus the tribunal's full address: no marker is left,
    so --final writes the kit."""
    import yaml
    from conftest import donnees

    data = donnees(MAPA)
    data["acheteur"]["tribunal"] = {"nom": "Tribunal administratif de Marseille",
                                    "adresse": "1 rue de l'Exemple", "code_postal": "13002",
                                    "ville": "Marseille"}
    projet = tmp_path / "complet.yaml"
    projet.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    res = runner.invoke(main, ["validate", str(projet)])
    assert "plan du site" in res.output  # no site plan: a marker that --final refuses
    assert runner.invoke(main, ["build", str(projet), "-o", str(tmp_path / "x"),
                                "--final"]).exit_code == 1
    assert not (tmp_path / "x" / "CHV-2026-03").exists()
    (tmp_path / "plan.pdf").write_bytes(b"%PDF-1.4 plan du site")
    data["annexes"] = [{"fichier": "plan.pdf", "titre": "Plan du site et des périmètres"}]
    projet.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    res = runner.invoke(main, ["validate", str(projet)])
    assert res.exit_code == 0 and "Repères" not in res.output, res.output
    res = runner.invoke(main, ["build", str(projet), "-o", str(tmp_path / "dce"), "--final"])
    assert res.exit_code == 0, res.output
    assert (tmp_path / "dce" / "CHV-2026-03" / "01-RC.docx").exists()


@pytest.mark.parametrize("jobs", [1, 2])
def test_batch_api_returns_outcomes_and_prints_nothing(tmp_path, capsys, jobs):
    """``construire_lot`` (library) returns every outcome in the order given and never
    prints: no ``echo`` argument left to crash on a failed build."""
    from cctp_builder.batch import Options, construire_lot

    mauvais = tmp_path / "mauvais.yaml"
    mauvais.write_text("acheteur: [\n", "utf-8")
    vus = []
    bilan = construire_lot([mauvais, MAPA], Options(sortie=tmp_path / "dce"), jobs=jobs,
                           progression=vus.append)
    assert [i.fichier for i in bilan.issues] == [str(mauvais), str(MAPA)]
    assert [i.reussi for i in bilan.issues] == [False, True]
    assert "YAML" in bilan.issues[0].message and bilan.echecs == [bilan.issues[0]]
    assert sorted(i.fichier for i in vus) == sorted([str(mauvais), str(MAPA)])
    assert capsys.readouterr() == ("", "")


def test_one_zip_writer_for_the_kit_the_dpgf_and_the_word_pieces(tmp_path):
    """The kit's archive, the DPGF and the Word pieces come from the one deterministic
    writer (render.package.write_zip): names sorted, the consultation date on every member,
    no owner permissions recorded (an extracted kit follows the reader's umask)."""
    projet = load_project(MAPA)
    chemins = build_kit(projet, tmp_path, zip=True)
    d = projet.calendrier.date_envoi_publication
    archives = [p.read_bytes() for p in chemins if p.suffix in (".zip", ".xlsx", ".docx")]
    assert {p.suffix for p in chemins} >= {".zip", ".xlsx", ".docx"}
    for data in archives:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
        assert [i.filename for i in infos] == sorted(i.filename for i in infos)
        assert {(i.date_time[:3], i.create_system, i.external_attr) for i in infos} == {
            ((d.year, d.month, d.day), 0, 0)}


def test_only_keeps_the_other_pieces_and_refreshes_manifest_and_zip(runner, tmp_path):
    sortie = tmp_path / "dce"
    assert runner.invoke(main, ["build", str(MAPA), "-o", str(sortie), "--zip"]).exit_code == 0
    dossier = sortie / "CHV-2026-03"
    avant = {p.name: p.read_bytes() for p in dossier.iterdir()}
    res = runner.invoke(main, ["build", str(MAPA), "-o", str(sortie), "--zip", "--force",
                               "--only", "cctp"])
    assert res.exit_code == 0, res.output
    apres = {p.name: p.read_bytes() for p in dossier.iterdir()}
    assert apres == avant  # same inputs: every piece kept or rebuilt identical
    manifeste = json.loads(apres["manifest.json"])
    assert sorted(manifeste["fichiers"]) == sorted(n for n in apres if n != "manifest.json")
    with zipfile.ZipFile(sortie / "CHV-2026-03.zip") as z:
        assert sorted(n.split("/", 1)[1] for n in z.namelist()) == sorted(apres)


def test_only_refuses_to_complete_a_kit_of_another_project_file(runner, tmp_path):
    sortie = tmp_path / "dce"
    assert runner.invoke(main, ["build", str(MAPA), "-o", str(sortie)]).exit_code == 0
    dossier = sortie / "CHV-2026-03"
    avant = {p.name: p.read_bytes() for p in dossier.iterdir()}
    autre = tmp_path / "projet.yaml"
    autre.write_bytes(MAPA.read_bytes() + b"\n# une retouche\n")
    res = runner.invoke(main, ["build", str(autre), "-o", str(sortie), "--force",
                               "--only", "cctp"])
    assert res.exit_code == 1
    assert "--only" in res.output and "autre fichier projet" in res.output
    assert "Rien n'a été écrit" in res.output
    assert {p.name: p.read_bytes() for p in dossier.iterdir()} == avant
    (dossier / "01-RC.docx").write_bytes(b"retouche")
    res = runner.invoke(main, ["build", str(MAPA), "-o", str(sortie), "--force",
                               "--only", "cctp"])
    assert res.exit_code == 1 and "01-RC.docx a été modifié" in res.output


@pytest.mark.parametrize("exemple", [MAPA, DISPENSE, RICHE], ids=lambda p: p.stem)
def test_markers_listed_by_validate_are_those_of_the_written_pieces(exemple):
    """``reperes`` renders only the bodies (fast ``validate``): same markers as the pieces."""
    from cctp_builder.kit import render_kit, reperes
    from cctp_builder.render.engine import unescape_xml

    projet = load_project(exemple)
    attendus = {nom: list(dict.fromkeys(unescape_xml(m) for m in ms))
                for nom, ms in render_kit(projet).a_completer().items()}
    assert reperes(projet) == attendus
