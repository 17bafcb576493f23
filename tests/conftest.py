"""Shared fixtures: example projects, a CLI runner, helpers to write project files."""

from __future__ import annotations

import copy
import os
import secrets
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

RACINE = Path(__file__).resolve().parents[1]
EXEMPLES = sorted((RACINE / "examples").glob("*.yaml"))
RICHE = RACINE / "examples" / "valmoirac-quartier-des-aires.yaml"
MAPA = RACINE / "examples" / "chanteverne-coeur-de-village.yaml"
DISPENSE = RACINE / "examples" / "fontrousse-etude-de-capacite.yaml"


GRAINE_HYPOTHESIS = int(os.environ.get("CCTP_GRAINE_HYPOTHESIS") or secrets.randbelow(2**32))
"""Seed of the property tests: new cases on every run, the seed printed to replay a failure."""


def pytest_report_header(config) -> str:
    return (f"hypothesis : graine {GRAINE_HYPOTHESIS} "
            f"(rejouer : CCTP_GRAINE_HYPOTHESIS={GRAINE_HYPOTHESIS})")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    resultat = yield
    rapport = resultat.get_result()
    if rapport.failed and getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
        rapport.sections.append((
            "graine hypothesis",
            f"Test par propriétés en échec avec la graine {GRAINE_HYPOTHESIS} : relancez avec "
            f"CCTP_GRAINE_HYPOTHESIS={GRAINE_HYPOTHESIS} pour rejouer les mêmes cas."))


def pytest_addoption(parser):
    parser.addoption("--update-golden", action="store_true",
                     help="réécrire les textes de référence de tests/golden/")


@pytest.fixture
def update_golden(request) -> bool:
    return bool(request.config.getoption("--update-golden"))


@pytest.fixture(autouse=True, scope="session")
def _cache_isole(tmp_path_factory):
    """Compiled templates go to a throwaway cache, never to the user's ~/.cache."""
    ancien = os.environ.get("CCTP_BUILDER_CACHE")
    os.environ["CCTP_BUILDER_CACHE"] = str(tmp_path_factory.mktemp("cache-modeles"))
    yield
    if ancien is None:
        os.environ.pop("CCTP_BUILDER_CACHE", None)
    else:
        os.environ["CCTP_BUILDER_CACHE"] = ancien


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def donnees(chemin: Path = RICHE) -> dict[str, Any]:
    """The example's data as plain Python (a fresh copy each call)."""
    return copy.deepcopy(yaml.safe_load(chemin.read_text("utf-8")))


def modifier(data: Any, chemin: list | tuple, valeur: Any = None, *,
             supprimer: bool = False) -> Any:
    """Set (or delete) the value at ``chemin`` (keys and list indexes) in ``data``."""
    cible = data
    for cle in chemin[:-1]:
        cible = cible[cle]
    if supprimer:
        del cible[chemin[-1]]
    else:
        cible[chemin[-1]] = valeur
    return data


def ecrire(tmp_path: Path, data: Any, nom: str = "projet.yaml") -> Path:
    chemin = tmp_path / nom
    chemin.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    return chemin
