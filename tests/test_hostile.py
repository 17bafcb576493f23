"""A corpus of hostile project files: each ends in a clear French error, fast, small, and
nothing is written."""

from __future__ import annotations

import time
import tracemalloc

import pytest
import yaml
from conftest import RICHE, donnees, modifier

from cctp_builder.cli import main

BASE = RICHE.read_text("utf-8")


def _yaml(data) -> bytes:
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False).encode("utf-8")


def _avec(chemin, valeur):
    return _yaml(modifier(donnees(), chemin, valeur))


def _corpus() -> dict[str, bytes]:
    c: dict[str, bytes] = {}
    c["imbrication_listes"] = b"a: " + b"[" * 20000 + b"]" * 20000 + b"\n"
    c["imbrication_objets"] = b"a: " + b"{b: " * 5000 + b"1" + b"}" * 5000 + b"\n"
    c["imbrication_indentation"] = "".join(f"{' ' * i}k{i}:\n" for i in range(3000)).encode()
    c["milliard_rires"] = ("a: &a ['lol','lol','lol','lol','lol','lol','lol','lol','lol']\n"
                           + "".join(
        f"{n}: &{n} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n"
        for p, n in zip("abcdefghi", "bcdefghij", strict=True))).encode()
    c["alias_recursif"] = b"a: &a\n  b: *a\n"
    c["fichier_50_mo"] = b"acheteur:\n  nom: " + b"A" * (50 * 1024 * 1024) + b"\n"
    c["ligne_3_mo"] = b"# " + b"x" * (3 * 1024 * 1024)
    c["utf8_invalide"] = BASE.encode()[:500] + b"\xff\xfe" + BASE.encode()[500:]
    c["utf8_tronque"] = "acheteur:\n  nom: Sérignan".encode()[:-1] + b"\xc3"
    c["utf16"] = BASE.encode("utf-16")
    c["latin1"] = BASE.encode("latin-1", errors="replace")
    c["octet_nul_debut"] = b"\x00" + BASE.encode()
    c["octet_nul_fin"] = BASE.encode() + b"\x00"
    c["binaire_png"] = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 10
    c["zip"] = b"PK\x03\x04" + b"\x00" * 100
    c["vide"] = b""
    c["blancs"] = b" \n\t\n"
    c["commentaire_seul"] = b"# rien\n"
    c["null"] = b"null\n"
    c["liste"] = b"- acheteur\n- marche\n"
    c["nombre"] = b"42\n"
    c["chaine"] = b"bonjour\n"
    c["plusieurs_documents"] = BASE.encode() + b"\n---\n" + BASE.encode()
    c["tag_python"] = b"a: !!python/object/apply:os.system ['echo pwned']\n"
    c["tag_inconnu"] = b"acheteur: !Ref x\n"
    c["cle_liste"] = b"? [a, b]\n: 1\n"
    c["cle_nombre"] = b"1: a\n"
    c["cle_double"] = BASE.encode() + b"\nversion: 1\n"
    c["json_tronque"] = b'{"acheteur": {"nom": "x"'
    c["json_virgule"] = b'{"version": 1,}'
    c["montant_texte"] = _avec(["tranches", 0, "montant_estime_ht"], "cent soixante-huit mille")
    c["montant_infini"] = _avec(["tranches", 0, "montant_estime_ht"], float("inf"))
    c["montant_nan"] = _avec(["tranches", 0, "montant_estime_ht"], float("nan"))
    c["montant_enorme"] = _avec(["tranches", 0, "montant_estime_ht"], 10**30)
    c["montant_negatif"] = _avec(["tranches", 0, "montant_estime_ht"], -1)
    c["montant_trois_decimales"] = _avec(["tranches", 0, "montant_estime_ht"], 1.234)
    c["population_chaine"] = _avec(["acheteur", "population"], "deux mille")
    c["population_negative"] = _avec(["acheteur", "population"], -3)
    c["date_nombre"] = _avec(["calendrier", "date_envoi_publication"], 20261207)
    c["date_flottant"] = _avec(["calendrier", "date_envoi_publication"], 1.5e9)
    c["date_texte"] = _avec(["calendrier", "date_envoi_publication"], "7 décembre 2026")
    c["date_30_fevrier"] = BASE.replace("2026-12-07", "2026-02-30").encode()
    c["date_an_10000"] = _avec(["calendrier", "date_envoi_publication"], "10000-01-01")
    c["heure_impossible"] = BASE.replace("2027-01-18T12:00:00", "2027-01-18T25:00:00").encode()
    c["booleen_liste"] = _avec(["marche", "variantes"], [True])
    c["objet_liste"] = _avec(["acheteur"], ["Commune"])
    c["texte_geant"] = _avec(["operation", "enjeux"], "é" * 30000)
    c["liste_geante"] = _avec(["operation", "sites", 0, "contraintes"], ["x"] * 100000)
    c["cle_geante"] = _avec(["a" * 10000], 1)
    c["siret_lettres"] = _avec(["acheteur", "siret"], "2104999010001A")
    c["insee_corse_20"] = _avec(["acheteur", "code_insee"], "20004")
    c["cpv_lettres"] = _avec(["marche", "cpv", "principal"], "7141O000-5")
    c["reference_chemin"] = _avec(["marche", "reference"], "../../etc/passwd")
    c["reference_vide"] = _avec(["marche", "reference"], "")
    c["poids_texte"] = _avec(["criteres", 1, "poids"], "trente-cinq")
    c["poids_101"] = _avec(["criteres", 1, "poids"], 101)
    c["tranches_vides"] = _avec(["tranches"], [])
    c["module_inconnu"] = _avec(["etudes", 0, "module"], "__import__")
    c["phase_injection"] = _avec(["tranches", 0, "phases", 0], "{{ 7*7 }}")
    c["bom_puis_nul"] = b"\xef\xbb\xbf\x00"
    return c


CORPUS = _corpus()


def test_corpus_has_at_least_50_files():
    assert len(CORPUS) >= 50


@pytest.mark.parametrize("nom", sorted(CORPUS))
def test_hostile_file_is_rejected_cleanly(runner, tmp_path, nom):
    chemin = tmp_path / ("projet.json" if nom.startswith("json") else "projet.yaml")
    chemin.write_bytes(CORPUS[nom])
    sortie = tmp_path / "dce"
    tracemalloc.start()
    debut = time.perf_counter()
    res = runner.invoke(main, ["build", str(chemin), "-o", str(sortie)])
    duree = time.perf_counter() - debut
    _, pic = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert res.exit_code == 1, res.output
    assert "Traceback" not in res.output
    assert "Erreur interne" not in res.output, res.output
    assert str(chemin) in res.output
    assert duree < 5, duree
    assert pic < 200 * 1024 * 1024, pic
    assert not sortie.exists() or list(sortie.iterdir()) == []
