"""Build several projects, in parallel processes if asked, with progress and a summary."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CctpError


@dataclass(frozen=True)
class Options:
    """What to build and where (the options of ``cctp-builder build``)."""

    sortie: Path
    pieces: tuple[str, ...] | None = None
    templates: Path | None = None
    final: bool = False
    force: bool = False
    zip: bool = False
    pdf: bool = False
    pdfa: bool = False
    kit: str | None = None


@dataclass(frozen=True)
class Issue:
    """Outcome of one project."""

    fichier: str
    reussi: bool
    message: str
    chemins: tuple[str, ...] = ()


@dataclass
class Bilan:
    issues: list[Issue] = field(default_factory=list)

    @property
    def reussis(self) -> int:
        return sum(1 for i in self.issues if i.reussi)


def construire_un(fichier: str, options: Options) -> Issue:
    """Build one project; every error becomes a failed ``Issue`` with its French message."""
    from .kit import build_kit
    from .loader import load_project

    try:
        projet = load_project(fichier)
        source = Path(fichier).read_bytes()
        chemins = build_kit(projet, options.sortie, pieces=options.pieces,
                            templates=options.templates, final=options.final, force=options.force,
                            zip=options.zip, pdf=options.pdf, source=source,
                            kit_forme=options.kit, pdfa=options.pdfa,
                            annexes_depuis=Path(fichier).parent)
    except CctpError as exc:
        return Issue(fichier, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
        return Issue(fichier, False,
                     f"erreur interne inattendue ({exc.__class__.__name__} : {exc})")
    dossier = chemins[0].parent if chemins else options.sortie
    return Issue(fichier, True, f"{dossier} ({len(chemins)} fichiers)", tuple(map(str, chemins)))


def construire_lot(fichiers: list[Path], options: Options, *, jobs: int = 1,
                   echo: Callable[..., None] = print, terminal: bool = False) -> Bilan:
    """Build every file; print a progress bar on a terminal and a summary at the end."""
    bilan = Bilan()
    noms = [str(f) for f in fichiers]
    seul = len(noms) == 1

    def noter(issue: Issue) -> None:
        bilan.issues.append(issue)
        if seul:
            if issue.reussi:
                echo(f"Kit écrit : {issue.message}")
                for c in issue.chemins:
                    echo(f"  {c}")
        elif not issue.reussi:
            echo(f"\n{issue.fichier} : échec", err=True)
        if not issue.reussi:
            echo(issue.message if seul else f"  {issue.message}", err=True)
        if terminal and not seul:
            n = len(bilan.issues)
            plein = int(30 * n / len(noms))
            echo(f"\r[{'#' * plein}{'.' * (30 - plein)}] {n}/{len(noms)}", nl=False, err=True)

    if seul and terminal:
        suite = " et conversion PDF (LibreOffice)" if options.pdf else ""
        echo(f"Construction du kit de {noms[0]}{suite}…", err=True)
    if jobs <= 1 or seul:
        for nom in noms:
            noter(construire_un(nom, options))
    else:
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            futurs = [pool.submit(construire_un, nom, options) for nom in noms]
            for futur in as_completed(futurs):
                noter(futur.result())
    if not seul:
        if terminal:
            echo("", err=True)
        echecs = len(noms) - bilan.reussis
        echo(f"{bilan.reussis} kit(s) construit(s), {echecs} échec(s) sur {len(noms)} fichier(s).")
    return bilan
