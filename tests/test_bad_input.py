"""Malformed project files: each gives exit 1, a located French message and no traceback."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from conftest import RICHE, donnees, modifier

from cctp_builder.cli import main

TEXTE = RICHE.read_text("utf-8")


def _modifie(chemin: list, valeur=None, supprimer: bool = False):
    return lambda data: modifier(data, chemin, valeur, supprimer=supprimer)


# (name, raw text or bytes or mutation of the rich example, expected fragment of the message)
CAS_TEXTE = {
    "vide": ("", "vide"),
    "espaces": ("   \n\n  ", "vide"),
    "liste": ("- a\n- b\n", "pas une liste"),
    "scalaire": ("bonjour\n", "valeur simple"),
    "tabulation": ("acheteur:\n\tnom: x\n", "YAML"),
    "indentation": ("acheteur:\n  nom: a\n bad: b\n", "YAML"),
    "crochet": ("acheteur: [\n", "YAML"),
    "cle_double": ("version: 1\nversion: 1\n", "deux fois"),
    "alias_bombe": ("a: &a [x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n"
        for p, c in zip("abcdefgh", "bcdefghi", strict=True)), "alias"),
    "json_casse": (None, "JSON"),
    "nul": (TEXTE[:200] + "\x00" + TEXTE[200:], "octet nul"),
}

CAS_BINAIRE = {
    "latin1": ("acheteur:\n  nom: Commune de Sérignan\n".encode("latin-1"), "UTF-8"),
    "binaire": (bytes(range(256)) * 4, "octet nul"),
    "gros": (b"# " + b"x" * (10 * 1024 * 1024) + b"\n", "volumineux"),
}

CAS_MUTATION = {
    "cle_inconnue": (_modifie(["acheteur", "nomm"], "x"), "acheteur.nomm",
                     "Vouliez-vous dire « nom »"),
    "cle_inconnue_racine": (_modifie(["critere"], []), "critere", "criteres"),
    "sans_acheteur": (_modifie(["acheteur"], supprimer=True), "acheteur", "manquant"),
    "siret_faux": (_modifie(["acheteur", "siret"], "21049990100011"), "acheteur.siret", "Luhn"),
    "insee_faux": (_modifie(["acheteur", "code_insee"], "4999"), "acheteur.code_insee", "INSEE"),
    "cpv_faux": (_modifie(["marche", "cpv", "principal"], "7141000-5"), "marche.cpv.principal",
                 "CPV"),
    "date_impossible": (_modifie(["calendrier", "date_envoi_publication"], "2026-02-30"),
                        "calendrier.date_envoi_publication", "date"),
    "date_nombre": (_modifie(["calendrier", "date_envoi_publication"], 20261207),
                    "calendrier.date_envoi_publication", "date"),
    "montant_texte": (_modifie(["tranches", 0, "montant_estime_ht"], "cent mille"),
                      "tranches.0.montant_estime_ht", "montant"),
    "montant_negatif": (_modifie(["tranches", 0, "montant_estime_ht"], -5),
                        "tranches.0.montant_estime_ht", "supérieure"),
    "population_texte": (_modifie(["acheteur", "population"], "beaucoup"), "acheteur.population",
                         "entier"),
    "surface_nulle": (_modifie(["operation", "sites", 0, "surface_ha"], 0),
                      "operation.sites.0.surface_ha", "supérieure"),
    "statut_inconnu": (_modifie(["operation", "sites", 0, "statut_foncier"], "public"),
                       "operation.sites.0.statut_foncier", "valeurs possibles"),
    "poids_100": (_modifie(["criteres", 1, "poids"], 40), "criteres", "100"),
    "sous_criteres": (_modifie(["criteres", 0, "sous_criteres", 0, "poids"], 5),
                      "criteres.0.sous_criteres", "totalisent"),
    "sans_etudes": (_modifie(["etudes"], []), "etudes", "au moins"),
    "etudes_objet": (_modifie(["etudes"], {"module": "risques"}), "etudes", "liste"),
    "tranche_code": (_modifie(["tranches", 1, "code"], "T1"), "tranches.1.code", "TF"),
    "email_faux": (_modifie(["acheteur", "contact", "email"], "mairie-at-x"),
                   "acheteur.contact.email", "électronique"),
    "telephone_faux": (_modifie(["acheteur", "contact", "telephone"], "12"),
                       "acheteur.contact.telephone", "téléphone"),
    "url_fausse": (_modifie(["acheteur", "profil_acheteur_url"], "pas une url"),
                   "acheteur.profil_acheteur_url", "adresse web"),
    "questions_apres": (_modifie(["calendrier", "date_limite_questions"], "2027-02-01"),
                        "calendrier.date_limite_questions", "entre"),
    "reference_espace": (_modifie(["marche", "reference"], "VLM 2026"), "marche.reference",
                         "référence"),
    "engagement_21": (_modifie(["operation", "ecoquartier", "engagements_prioritaires"], [21]),
                      "operation.ecoquartier.engagements_prioritaires.0", "20 engagements"),
    "total_faux": (_modifie(["montant_total_ht"], 1000), "montant_total_ht", "somme"),
    "booleen_texte": (_modifie(["marche", "variantes"], "peut-être"), "marche.variantes", "true"),
    "version_2": (_modifie(["version"], 2), "version", "valeurs possibles"),
    "procedure_fausse": (_modifie(["marche", "procedure"], "mapa"), "marche.procedure", ""),
    "sans_critere_env": (_modifie(["criteres"], [
        {"nom": "Valeur technique", "type": "technique", "poids": 60},
        {"nom": "Prix", "type": "prix", "poids": 40}]), "criteres", "environnemental"),
    "phase_inconnue": (_modifie(["tranches", 1, "phases", 0], "etudes_techniques/g2"),
                       "tranches.1.phases.0", "phase"),
}


def _verifie(runner, chemin: Path, fragment: str, champ: str | None = None):
    res = runner.invoke(main, ["validate", str(chemin)])
    sortie = res.output + (res.stderr if hasattr(res, "stderr") else "")
    assert res.exit_code == 1, sortie
    assert "Traceback" not in sortie
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert str(chemin) in sortie
    assert fragment.lower() in sortie.lower(), sortie
    if champ is not None:
        assert f"[{champ}]" in sortie, sortie
        motif = re.escape(str(chemin)) + r":\d+:\d+: \[" + re.escape(champ)
        assert re.search(motif, sortie), sortie
    return sortie


@pytest.mark.parametrize("nom", sorted(CAS_TEXTE))
def test_malformed_text(runner, tmp_path, nom):
    texte, fragment = CAS_TEXTE[nom]
    if nom == "json_casse":
        chemin = tmp_path / "projet.json"
        chemin.write_text(json.dumps(donnees(), default=str)[:-20], "utf-8")
    else:
        chemin = tmp_path / "projet.yaml"
        chemin.write_text(texte, "utf-8")
    _verifie(runner, chemin, fragment)


@pytest.mark.parametrize("nom", sorted(CAS_BINAIRE))
def test_malformed_bytes(runner, tmp_path, nom):
    brut, fragment = CAS_BINAIRE[nom]
    chemin = tmp_path / "projet.yaml"
    chemin.write_bytes(brut)
    _verifie(runner, chemin, fragment)


@pytest.mark.parametrize("nom", sorted(CAS_MUTATION))
def test_malformed_fields(runner, tmp_path, nom):
    mutation, champ, fragment = CAS_MUTATION[nom]
    chemin = tmp_path / "projet.yaml"
    chemin.write_text(yaml.safe_dump(mutation(donnees()), allow_unicode=True, sort_keys=False),
                      "utf-8")
    _verifie(runner, chemin, fragment, champ)


def test_missing_file(runner, tmp_path):
    _verifie(runner, tmp_path / "absent.yaml", "introuvable")


def test_json_project_is_accepted(runner, tmp_path):
    chemin = tmp_path / "projet.json"
    chemin.write_text(json.dumps(donnees(), default=str, ensure_ascii=False), "utf-8")
    res = runner.invoke(main, ["validate", str(chemin)])
    assert res.exit_code == 0, res.output


def test_validate_json_output(runner, tmp_path):
    data = _modifie(["acheteur", "siret"], "123")(donnees())
    chemin = tmp_path / "p.yaml"
    chemin.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    res = runner.invoke(main, ["validate", "--json", str(chemin)])
    assert res.exit_code == 1
    constats = json.loads(res.stdout)
    erreur = next(c for c in constats if c["severity"] == "erreur")
    assert erreur["path"] == "acheteur.siret" and erreur["line"] == 6
    assert {"path", "line", "message", "severity"} <= set(erreur)
