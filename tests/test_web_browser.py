"""The guided page in a real browser: Playwright driving Debian's chromium.

The server is the real command (``python -m cctp_builder.cli serve --port P``). Kits
downloaded from the page are compared, piece by piece, with ``cctp-builder build --zip``.
Set CCTP_WEB_CAPTURES=1 to refresh the screenshots of the README (docs/img/).
"""

from __future__ import annotations

import io
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
playwright_api = pytest.importorskip("playwright.sync_api")

RACINE = Path(__file__).resolve().parents[1]
EXEMPLES = RACINE / "examples"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CAPTURES = os.environ.get("CCTP_WEB_CAPTURES") == "1"

if not Path(CHROMIUM).exists():
    if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
        raise RuntimeError("chromium est introuvable : scripts/test.sh doit l'installer en CI.")
    pytest.skip("chromium (paquet Debian) absent", allow_module_level=True)


def _port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def serveur() -> Iterator[str]:
    port = _port_libre()
    proc = subprocess.Popen([sys.executable, "-m", "cctp_builder.cli", "serve", "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1) as r:
                    if r.status == 200:
                        break
            except OSError:
                time.sleep(0.1)
        else:
            raise RuntimeError("le serveur ne répond pas")
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


@pytest.fixture(scope="module")
def navigateur() -> Iterator[object]:
    with playwright_api.sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


def _page(navigateur: object, js: bool = True) -> object:
    contexte = navigateur.new_context(java_script_enabled=js, accept_downloads=True,  # type: ignore[attr-defined]
                                      viewport={"width": 1200, "height": 900}, locale="fr-FR")
    return contexte.new_page()


def _capture(page: object, nom: str, tmp_path: Path) -> None:
    cible = RACINE / "docs" / "img" / nom if CAPTURES else tmp_path / nom
    cible.parent.mkdir(parents=True, exist_ok=True)
    page.evaluate("window.scrollTo(0, 0)")  # type: ignore[attr-defined]
    page.screenshot(path=str(cible), full_page=False)  # type: ignore[attr-defined]


def _suivant(page: object) -> None:
    page.click("#suivant")  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]


def _champ(nom: str) -> str:
    import re

    return "#champ-" + re.sub(r"[^a-zA-Z0-9]+", "-", nom)


def _etape(page: object) -> str:
    return page.locator("nav.etapes li[aria-current=step]").inner_text()  # type: ignore[attr-defined]


def _build_zip(projet: Path, tmp_path: Path) -> bytes:
    sortie = tmp_path / "cli"
    subprocess.run([sys.executable, "-m", "cctp_builder.cli", "build", str(projet), "-o",
                    str(sortie), "--zip", "--force"], check=True, capture_output=True)
    (archive,) = sortie.glob("*.zip")
    return archive.read_bytes()


def _pieces(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {n.split("/", 1)[1]: z.read(n) for n in z.namelist()}


def _ouvrir_chaque_piece(pieces: dict[str, bytes]) -> None:
    """Open every piece with its own reader (Word, Excel, JSON)."""
    import json

    import docx
    import openpyxl

    # light kit (3 pieces + manifest) under the dispense threshold, full kit (7 + manifest) above
    assert len(pieces) in (4, 8) and "manifest.json" in pieces, sorted(pieces)
    for nom, data in pieces.items():
        if nom.endswith(".docx"):
            texte = "\n".join(p.text for p in docx.Document(io.BytesIO(data)).paragraphs)
            assert len(texte) > 200, nom
        elif nom.endswith(".xlsx"):
            assert openpyxl.load_workbook(io.BytesIO(data)).sheetnames, nom
        else:
            assert json.loads(data)["fichiers"], nom


def _telecharger(page: object, selecteur: str, tmp_path: Path, nom: str) -> Path:
    with page.expect_download() as info:  # type: ignore[attr-defined]
        page.click(selecteur)  # type: ignore[attr-defined]
    chemin = tmp_path / nom
    info.value.save_as(str(chemin))
    return chemin


def _remplir_nouvelle_commune(page: object, url: str, js: bool, tmp_path: Path) -> None:
    page.goto(url + "/")  # type: ignore[attr-defined]
    page.fill("#recherche-commune", "Forcalquier")  # type: ignore[attr-defined]
    if js:  # suggestions appear while typing
        page.wait_for_selector("#resultats-communes button[value='04088']")  # type: ignore[attr-defined]
    else:
        page.click("button[name=action][value=chercher]")  # type: ignore[attr-defined]
    page.click("button[name=commune][value='04088']")  # type: ignore[attr-defined]
    page.wait_for_load_state("load")  # type: ignore[attr-defined]
    assert page.input_value(_champ("acheteur.nom")) == "Commune de Forcalquier"  # type: ignore[attr-defined]
    assert page.input_value(_champ("acheteur.code_insee")) == "04088"  # type: ignore[attr-defined]
    assert page.input_value(_champ("acheteur.adresse.code_postal")) == "04300"  # type: ignore[attr-defined]
    assert "Forcalquier" in page.input_value(_champ("acheteur.intercommunalite"))  # type: ignore[attr-defined]
    page.fill(_champ("acheteur.adresse.ligne"), "Place du Bourguet")  # type: ignore[attr-defined]
    page.fill(_champ("acheteur.population_annee"), "2023")  # type: ignore[attr-defined]
    _suivant(page)
    assert "Site et opération" in _etape(page)
    page.fill(_champ("operation.nom"), "Quartier durable des Cordeliers")  # type: ignore[attr-defined]
    page.fill(_champ("operation.enjeux"), "Accueillir de jeunes ménages près du centre.")  # type: ignore[attr-defined]
    page.fill(_champ("operation.sites.0.nom"), "Les Cordeliers")  # type: ignore[attr-defined]
    page.fill(_champ("operation.sites.0.surface_ha"), "3,5")  # type: ignore[attr-defined]
    page.select_option(_champ("operation.documents_planification.0.type"), "plu")  # type: ignore[attr-defined]
    page.fill(_champ("operation.documents_planification.0.nom"),  # type: ignore[attr-defined]
              "Plan local d'urbanisme de Forcalquier")
    _suivant(page)
    assert "Études" in _etape(page)
    page.check("#etude-potentiel_enr")  # type: ignore[attr-defined]
    _suivant(page)
    assert "tranches" in _etape(page)


def _procedure(page: object) -> tuple[str, str]:
    el = page.locator("#procedure .procedure-nom")  # type: ignore[attr-defined]
    return el.get_attribute("data-procedure"), page.inner_text("#procedure")  # type: ignore[attr-defined]


def test_parcours_complet_d_une_nouvelle_commune(serveur, navigateur, tmp_path):
    page = _page(navigateur)
    _remplir_nouvelle_commune(page, serveur, True, tmp_path)
    # The decision follows the amount live (htmx), across the dispense and 90 000 € thresholds.
    vus = {}
    for montant in ("45000", "75000", "120000"):
        page.fill(_champ("tranches.0.montant_estime_ht"), montant)
        page.press(_champ("tranches.0.montant_estime_ht"), "Tab")
        page.wait_for_function(
            "m => document.querySelector('#procedure').innerText.replace(/\\s/g, '')"
            ".includes(m)", arg=f"{int(montant):,}".replace(",", ""))
        vus[montant] = _procedure(page)
    assert vus["45000"][0] == "dispense"
    assert vus["75000"][0] == "mapa" and vus["120000"][0] == "mapa"
    assert vus["75000"][1] != vus["120000"][1]  # publicity changes at 90 000 € HT
    assert "BOAMP" in vus["120000"][1] or "JAL" in vus["120000"][1]
    page.select_option("#tranche-potentiel_enr-" + page.locator(
        "select[id^=tranche-potentiel_enr-]").first.get_attribute("id").rsplit("-", 1)[1], "1")
    page.fill(_champ("tranches.1.montant_estime_ht"), "20000")
    page.fill(_champ("tranches.1.delai_affermissement_mois"), "6")
    _capture(page, "formulaire.png", tmp_path)
    _suivant(page)
    assert "Calendrier" in _etape(page)
    _suivant(page)
    assert "Critères" in _etape(page)
    assert page.input_value(_champ("criteres.2.type")) == "environnemental"
    _suivant(page)
    page.fill(_champ("acheteur.representant.nom"), "Prénom Nom")
    page.fill(_champ("acheteur.contact.email"), "urbanisme@forcalquier.fr")
    page.fill(_champ("acheteur.contact.telephone"), "04 92 70 91 00")
    _suivant(page)
    assert "Récapitulatif" in _etape(page)
    assert page.locator("#resume-erreurs").count() == 0, page.inner_text("#resume-erreurs")
    assert "[À compléter" in page.inner_text(".reperes")
    _capture(page, "recapitulatif.png", tmp_path)
    projet = _telecharger(page, "#telecharger-projet", tmp_path, "projet.yaml")
    kit = _telecharger(page, "#telecharger-kit", tmp_path, "kit.zip").read_bytes()
    assert kit == _build_zip(projet, tmp_path)
    pieces = _pieces(kit)
    _ouvrir_chaque_piece(pieces)
    texte = "\n".join(p.text for p in __import__("docx").Document(
        io.BytesIO(pieces["02-AE.docx"])).paragraphs)
    assert "Forcalquier" in texte


def test_erreurs_affichees_a_cote_du_champ(serveur, navigateur, tmp_path):
    page = _page(navigateur)
    page.goto(serveur + "/")
    page.fill(_champ("acheteur.nom"), "Commune de Forcalquier")
    page.fill(_champ("acheteur.code_insee"), "2012")
    page.fill(_champ("acheteur.adresse.ligne"), "Place du Bourguet")
    page.fill(_champ("acheteur.adresse.code_postal"), "043")
    page.fill(_champ("acheteur.adresse.commune"), "Forcalquier")
    _suivant(page)
    assert "Commune" in _etape(page)  # blocked on the step
    insee = page.locator(_champ("acheteur.code_insee"))
    assert insee.get_attribute("aria-invalid") == "true"
    ids = insee.get_attribute("aria-describedby").split()
    messages = " ".join(page.inner_text(f"#{i}") for i in ids if i.startswith("err-"))
    assert "code INSEE" in messages and "5 caractères" in messages
    cp = page.locator(_champ("acheteur.adresse.code_postal"))
    assert cp.get_attribute("aria-invalid") == "true"
    resume = page.inner_text("#resume-erreurs")
    assert "Code INSEE de la commune" in resume and "Code postal" in resume
    # The summary links lead to the fields.
    page.click("#resume-erreurs a[href='" + _champ("acheteur.code_insee") + "']")
    assert page.evaluate("document.activeElement.id") == _champ("acheteur.code_insee")[1:]
    _capture(page, "erreurs.png", tmp_path)
    from axe_playwright_python.sync_playwright import Axe

    graves = [v for v in Axe().run(page).response["violations"]
              if v["impact"] in ("serious", "critical")]
    assert not graves, [(v["id"], v["help"]) for v in graves]


@pytest.mark.parametrize("exemple", ["chanteverne-coeur-de-village.yaml",
                                     "valmoirac-quartier-des-aires.yaml"])
def test_import_d_un_exemple_et_telechargement(serveur, navigateur, tmp_path, exemple):
    page = _page(navigateur)
    page.goto(serveur + "/")
    page.set_input_files("#fichier-projet", str(EXEMPLES / exemple))
    page.click("form.importer button[type=submit]")
    page.wait_for_load_state("load")
    assert "Récapitulatif" in _etape(page)
    assert "Projet importé" in page.inner_text("div.info")
    kit = _telecharger(page, "#telecharger-kit", tmp_path, "kit.zip").read_bytes()
    attendu = _pieces(_build_zip(EXEMPLES / exemple, tmp_path))
    obtenu = _pieces(kit)
    _ouvrir_chaque_piece(obtenu)
    # The form carried the project without loss: every piece is the one build --zip writes;
    # only the manifest's hash of the project file differs (the page writes its own YAML).
    assert sorted(obtenu) == sorted(attendu)
    for nom in attendu:
        if nom != "manifest.json":
            assert obtenu[nom] == attendu[nom], nom


def test_parcours_sans_javascript(serveur, navigateur, tmp_path):
    page = _page(navigateur, js=False)
    _remplir_nouvelle_commune(page, serveur, False, tmp_path)
    page.fill(_champ("tranches.0.montant_estime_ht"), "45000")
    _suivant(page)  # without JavaScript, the decision updates with each page
    assert _procedure(page)[0] == "dispense"
    page.click("#precedent")
    page.wait_for_load_state("load")
    page.fill(_champ("tranches.0.montant_estime_ht"), "150000")
    for _ in range(4):
        _suivant(page)
    assert _procedure(page)[0] == "mapa"
    assert "Récapitulatif" in _etape(page)
    projet = _telecharger(page, "#telecharger-projet", tmp_path, "projet.yaml")
    kit = _telecharger(page, "#telecharger-kit", tmp_path, "kit.zip").read_bytes()
    assert kit == _build_zip(projet, tmp_path)
    _ouvrir_chaque_piece(_pieces(kit))


def test_accessibilite_axe(serveur, navigateur, tmp_path):
    """axe-core on every step and on the summary: no serious or critical violation."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()
    page = _page(navigateur)
    page.goto(serveur + "/")
    page.set_input_files("#fichier-projet", str(EXEMPLES / "fontrousse-etude-de-capacite.yaml"))
    page.click("form.importer button[type=submit]")
    page.wait_for_load_state("load")
    vues = 0
    for numero in range(1, 9):
        page.click(f"button[name=aller][value='{numero}']")
        page.wait_for_load_state("load")
        graves = [v for v in axe.run(page).response["violations"]
                  if v["impact"] in ("serious", "critical")]
        assert not graves, (numero, [(v["id"], v["help"], v["nodes"][:2]) for v in graves])
        vues += 1
    page.goto(serveur + "/docs")
    graves = [v for v in axe.run(page).response["violations"]
              if v["impact"] in ("serious", "critical")]
    assert not graves and vues == 8, [(v["id"], v["help"]) for v in graves]
