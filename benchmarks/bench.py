"""Benchmark of cctp_builder against the floor of its approach, in one run.

    python benchmarks/bench.py [--quick] [--json benchmarks/results.json]

Measures, on the richest example (medians; every floor measured in the same run):
  * start-up: ``cctp-builder --version``, a cold ``validate``, against the floor of a bare
    ``python -c pass`` and of ``python -c "import jinja2"``;
  * one kit as a cold CLI process with a warm template cache (median of 5), and with an
    empty cache; its peak RSS;
  * one kit in-process (median of ≥ 20 renders of the 7 pieces, in memory) against the floor:
    plain jinja2 (no sandbox, no post-processing) on the kit's own prepared XML (the same
    patched fragments) + zipfile, the DPGF re-zipped from its own XML;
  * batches of 8 and of 200 kits (30 with --quick) with -j 1 and -j 2 (CLI), and the RSS
    after 40 and after 200 kits in one process;
  * --pdf for one kit (one LibreOffice call), when soffice is present.
The template cache lives in a temporary folder (CCTP_BUILDER_CACHE), warmed by one run.
Prints a table (figure beside target) and writes JSON.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path
from typing import Any

import jinja2

RACINE = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(RACINE))

from cctp_builder import load_project  # noqa: E402
from cctp_builder.context import build_context  # noqa: E402
from cctp_builder.kit import render_kit  # noqa: E402
from cctp_builder.pieces import PIECES, plan_piece  # noqa: E402
from cctp_builder.render import FILTERS, TemplateSet  # noqa: E402

EXEMPLE = RACINE / "examples" / "valmoirac-quartier-des-aires.yaml"


def _median(fonction, n: int, echauffement: int = 2) -> float:
    for _ in range(echauffement):
        fonction()
    mesures = []
    for _ in range(n):
        gc.collect()
        debut = time.perf_counter()
        fonction()
        mesures.append(time.perf_counter() - debut)
    return statistics.median(mesures)


class Plancher:
    """The floor: plain jinja2 on the prepared XML of the same fragments, then zipfile."""

    def __init__(self, projet) -> None:
        self.ts = TemplateSet.get(None)
        self.contexte = build_context(projet)
        env = jinja2.Environment(autoescape=True, undefined=jinja2.StrictUndefined)
        env.filters.update(FILTERS)
        base = self.ts.base()
        self.ouverture, self.fermeture = base.doc_open, base.doc_close
        with zipfile.ZipFile(self.ts.source("base")) as z:
            self.statiques = {n: z.read(n) for n in z.namelist() if n != "word/document.xml"}
        self.plans = {}
        for piece in PIECES:
            if piece.extension != "docx":
                continue
            plan = plan_piece(self.ts, piece.code, self.contexte["etudes"])
            self.plans[piece.code] = [
                (env.from_string(self.ts.fragment(nom).source), {**extra, "doc": piece})
                for nom, extra in plan]
        dpgf = render_kit(projet, pieces=["dpgf"]).fichiers["05-DPGF.xlsx"]
        with zipfile.ZipFile(io.BytesIO(dpgf)) as z:
            self.xlsx = {n: z.read(n) for n in z.namelist()}

    @staticmethod
    def _zip(membres: dict[str, bytes]) -> bytes:
        tampon = io.BytesIO()
        with zipfile.ZipFile(tampon, "w", zipfile.ZIP_DEFLATED) as z:
            for nom, data in membres.items():
                z.writestr(nom, data)
        return tampon.getvalue()

    def kit(self) -> dict[str, bytes]:
        out = {}
        for code, plan in self.plans.items():
            corps = "".join(t.render({**self.contexte, **extra}) for t, extra in plan)
            xml = (self.ouverture + corps + self.fermeture).encode("utf-8")
            out[code] = self._zip({"word/document.xml": xml, **self.statiques})
        out["dpgf"] = self._zip(self.xlsx)
        return out


def _processus(args: list[str], cwd: Path) -> tuple[float, float]:
    """Wall time and peak RSS (MiB) of a child process."""
    avant = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    debut = time.perf_counter()
    subprocess.run(args, cwd=cwd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    duree = time.perf_counter() - debut
    pic = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return duree, max(pic, avant) / 1024


def _median_processus(args: list[str], n: int) -> float:
    _processus(args, RACINE)  # page cache warm, as for a user's second command
    return statistics.median(_processus(args, RACINE)[0] for _ in range(n))


def _cli() -> list[str]:
    script = Path(sys.executable).with_name("cctp-builder")
    return [str(script)] if script.exists() else [sys.executable, "-m", "cctp_builder.cli"]


def _lot(dossier: Path, n: int) -> list[Path]:
    """n project files: the three examples with distinct references."""
    exemples = sorted((RACINE / "examples").glob("*.yaml"))
    fichiers = []
    for i in range(n):
        source = exemples[i % len(exemples)].read_text("utf-8")
        projet = load_project(exemples[i % len(exemples)])
        texte = source.replace(f"reference: {projet.marche.reference}",
                               f"reference: LOT-{i:04d}")
        chemin = dossier / f"projet-{i:04d}.yaml"
        chemin.write_text(texte, "utf-8")
        fichiers.append(chemin)
    return fichiers


def _rss_mib() -> float:
    with open("/proc/self/status", encoding="ascii") as f:
        for ligne in f:
            if ligne.startswith("VmRSS:"):
                return int(ligne.split()[1]) / 1024
    return float("nan")


def mesurer(rapide: bool) -> dict[str, Any]:
    projet = load_project(EXEMPLE)
    res: dict[str, Any] = {
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cœurs, "
                   f"Python {platform.python_version()}",
        "exemple": EXEMPLE.name,
    }
    n = 5 if rapide else 20
    res["kit_en_processus_s"] = _median(lambda: render_kit(projet), n)
    plancher = Plancher(projet)
    res["plancher_s"] = _median(plancher.kit, n * 2)
    res["ratio_kit_plancher"] = res["kit_en_processus_s"] / res["plancher_s"]

    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        os.environ["CCTP_BUILDER_CACHE"] = str(tmp_path / "cache")
        repetitions = 5 if rapide else 9
        res["plancher_python_s"] = _median_processus([sys.executable, "-c", "pass"], repetitions)
        res["plancher_jinja2_s"] = _median_processus(
            [sys.executable, "-c", "import jinja2"], repetitions)
        res["version_s"] = _median_processus([*_cli(), "--version"], repetitions)
        res["validate_froid_s"] = _median_processus([*_cli(), "validate", str(EXEMPLE)],
                                                    repetitions)
        vide = tmp_path / "cache-vide"
        os.environ["CCTP_BUILDER_CACHE"] = str(vide)
        res["cli_cache_vide_s"], _ = _processus(
            [*_cli(), "build", str(EXEMPLE), "-o", str(tmp_path / "vide"), "--force"], RACINE)
        os.environ["CCTP_BUILDER_CACHE"] = str(tmp_path / "cache")
        _processus([*_cli(), "build", str(EXEMPLE), "-o", str(tmp_path / "un"), "--force"],
                   RACINE)  # warms the template cache
        froid = [_processus([*_cli(), "build", str(EXEMPLE), "-o", str(tmp_path / "un"),
                             "--force"], RACINE) for _ in range(repetitions)]
        res["cli_froid_s"] = statistics.median(d for d, _ in froid)
        res["rss_un_kit_mib"] = max(r for _, r in froid)

        taille = 30 if rapide else 200
        lot = _lot(tmp_path, taille)
        for n, fichiers in ((8, lot[:8]), (taille, lot)):
            for jobs in (1, 2):
                sortie = tmp_path / f"lot-{n}-j{jobs}"
                mesures = [_processus([*_cli(), "build", *map(str, fichiers), "-o",
                                       str(sortie), "-j", str(jobs), "--force"], RACINE)[0]
                           for _ in range(3 if n == 8 else 1)]
                res[f"lot_{n}_j{jobs}_s"] = statistics.median(mesures)
            res[f"acceleration_j2_{n}"] = res[f"lot_{n}_j1_s"] / res[f"lot_{n}_j2_s"]

        rss = {}
        for i, chemin in enumerate(lot, start=1):
            render_kit(load_project(chemin))
            if i in (min(40, taille), taille):
                gc.collect()
                rss[i] = _rss_mib()
        res["rss_apres_40_mib"] = rss[min(40, taille)]
        res[f"rss_apres_{taille}_mib"] = rss[taille]
        res["croissance_rss"] = rss[taille] / rss[min(40, taille)]

        if shutil.which("soffice") or shutil.which("libreoffice"):
            duree, _ = _processus([*_cli(), "build", str(EXEMPLE), "-o", str(tmp_path / "pdf"),
                                   "--pdf", "--force"], RACINE)
            res["kit_pdf_s"] = duree
    res["taille_lot"] = taille
    return res


def _cible(valeur: float, limite: float, texte: str, au_plus: bool = True) -> str:
    tenue = valeur <= limite if au_plus else valeur >= limite
    return f"{texte} {'✓' if tenue else '✗'}"


def tableau(res: dict[str, Any]) -> str:
    n = res["taille_lot"]
    lignes = [
        ("Plancher : python -c pass / import jinja2",
         f"{res['plancher_python_s']:.3f} / {res['plancher_jinja2_s']:.3f} s", ""),
        ("cctp-builder --version", f"{res['version_s']:.3f} s",
         _cible(res["version_s"], 0.12, "≤ 0,12 s")),
        ("validate à froid (Valmoirac)", f"{res['validate_froid_s']:.2f} s",
         _cible(res["validate_froid_s"], 0.3, "≤ 0,3 s")),
        ("build à froid, un kit, cache des modèles rempli", f"{res['cli_froid_s']:.2f} s",
         _cible(res["cli_froid_s"], 0.45, "≤ 0,45 s")),
        ("build à froid, un kit, cache vide", f"{res['cli_cache_vide_s']:.2f} s", ""),
        ("Kit en processus (7 pièces, médiane)", f"{res['kit_en_processus_s'] * 1000:.0f} ms", ""),
        ("Plancher jinja2 + zip (mêmes fragments)", f"{res['plancher_s'] * 1000:.0f} ms", ""),
        ("Rapport kit / plancher", f"{res['ratio_kit_plancher']:.2f}",
         _cible(res["ratio_kit_plancher"], 2, "≤ 2")),
        ("RSS maximale, un kit (CLI)", f"{res['rss_un_kit_mib']:.0f} Mio", "≤ avant"),
        ("Lot de 8 kits, -j 1 / -j 2",
         f"{res['lot_8_j1_s']:.2f} / {res['lot_8_j2_s']:.2f} s", ""),
        ("Accélération -j 2, 8 kits", f"{res['acceleration_j2_8']:.2f} ×",
         _cible(res["acceleration_j2_8"], 1.6, "≥ 1,6", au_plus=False)),
        (f"Lot de {n} kits, -j 1 / -j 2",
         f"{res[f'lot_{n}_j1_s']:.1f} / {res[f'lot_{n}_j2_s']:.1f} s", ""),
        (f"Accélération -j 2, {n} kits", f"{res[f'acceleration_j2_{n}']:.2f} ×",
         _cible(res[f"acceleration_j2_{n}"], 1.85, "≥ 1,85", au_plus=False)),
        (f"RSS après 40 / {n} kits", f"{res['rss_apres_40_mib']:.0f} / "
         f"{res[f'rss_apres_{n}_mib']:.0f} Mio", _cible(res["croissance_rss"], 1.2, "≤ 1,2 ×")),
    ]
    if "kit_pdf_s" in res:
        lignes.append(("Kit avec --pdf (un appel LibreOffice)", f"{res['kit_pdf_s']:.1f} s", ""))
    largeur = max(len(ligne[0]) for ligne in lignes)
    sortie = [f"| {'mesure':<{largeur}} | valeur | cible |", f"|{'-' * (largeur + 2)}|---|---|"]
    sortie += [f"| {a:<{largeur}} | {b} | {c} |" for a, b, c in lignes]
    return "\n".join(sortie)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true",
                        help="petit lot (30 kits), moins de répétitions")
    parser.add_argument("--json", type=Path, default=RACINE / "benchmarks" / "results.json")
    args = parser.parse_args()
    res = mesurer(args.quick)
    print(res["machine"])
    print(tableau(res))
    args.json.write_text(json.dumps(res, ensure_ascii=False, indent=2) + "\n", "utf-8")
    print(f"\nRésultats : {args.json}")


if __name__ == "__main__":
    main()
