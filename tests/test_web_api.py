"""The HTTP interface (contract of issue 12) through FastAPI's test client, and the
``serve`` command itself on a real port."""

from __future__ import annotations

import io
import json
import socket
import subprocess
import sys
import time
import urllib.request
import zipfile
from pathlib import Path

import pytest

pytest.importorskip("fastapi")
from fastapi.testclient import TestClient  # noqa: E402

from cctp_builder.web import application  # noqa: E402

RACINE = Path(__file__).resolve().parents[1]
EXEMPLE = RACINE / "examples" / "fontrousse-etude-de-capacite.yaml"


@pytest.fixture(scope="module")
def client() -> TestClient:
    return TestClient(application(), raise_server_exceptions=False)


def _build_zip(projet: Path, tmp_path: Path) -> bytes:
    from click.testing import CliRunner

    from cctp_builder.cli import main

    r = CliRunner().invoke(main, ["build", str(projet), "-o", str(tmp_path / "cli"), "--zip"])
    assert r.exit_code == 0, r.output
    (archive,) = (tmp_path / "cli").glob("*.zip")
    return archive.read_bytes()


def _sans_trace(texte: str) -> None:
    assert "Traceback" not in texte and 'File "' not in texte and "/tmp/" not in texte


def test_la_page_est_un_formulaire_html(client):
    r = client.get("/")
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    assert "<form" in r.text and 'lang="fr"' in r.text


def test_en_tetes_de_securite(client):
    r = client.get("/")
    csp = r.headers["content-security-policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert r.headers["x-content-type-options"] == "nosniff"
    assert r.headers["referrer-policy"] == "no-referrer"
    assert "<script>" not in r.text and " style=" not in r.text  # nothing inline


def test_api_communes(client):
    r = client.get("/api/communes", params={"q": "Forcalquier"})
    assert r.status_code == 200 and "04088" in r.text
    premier = r.json()["resultats"][0]
    assert premier["nom"] == "Forcalquier" and premier["siren"] == "210400883"
    assert client.get("/api/communes", params={"q": "04300"}).json()["resultats"][0][
        "code_insee"] == "04088"
    assert r.json()["source"]["version"]


@pytest.mark.parametrize(("montant", "procedure"), [("45000", "dispense"), ("150000", "mapa"),
                                                    ("300000", "appel_offres_ouvert")])
def test_api_procedure_comme_la_commande(client, montant, procedure):
    from click.testing import CliRunner

    from cctp_builder.cli import main

    r = client.get("/api/procedure", params={"montant": montant, "date": "2027-02-01"})
    assert r.status_code == 200 and r.json()["procedure"] == procedure
    cli = CliRunner().invoke(main, ["procedure", "--amount", montant, "--date", "2027-02-01",
                                    "--json"])
    assert r.json() == json.loads(cli.output)


@pytest.mark.parametrize("params", [{"montant": "beaucoup", "date": "2027-02-01"},
                                    {"montant": "1000", "date": "demain"},
                                    {"date": "2027-02-01"}])
def test_api_procedure_refuse_en_francais(client, params):
    r = client.get("/api/procedure", params=params)
    assert 400 <= r.status_code < 500
    assert "montant" in r.json()["erreur"] or "date" in r.json()["erreur"]
    _sans_trace(r.text)


def test_api_kit_memes_octets_que_build_zip(client, tmp_path):
    r = client.post("/api/kit", files={"projet": (EXEMPLE.name, EXEMPLE.read_bytes())})
    assert r.status_code == 200 and r.headers["content-type"] == "application/zip"
    assert r.content == _build_zip(EXEMPLE, tmp_path)
    # The same body sent as YAML or (converted) JSON gives the same kit as build on that file.
    r2 = client.post("/api/kit", content=EXEMPLE.read_bytes(),
                     headers={"content-type": "application/yaml"})
    assert r2.content == r.content
    import yaml

    texte = json.dumps(yaml.safe_load(EXEMPLE.read_text()), default=str, ensure_ascii=False)
    fichier_json = tmp_path / "projet.json"
    fichier_json.write_text(texte, encoding="utf-8")
    r3 = client.post("/api/kit", content=texte.encode(), headers={"content-type":
                                                                 "application/json"})
    assert r3.status_code == 200, r3.text
    assert r3.content == _build_zip(fichier_json, tmp_path / "json")
    with zipfile.ZipFile(io.BytesIO(r3.content)) as z:
        # the kit's form follows the amount (issue 10): light kit (3 pieces) or full kit (7)
        assert len(z.namelist()) in (4, 8) and any(n.endswith("manifest.json")
                                                   for n in z.namelist())


@pytest.mark.parametrize("contenu", [b"acheteur: [nom\n", b"\x00\x01", b"- a\n- b\n",
                                     b"version: 1\n", "acheteur:\n  nom: é\n".encode("latin-1")])
def test_projet_errone_4xx_en_francais(client, contenu):
    for chemin in ("/api/kit", "/api/validate"):
        r = client.post(chemin, files={"projet": ("projet.yaml", contenu)})
        assert 400 <= r.status_code < 500, (chemin, r.status_code, r.text)
        _sans_trace(r.text)
        corps = r.json()
        messages = " ".join([corps.get("erreur", "")] + [c["message"] for c in
                                                         corps.get("constats", [])])
        assert any(m in messages for m in ("fichier", "projet", "champ", "YAML", "objet",
                                           "UTF-8", "manquant", "obligatoire")), messages


def test_api_validate_comme_validate_json(client):
    r = client.post("/api/validate", content=EXEMPLE.read_bytes(),
                    headers={"content-type": "application/yaml"})
    assert r.status_code == 200 and r.json()["valide"] is True
    gravites = {c["severity"] for c in r.json()["constats"]}
    assert gravites <= {"erreur", "avertissement", "a_completer"}
    faux = EXEMPLE.read_text().replace('code_insee: "84999"', 'code_insee: "123"')
    r = client.post("/api/validate", content=faux.encode(), headers={"content-type":
                                                                    "application/yaml"})
    assert r.json()["valide"] is False
    (c,) = [c for c in r.json()["constats"] if c["path"] == "acheteur.code_insee"]
    assert c["line"] and "code INSEE" in c["message"]


def test_limites_de_taille(client):
    gros = b"# " + b"x" * (2 * 1024 * 1024 + 100) + b"\n"
    r = client.post("/api/kit", content=gros, headers={"content-type": "application/yaml"})
    assert r.status_code == 413 and "2 Mio" in r.json()["erreur"]


def test_pas_de_modeles_par_http(client):
    r = client.post("/api/kit?templates=/etc", files={"projet": (EXEMPLE.name,
                                                                 EXEMPLE.read_bytes())})
    assert r.status_code == 200  # the parameter is ignored: only the built-in templates
    assert "templates" not in json.dumps(client.get("/openapi.json").json()["paths"]
                                         ["/api/kit"])


def test_healthz_docs_et_404(client):
    assert client.get("/healthz").json()["etat"] == "ok"
    docs = client.get("/docs")
    assert docs.status_code == 200 and "/api/kit" in docs.text and "/api/communes" in docs.text
    r = client.get("/nulle-part", headers={"accept": "text/html"})
    assert r.status_code == 404 and "introuvable" in r.text


def test_formulaire_malforme_4xx(client):
    r = client.post("/", content=b"\xff\xfe garbage", headers={
        "content-type": "multipart/form-data; boundary=x"})
    assert 400 <= r.status_code < 500
    _sans_trace(r.text)
    r = client.post("/", data={"commune": "99999"})
    assert r.status_code == 400


def test_serve_ecoute_sur_127_0_0_1(tmp_path):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([sys.executable, "-m", "cctp_builder.cli", "serve", "--port",
                             str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(100):
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/communes?q="
                                            "Forcalquier", timeout=1) as r:
                    assert b"04088" in r.read()
                    break
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail("cctp-builder serve ne répond pas")
    finally:
        proc.terminate()
        proc.wait(10)


def test_au_dela_des_constructions_simultanees_503_en_francais(monkeypatch):
    import asyncio

    from cctp_builder.web import app as module

    monkeypatch.setattr(module, "ATTENTE_MAX_S", 0.05)
    chantier = module.Chantier(1)

    async def scenario() -> None:
        await chantier.semaphore.acquire()  # one build under way
        with pytest.raises(module.Refus) as exc:
            await chantier.executer(lambda: None)
        assert exc.value.statut == 503 and "réessayez" in exc.value.message
        chantier.semaphore.release()
        assert await chantier.executer(lambda: 42) == 42

    asyncio.run(scenario())


def test_rien_n_est_conserve_sur_le_serveur(client):
    import tempfile

    avant = set(Path(tempfile.gettempdir()).glob("cctp-web-*"))
    client.post("/api/kit", files={"projet": (EXEMPLE.name, EXEMPLE.read_bytes())})
    client.post("/api/kit", files={"projet": ("projet.yaml", b"acheteur: [\n")})
    assert set(Path(tempfile.gettempdir()).glob("cctp-web-*")) == avant


@pytest.mark.skipif(not __import__("shutil").which("soffice"), reason="LibreOffice absent")
def test_api_kit_avec_pdf(client):
    r = client.post("/api/kit?pdf=1", files={"projet": (EXEMPLE.name, EXEMPLE.read_bytes())})
    assert r.status_code == 200
    with zipfile.ZipFile(io.BytesIO(r.content)) as z:
        noms = z.namelist()
        # one PDF per Word piece of the kit (light or full, issue 10)
        assert sum(n.endswith(".pdf") for n in noms) == sum(n.endswith(".docx") for n in noms) > 0


def test_kit_du_formulaire_incomplet_revient_au_recapitulatif(client):
    r = client.post("/kit", data={"acheteur.nom": "Commune de Forcalquier"},
                    headers={"accept": "text/html"})
    assert r.status_code == 422 and r.headers["content-type"].startswith("text/html")
    assert "Récapitulatif" in r.text and "corrigez" in r.text and 'id="resume-erreurs"' in r.text


def test_flux_trop_long_sans_content_length_413(client):
    def morceaux():
        for _ in range(40):
            yield b"x" * 65536 + b"\n"

    r = client.post("/api/kit", content=morceaux(), headers={"content-type": "application/yaml"})
    assert r.status_code == 413 and "2 Mio" in r.json()["erreur"]


def test_choisir_une_commune_preremplit_l_acheteur(client):
    r = client.post("/", data={"commune": "04088", "etape": "1"})
    assert r.status_code == 200
    assert 'value="Commune de Forcalquier"' in r.text and 'value="04088"' in r.text
    assert "SIREN de Forcalquier : 210400883" in r.text
