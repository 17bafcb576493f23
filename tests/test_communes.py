"""The communes reference table (shipped extract), init --commune and the INSEE warning."""

from __future__ import annotations

import gzip
import json
from importlib import resources

import pytest
import yaml
from conftest import donnees, ecrire, modifier
from hypothesis import given, settings
from hypothesis import strategies as st

from cctp_builder import CctpError, analyser_projet
from cctp_builder.cli import main
from cctp_builder.communes import (
    avec_preposition,
    nom_acheteur,
    par_code,
    rechercher,
    source,
    trouver,
)


def test_extrait_embarque_avec_source_et_licence():
    brut = resources.files("cctp_builder").joinpath("data/communes.json.gz").read_bytes()
    d = json.loads(gzip.decompress(brut))
    assert len(d["communes"]) > 34_000
    s = source()
    assert s["paquet"] == "@etalab/decoupage-administratif" and s["licence_paquet"] == "MIT"
    assert s["version"] and "Licence Ouverte" in s["licence_donnees"]


def test_forcalquier():
    c = par_code("04088")
    assert c is not None and c.nom == "Forcalquier" and c.siren == "210400883"
    assert c.departement == "04" and c.codes_postaux == ("04300",)
    assert c.intercommunalite and c.intercommunalite.startswith("Communauté de communes")
    assert c.population and c.population > 4000
    assert par_code("2a004") is not None  # Corsica, lower case accepted


@pytest.mark.parametrize(("q", "code"), [("forcalquier", "04088"), ("FORCALQUIER", "04088"),
                                         ("st-etienne", "42218"), ("Saint Étienne", "42218"),
                                         ("04300", "04088"), ("04088", "04088")])
def test_recherche(q, code):
    assert rechercher(q)[0].code_insee == code


def test_trouver_ambigu_ou_inconnu():
    with pytest.raises(CctpError, match="plusieurs communes"):
        trouver("Saint-Martin")
    with pytest.raises(CctpError, match="aucune commune"):
        trouver("Xyzzyville")
    with pytest.raises(CctpError, match="code INSEE"):
        trouver("04999")


@pytest.mark.parametrize(("nom", "de", "a"), [
    ("Forcalquier", "Commune de Forcalquier", "à Forcalquier"),
    ("Le Pouzin", "Commune du Pouzin", "au Pouzin"),
    ("Les Mées", "Commune des Mées", "aux Mées"),
    ("Aiglun", "Commune d'Aiglun", "à Aiglun"),
    ("La Motte-du-Caire", "Commune de La Motte-du-Caire", "à La Motte-du-Caire")])
def test_prepositions(nom, de, a):
    assert nom_acheteur(nom) == de and avec_preposition(nom, "à") == a


@settings(deadline=None)  # a timing limit, not a property: the machine may be loaded
@given(st.text(max_size=30))
def test_recherche_ne_plante_jamais(q):
    assert len(rechercher(q, 5)) <= 5


def test_init_commune_forcalquier(runner, tmp_path):
    f = tmp_path / "f.yaml"
    r = runner.invoke(main, ["init", str(f), "--commune", "04088"])
    assert r.exit_code == 0, r.output
    d = yaml.safe_load(f.read_text())
    a = d["acheteur"]
    assert "Forcalquier" in a["nom"] and a["code_insee"] == "04088"
    assert a["adresse"]["code_postal"] == "04300" and a["population"] > 4000
    assert "Pays Forcalquier" in a["intercommunalite"]
    assert "siret" not in a and '# siret: "210400883' in f.read_text()  # NIC to complete
    projet, resultat = analyser_projet(f)
    assert projet is not None and resultat.valide, resultat.erreurs
    assert not resultat.avertissements, resultat.avertissements
    assert any(c.chemin == "acheteur.siret" for c in resultat.a_completer)
    r = runner.invoke(main, ["validate", str(f)])
    assert r.exit_code == 0, r.output


def test_init_commune_par_nom_et_erreur(runner, tmp_path):
    r = runner.invoke(main, ["init", str(tmp_path / "a.yaml"), "--commune", "le pouzin"])
    assert r.exit_code == 0 and "Commune du Pouzin" in (tmp_path / "a.yaml").read_text()
    r = runner.invoke(main, ["init", str(tmp_path / "b.yaml"), "--commune", "Saint-Martin"])
    assert r.exit_code == 1 and "Donnez le code INSEE" in r.output
    assert not (tmp_path / "b.yaml").exists()


def test_validate_avertit_si_insee_nom_et_code_postal_divergent(tmp_path):
    d = donnees()
    modifier(d, ["acheteur", "code_insee"], "04088")
    modifier(d, ["acheteur", "nom"], "Commune de Manosque")
    modifier(d, ["acheteur", "adresse", "code_postal"], "04100")
    projet, resultat = analyser_projet(ecrire(tmp_path, d))
    alertes = {c.chemin: c for c in resultat.avertissements}
    assert "Forcalquier" in alertes["acheteur.nom"].message
    assert "04300" in alertes["acheteur.adresse.code_postal"].message
    assert alertes["acheteur.nom"].ligne is not None
    assert resultat.valide  # warnings only
    modifier(d, ["acheteur", "nom"], "Commune de Forcalquier")
    modifier(d, ["acheteur", "adresse", "code_postal"], "04300")
    _, resultat = analyser_projet(ecrire(tmp_path, d, "b.yaml"))
    assert not [c for c in resultat.avertissements if c.chemin.startswith("acheteur")]
