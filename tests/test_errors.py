"""Every exception class the package defines belongs to the CctpError family."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import cctp_builder
from cctp_builder import CctpError


def _modules() -> list[str]:
    return [m.name for m in pkgutil.walk_packages(cctp_builder.__path__, "cctp_builder.")
            if not m.name.endswith("_uno_convert")]  # runs inside LibreOffice's Python


def test_chaque_exception_du_paquet_est_une_cctperror() -> None:
    trouvees = {}
    for nom in _modules():
        module = importlib.import_module(nom)
        for _, obj in inspect.getmembers(module, inspect.isclass):
            if issubclass(obj, BaseException) and obj.__module__.startswith("cctp_builder"):
                trouvees[f"{obj.__module__}.{obj.__qualname__}"] = obj
    assert {"cctp_builder.rules.ReglesInvalides", "cctp_builder.render.markup.MarkupError",
            "cctp_builder.render.filters.FiltreInvalide"} <= set(trouvees)
    hors_famille = sorted(n for n, c in trouvees.items() if not issubclass(c, CctpError))
    assert hors_famille == []


def test_import_du_paquet_ne_charge_ni_le_rendu_ni_pydantic() -> None:
    """``import cctp_builder`` (and ``--version``) stay cheap: public names load on first use."""
    import subprocess
    import sys

    code = ("import sys, cctp_builder; lourds = [m for m in ('pydantic', 'jinja2', 'lxml', "
            "'docxtpl', 'openpyxl', 'babel', 'cctp_builder.kit') if m in sys.modules]; "
            "print(lourds); assert cctp_builder.load_project.__name__ == 'load_project'")
    sortie = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True).stdout
    assert sortie.strip() == "[]"
    assert sorted(cctp_builder.__all__) == sorted(set(cctp_builder.__all__))
    assert all(hasattr(cctp_builder, nom) for nom in cctp_builder.__all__)
