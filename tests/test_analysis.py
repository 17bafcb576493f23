"""One analysis per project: the file read once, resolution and decision computed once, the
manifest hashing the validated bytes, JSON parsed as JSON."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import pytest
from conftest import MAPA, donnees

import cctp_builder.analysis as analysis
import cctp_builder.context as context
from cctp_builder import build_kit, load_project, render_kit
from cctp_builder.loader import analyser_fichier


def _compter(monkeypatch, module, nom: str) -> list[int]:
    appels: list[int] = []
    original = getattr(module, nom)

    def compte(*args, **kwargs):
        appels.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(module, nom, compte)
    return appels


def test_un_build_resout_et_decide_une_seule_fois(monkeypatch, tmp_path):
    resolutions = _compter(monkeypatch, analysis, "resoudre")
    decisions = _compter(monkeypatch, analysis, "decision_pour")
    resolutions_ctx = _compter(monkeypatch, context, "resoudre")
    decisions_ctx = _compter(monkeypatch, context, "decision_pour")
    projet = load_project(MAPA)
    build_kit(projet, tmp_path, zip=True)
    assert (len(resolutions), len(decisions)) == (1, 1)
    assert (len(resolutions_ctx), len(decisions_ctx)) == (0, 0)


def test_le_manifeste_hache_les_octets_valides_lus_une_fois(tmp_path):
    fichier = tmp_path / "projet.yaml"
    octets = MAPA.read_bytes()
    fichier.write_bytes(octets)
    projet = load_project(fichier)
    fichier.write_bytes(octets + b"\n# modifie apres la validation\n")  # not read again
    build_kit(projet, tmp_path / "dce")
    manifeste = json.loads((tmp_path / "dce" / projet.marche.reference / "manifest.json")
                           .read_text("utf-8"))
    assert manifeste["projet_sha256"] == hashlib.sha256(octets).hexdigest()


def test_l_analyse_est_immuable_et_complete():
    analyse = analyser_fichier(MAPA)
    assert analyse.valide and analyse.projet is not None
    assert analyse.empreinte == hashlib.sha256(MAPA.read_bytes()).hexdigest()
    assert analyse.decision is not None and analyse.decision.procedure == "mapa"
    assert analyse.resolution is not None and analyse.resolution.tranches
    with pytest.raises(AttributeError):
        analyse.decision = None  # type: ignore[misc]
    assert render_kit(analyse).fichiers == render_kit(analyse.projet).fichiers


def test_un_projet_json_est_lu_comme_du_json(tmp_path):
    data = donnees(MAPA)
    for cle, valeur in list(data["calendrier"].items()):
        if isinstance(valeur, dt.date | dt.datetime):
            data["calendrier"][cle] = valeur.isoformat()
    texte = json.dumps(data, ensure_ascii=False, default=str)
    # « 1.5e2 » is a number in JSON, a string in YAML 1.1 (whose floats need a signed
    # exponent): an integer field refuses the string, accepts the number 150.
    texte = texte.replace('"validite_offres_jours": 120', '"validite_offres_jours": 1.5e2', 1)
    assert "1.5e2" in texte
    fichier = tmp_path / "projet.json"
    fichier.write_text(texte, "utf-8")
    analyse = analyser_fichier(fichier)
    assert analyse.resultat.erreurs == []
    assert analyse.projet is not None
    assert analyse.projet.calendrier.validite_offres_jours == 150


def test_json_cle_en_double_refusee(tmp_path):
    fichier = tmp_path / "projet.json"
    fichier.write_text('{"acheteur": {}, "acheteur": {}}', "utf-8")
    from cctp_builder import ProjetInvalide

    with pytest.raises(ProjetInvalide, match="figure deux fois"):
        load_project(fichier)


def test_json_avec_caractere_refuse_par_yaml_reste_situe(tmp_path):
    """A JSON string may hold DEL or C1 controls, which the YAML reader refuses: the findings
    still name their line (case found by the property tests, seed 3642731150)."""
    data = donnees(MAPA)
    data["version"] = "\x7f"
    fichier = tmp_path / "projet.json"
    fichier.write_text(json.dumps(data, default=str, ensure_ascii=False), "utf-8")
    analyse = analyser_fichier(fichier)
    assert analyse.projet is None
    assert [(c.chemin, c.ligne is not None) for c in analyse.resultat.erreurs] == [
        ("version", True)]


def test_json_avec_saut_de_ligne_yaml_et_accolade_dans_le_message(tmp_path):
    """NEL (U+0085) is a plain character in JSON and a line break in YAML: the positions do
    not shift, and the French message of a YAML error naming « } » does not crash (case
    found by the property tests, seed 1614940090)."""
    data = donnees(MAPA)
    data["version"] = {"\x85": None}
    fichier = tmp_path / "projet.json"
    fichier.write_text(json.dumps(data, default=str, ensure_ascii=False), "utf-8")
    analyse = analyser_fichier(fichier)
    assert [(c.chemin, c.ligne) for c in analyse.resultat.erreurs] == [("version", 1)]
    yaml_casse = tmp_path / "projet.yaml"
    yaml_casse.write_text("acheteur: {nom: a b: c}\n", "utf-8")
    from cctp_builder import ProjetInvalide

    with pytest.raises(ProjetInvalide, match="syntaxe YAML invalide : « , » ou « } » attendu"):
        load_project(yaml_casse)
