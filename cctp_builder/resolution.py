"""Resolve a project against the study catalog: phases per study, phases per tranche.

Pure functions: they read the catalog (package data) and the model, never files of the user.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass, field
from decimal import Decimal

from .catalogue import ENGAGEMENTS_ECOQUARTIER, ModuleEtude, catalogue
from .errors import Constat
from .models import Consultation, Phase, Tranche


@dataclass(frozen=True)
class Engagement:
    numero: int
    libelle: str


@dataclass
class PhaseResolue:
    """A phase of a chosen study, with the tranche it belongs to."""

    etude_cle: str
    etude_titre: str
    code: str
    nom: str
    duree_semaines: int
    contenu: list[str]
    livrables: list[str]
    reunions: list[str]
    validation: str
    tranche: str = ""
    tranche_intitule: str = ""

    @property
    def ref(self) -> str:
        return f"{self.etude_cle}/{self.code}"


@dataclass
class EtudeResolue:
    """A chosen study with its resolved phases."""

    cle: str
    titre: str
    resume: str
    precisions: str | None
    phases: list[PhaseResolue]
    engagements: list[Engagement]
    competences: list[str]
    conflit_interets: bool = False
    """The study helps choose a later contractor: the incompatibility clause applies."""

    @property
    def tranches(self) -> list[str]:
        vues: list[str] = []
        for p in self.phases:
            if p.tranche and p.tranche not in vues:
                vues.append(p.tranche)
        return vues


@dataclass
class TrancheResolue:
    """A tranche with its resolved phases."""

    code: str
    intitule: str
    type: str
    phases: list[PhaseResolue]
    montant_estime_ht: Decimal | None
    delai_affermissement_mois: int | None
    indemnite_attente: Decimal | None
    indemnite_dedit: Decimal | None
    description: str | None
    indemnite_attente_apres_mois: int | None = None

    @property
    def est_ferme(self) -> bool:
        return self.type == "ferme"

    @property
    def numero(self) -> int:
        return 0 if self.code == "TF" else int(self.code[2:])

    @property
    def duree_semaines(self) -> int:
        """Phases of one study follow each other; different studies run in parallel."""
        par_etude: dict[str, int] = {}
        for p in self.phases:
            par_etude[p.etude_cle] = par_etude.get(p.etude_cle, 0) + p.duree_semaines
        return max(par_etude.values(), default=0)

    @property
    def etudes(self) -> list[str]:
        titres: list[str] = []
        for p in self.phases:
            if p.etude_titre not in titres:
                titres.append(p.etude_titre)
        return titres


@dataclass
class Resolution:
    etudes: list[EtudeResolue] = field(default_factory=list)
    tranches: list[TrancheResolue] = field(default_factory=list)
    constats: list[Constat] = field(default_factory=list)


def suggestion(mot: str, possibles: list[str]) -> str:
    """« vouliez-vous dire … ? » hint, or an empty string."""
    proches = difflib.get_close_matches(mot, possibles, n=1, cutoff=0.6)
    return f" Vouliez-vous dire « {proches[0]} » ?" if proches else ""


def _phases_du_projet(module: ModuleEtude, propres: list[Phase] | None) -> list[Phase]:
    return list(propres) if propres else list(module.phases)


def resoudre(projet: Consultation) -> Resolution:
    """Resolve studies and tranches; report unknown modules and misplaced phases."""
    cat = catalogue()
    res = Resolution()
    par_ref: dict[str, PhaseResolue] = {}
    vues: set[str] = set()
    for i, choix in enumerate(projet.etudes):
        chemin = f"etudes.{i}.module"
        module = cat.get(choix.module)
        if module is None:
            res.constats.append(Constat(chemin, f"module d'étude inconnu « {choix.module} »."
                                        + suggestion(choix.module, sorted(cat))
                                        + " La liste : cctp-builder etudes."))
            continue
        if choix.module in vues:
            res.constats.append(Constat(chemin,
                                        f"le module « {choix.module} » est choisi deux fois."))
            continue
        vues.add(choix.module)
        phases = [
            PhaseResolue(module.cle, module.titre, p.code, p.nom, p.duree_semaines, list(p.contenu),
                         list(p.livrables), list(p.reunions), p.validation)
            for p in _phases_du_projet(module, choix.phases)
        ]
        codes = [p.code for p in phases]
        for code in {c for c in codes if codes.count(c) > 1}:
            res.constats.append(Constat(f"etudes.{i}.phases",
                                        f"le code de phase « {code} » figure deux fois."))
        for p in phases:
            par_ref[p.ref] = p
        engagements = [Engagement(n, ENGAGEMENTS_ECOQUARTIER[n]) for n in module.engagements
                       if n in ENGAGEMENTS_ECOQUARTIER]
        res.etudes.append(EtudeResolue(module.cle, module.titre, module.resume, choix.precisions,
                                       phases, engagements, list(module.competences),
                                       module.conflit_interets))
    _affecter_tranches(projet.tranches, res, par_ref)
    return res


def _affecter_tranches(tranches: list[Tranche], res: Resolution,
                       par_ref: dict[str, PhaseResolue]) -> None:
    modules = {e.cle: e for e in res.etudes}
    for ti, tranche in enumerate(tranches):
        phases: list[PhaseResolue] = []
        for pi, ref in enumerate(tranche.phases):
            chemin = f"tranches.{ti}.phases.{pi}"
            cle, _, code = ref.partition("/")
            if cle not in modules:
                res.constats.append(Constat(chemin, f"« {ref} » désigne un module qui n'est pas "
                                            "retenu dans « etudes »."
                                            + suggestion(cle, sorted(modules))))
                continue
            cibles = modules[cle].phases if not code else [par_ref[ref]] if ref in par_ref else []
            if not cibles:
                codes = [p.code for p in modules[cle].phases]
                res.constats.append(Constat(chemin, f"le module « {cle} » n'a pas de phase "
                                            f"« {code} » (phases : {', '.join(codes)})."
                                            + suggestion(code, codes)))
                continue
            for p in cibles:
                if p.tranche:
                    res.constats.append(Constat(chemin, f"la phase « {p.ref} » est déjà affectée à "
                                                f"la tranche {p.tranche} : chaque phase appartient "
                                                "à une seule tranche."))
                    continue
                p.tranche, p.tranche_intitule = tranche.code, tranche.intitule
                phases.append(p)
        res.tranches.append(TrancheResolue(
            tranche.code, tranche.intitule, tranche.type, phases, tranche.montant_estime_ht,
            tranche.delai_affermissement_mois, tranche.indemnite_attente, tranche.indemnite_dedit,
            tranche.description, tranche.indemnite_attente_apres_mois))
    for etude in res.etudes:
        for p in etude.phases:
            if not p.tranche:
                res.constats.append(Constat("tranches", f"la phase « {p.ref} » ({p.nom}) n'est "
                                            "affectée à aucune tranche."))
