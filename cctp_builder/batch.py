"""Build several projects, in parallel processes if asked; the CLI shows progress and summary."""

from __future__ import annotations

import multiprocessing
import multiprocessing.context
import os
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from .errors import CctpError
from .render.isolation import mourir_avec_le_parent


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


@dataclass(frozen=True)
class Bilan:
    """The outcomes of a batch, in the order of the files."""

    issues: list[Issue] = field(default_factory=list)

    @property
    def reussis(self) -> int:
        return sum(1 for i in self.issues if i.reussi)

    @property
    def echecs(self) -> list[Issue]:
        return [i for i in self.issues if not i.reussi]


def construire_un(fichier: str, options: Options) -> Issue:
    """Build one project; every error becomes a failed ``Issue`` with its French message."""
    from .kit import build_kit
    from .loader import load_project

    try:
        projet = load_project(fichier)  # read once: the manifest hashes the validated bytes
        chemins = build_kit(projet, options.sortie, pieces=options.pieces,
                            templates=options.templates, final=options.final, force=options.force,
                            zip=options.zip, pdf=options.pdf,
                            kit_forme=options.kit, pdfa=options.pdfa,
                            annexes_depuis=Path(fichier).parent)
    except CctpError as exc:
        return Issue(fichier, False, str(exc))
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the others
        return Issue(fichier, False,
                     f"erreur interne inattendue ({exc.__class__.__name__} : {exc})")
    dossier = chemins[0].parent if chemins else options.sortie
    return Issue(fichier, True, f"{dossier} ({len(chemins)} fichiers)", tuple(map(str, chemins)))


def prechauffer(templates: Path | None = None) -> None:
    """Import the renderer and compile every built-in template once, in this process: workers
    forked afterwards inherit them instead of importing and compiling each on its own."""
    from .kit import build_kit  # noqa: F401 - the import is the warm-up
    from .pieces.dpgf import build_dpgf  # noqa: F401
    from .render import TemplateSet

    del templates  # an override folder is compiled and rendered under limits, in each child
    ts = TemplateSet.get(None)
    ts.base()
    for nom in ts.names():
        ts.fragment(nom)


def _contexte_processus() -> multiprocessing.context.BaseContext | None:
    """« fork » where it exists (the warmed-up parent is copied), the default elsewhere."""
    if "fork" in multiprocessing.get_all_start_methods():
        return multiprocessing.get_context("fork")
    return None


def construire_lot(fichiers: list[Path], options: Options, *, jobs: int = 1,
                   progression: Callable[[Issue], None] | None = None) -> Bilan:
    """Build every file, in ``jobs`` processes; never prints.

    Returns the outcome of every file, in the order given; ``progression`` is called with
    each outcome as soon as it is known (the CLI moves its progress bar with it).
    """
    noms = [str(f) for f in fichiers]
    issues: list[Issue | None] = [None] * len(noms)

    def noter(rang: int, issue: Issue) -> None:
        issues[rang] = issue
        if progression is not None:
            progression(issue)

    if jobs <= 1 or len(noms) == 1:
        for rang, nom in enumerate(noms):
            noter(rang, construire_un(nom, options))
    else:
        prechauffer(options.templates)
        # Workers die with this process (kill -9 included): no orphan goes on writing.
        with ProcessPoolExecutor(max_workers=min(jobs, len(noms)),
                                 mp_context=_contexte_processus(),
                                 initializer=mourir_avec_le_parent,
                                 initargs=(os.getpid(),)) as pool:
            futurs = {pool.submit(construire_un, nom, options): rang
                      for rang, nom in enumerate(noms)}
            for futur in as_completed(futurs):
                noter(futurs[futur], futur.result())
    return Bilan([i for i in issues if i is not None])
