"""The analysis of a project: everything computed once from one source, read by every layer.

``load_project`` (and :func:`cctp_builder.loader.analyser_fichier`) read the project file
once and produce one immutable :class:`AnalyseProjet`: the source bytes and their SHA-256,
the model, the resolution (studies, phases, tranches), the legal decision and the findings.
Validation, the template context, rendering and the manifest all read it: nothing is resolved
or decided twice, and the manifest hashes the very bytes that were validated.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass, field

from .decision import Decision
from .errors import Constat, RegleIntrouvable, Resultat
from .legal import check, decision_pour
from .models import Consultation
from .resolution import Resolution, resoudre
from .rules import Regles
from .validation import a_completer, forme_du_kit, verifier


@dataclass(frozen=True)
class Source:
    """The bytes a project was read from, as read (one read)."""

    nom: str
    octets: bytes = field(repr=False)

    @property
    def sha256(self) -> str:
        return hashlib.sha256(self.octets).hexdigest()


@dataclass(frozen=True)
class AnalyseProjet:
    """One project, analysed once. ``projet`` is None when the file does not validate."""

    projet: Consultation | None
    resultat: Resultat
    source: Source | None = None
    resolution: Resolution | None = None
    decision: Decision | None = None
    version_regles: str | None = None
    empreinte_modele: str | None = None
    """SHA-256 of the model's data when analysed: a model changed since then (by
    ``object.__setattr__``…) no longer matches, and gets a new analysis."""

    @property
    def valide(self) -> bool:
        return self.projet is not None and self.resultat.valide

    @property
    def empreinte(self) -> str | None:
        """SHA-256 of the source bytes (None for a project built in Python)."""
        return self.source.sha256 if self.source is not None else None


CHAMP_DATE = "calendrier.date_envoi_publication"


def empreinte_modele(projet: Consultation) -> str:
    """SHA-256 of the model's data (its JSON form)."""
    return hashlib.sha256(projet.model_dump_json().encode("utf-8")).hexdigest()


def constats_du_projet(projet: Consultation, res: Resolution,
                       regles: Regles) -> tuple[list[Constat], Decision | None]:
    """The findings on a structurally valid project, and its decision when it has no error.

    The legal checks need a decision, which needs a coherent project: they run only once the
    structural and coherence checks find no error. A consultation date the rules data does
    not cover is reported on the date's field.
    """
    constats = verifier(projet, res)
    decision = None
    if not any(c.gravite == "erreur" for c in constats):
        try:
            decision = decision_pour(projet, regles, res)
            constats.extend(check(projet, decision, regles))
            constats.extend(forme_du_kit(projet.kit, decision))
        except RegleIntrouvable as exc:
            decision = None
            constats.append(Constat(
                CHAMP_DATE, f"{exc} La date de consultation "
                f"({projet.calendrier.date_envoi_publication.isoformat()}, champ {CHAMP_DATE}) "
                "est hors des données réglementaires connues."))
    constats.extend(a_completer(projet))
    return constats, decision


def analyser(projet: Consultation, *, source: Source | None = None,
             situer: Callable[[list[Constat]], list[Constat]] | None = None,
             supplementaires: list[Constat] | None = None) -> AnalyseProjet:
    """Resolve, decide and check ``projet`` once. ``situer`` gives the findings their file,
    line and column (the loader knows them); ``supplementaires`` are findings the loader
    made itself (annexed files next to the project file)."""
    regles = Regles.charger()
    res = resoudre(projet)
    constats, decision = constats_du_projet(projet, res, regles)
    constats = list(supplementaires or []) + constats
    if situer is not None:
        constats = situer(constats)
    analyse = AnalyseProjet(projet=projet, resultat=Resultat(constats), source=source,
                            resolution=res, decision=decision, version_regles=regles.version,
                            empreinte_modele=empreinte_modele(projet))
    memoriser(analyse)
    return analyse


# One process builds a few projects at a time: the analyses of the last ones are kept so that
# ``build_kit(load_project(f))`` reuses the loader's analysis. Bounded, so a batch of 200
# projects does not keep 200 analyses alive; keyed by identity (the analysis holds its model,
# so an id cannot be reused while it is kept).
_RECENTES: OrderedDict[int, AnalyseProjet] = OrderedDict()
_VERROU = threading.Lock()
_GARDEES = 8


def memoriser(analyse: AnalyseProjet) -> None:
    if analyse.projet is None:
        return
    with _VERROU:
        _RECENTES[id(analyse.projet)] = analyse
        _RECENTES.move_to_end(id(analyse.projet))
        while len(_RECENTES) > _GARDEES:
            _RECENTES.popitem(last=False)


def analyse_connue(projet: Consultation) -> AnalyseProjet | None:
    """The analysis last made of this very model object, if still kept."""
    with _VERROU:
        connue = _RECENTES.get(id(projet))
    return connue if connue is not None and connue.projet is projet else None


def analyse_de(projet: Consultation | AnalyseProjet) -> AnalyseProjet:
    """The analysis of ``projet``: itself, the loader's one, or a new one (no source)."""
    if isinstance(projet, AnalyseProjet):
        return projet
    return analyse_connue(projet) or analyser(projet)


__all__ = ["CHAMP_DATE", "AnalyseProjet", "Source", "analyse_connue", "analyse_de", "analyser",
           "constats_du_projet", "empreinte_modele"]
