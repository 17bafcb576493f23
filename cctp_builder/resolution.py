"""Resolve a project against the study catalog: phases per study, phases per tranche.

Pure functions: they read the catalog (package data) and the model, never files of the user.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from .catalogue import ENGAGEMENTS_ECOQUARTIER, ModuleEtude, catalogue
from .echelles import remplacer_echelles
from .errors import Constat
from .models import Consultation, Phase, Tranche

COMITES: tuple[str, ...] = ("copil", "cotech", "autres")
"""Meeting categories summed per tranche: steering committee, technical committee, other
meetings (work sessions, presentations to the council, public events)."""

_NOMBRES = {"un": 1, "une": 1, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5, "six": 6,
            "sept": 7, "huit": 8, "neuf": 9, "dix": 10}


def compter_reunion(texte: str) -> tuple[str, int]:
    """Category and count of one meeting line of a phase (« 2 comités de pilotage … »)."""
    t = texte.strip().lower()
    m = re.match(r"(\d+|un|une|deux|trois|quatre|cinq|six|sept|huit|neuf|dix)\b", t)
    n = 0  # a line without a leading count describes a participation, not a session
    if m:
        n = int(m.group(1)) if m.group(1).isdigit() else _NOMBRES[m.group(1)]
    if "comité de pilotage" in t or "comités de pilotage" in t:
        return "copil", n
    if "comité technique" in t or "comités techniques" in t:
        return "cotech", n
    return "autres", n


_SANS_COTECH = [
    ("réunions du comité technique", "réunions de travail avec les services de la commune"),
    ("réunion du comité technique", "réunion de travail avec les services de la commune"),
    ("réunion de travail du comité technique",
     "réunion de travail avec les services de la commune"),
    ("avec le comité technique", "avec les services de la commune"),
    ("par le comité technique", "par les services de la commune"),
    ("au comité technique", "aux services de la commune"),
    ("du comité technique", "des services de la commune"),
    ("le comité technique", "les services de la commune"),
    ("comité technique", "réunion de travail avec les services de la commune"),
]


_SANS_PRIVE = [
    (", projet urbain partenarial, concession", ", concession"),
    (", projet urbain partenarial ou concession", " ou concession"),
]


def sans_cotech(texte: str) -> str:
    """A phase text rewritten for a project that has no technical committee."""
    for avant, apres in _SANS_COTECH:
        texte = texte.replace(avant, apres)
    return texte


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
    depend_de: list[str] = field(default_factory=list)
    numero: int = 0
    debut_semaine: int = 0
    fin_semaine: int = 0
    validations_avant: int = 0
    """Validation periods on the path that ends with this phase (its own included)."""

    @property
    def ref(self) -> str:
        return f"{self.etude_cle}/{self.code}"

    @property
    def comptes_reunions(self) -> dict[str, int]:
        """Meetings of the phase by category (copil, cotech, autres)."""
        out = dict.fromkeys(COMITES, 0)
        for r in self.reunions:
            cat, n = compter_reunion(r)
            out[cat] += n
        return out


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

    validation_semaines: int = 0
    validations_chemin: int = 0
    """Validation weeks counted on the critical path."""

    @property
    def duree_semaines(self) -> int:
        """Execution time: the critical path through the phases' dependencies (validation
        times excluded)."""
        return max((p.fin_semaine - p.validations_avant for p in self.phases), default=0)

    @property
    def duree_calendaire_semaines(self) -> int:
        """Calendar time of the tranche: critical path with the buyer's validation times."""
        return max((p.fin_semaine for p in self.phases), default=0)

    @property
    def reunions(self) -> dict[str, int]:
        """Meetings of the tranche by category."""
        out = dict.fromkeys(COMITES, 0)
        for p in self.phases:
            for k, n in p.comptes_reunions.items():
                out[k] += n
        return out

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

    @property
    def phases(self) -> list[PhaseResolue]:
        """Every phase, in the order of the CCTP (study by study), numbered 1, 2, 3…"""
        return [p for e in self.etudes for p in e.phases]

    @property
    def reunions(self) -> dict[str, int]:
        """Meetings of the whole contract by category (all tranches)."""
        out = dict.fromkeys(COMITES, 0)
        for t in self.tranches:
            for k, n in t.reunions.items():
                out[k] += n
        return out


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
        texte = _texte_du_projet(projet)
        phases = [
            PhaseResolue(module.cle, module.titre, p.code, texte(p.nom), p.duree_semaines,
                         [texte(x) for x in p.contenu], [texte(x) for x in p.livrables],
                         [texte(x) for x in p.reunions], texte(p.validation),
                         depend_de=list(p.depend_de))
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
    for n, p in enumerate(res.phases, start=1):
        p.numero = n
    _affecter_tranches(projet.tranches, res, par_ref)
    if not res.constats:
        _planifier(res, projet.pilotage.delai_validation_semaines)
    return res


def _texte_du_projet(projet: Consultation) -> Callable[[str], str]:
    """Catalogue text adapted to the project: scales from the data table, no COTECH if none."""
    surface = projet.operation.surface_totale_ha
    batiment = projet.operation.est_batiment
    cotech = projet.pilotage.cotech is not None
    communal = projet.operation.tout_communal
    remplacements = list(_SANS_PRIVE) if communal else []  # no private owner: no PUP
    if projet.operation.nature != "extension":
        remplacements.append((", trame agricole, lisières", ", patrimoine bâti, espaces libres"))
    types = {d.type for d in projet.operation.documents_planification}
    cadre = [n for t, n in (("scot", "du SCoT"), ("plh", "du PLH")) if t in types]
    remplacements.append(("orientations du SCoT et du PLH",
                          "orientations " + " et ".join(cadre) if cadre
                          else "documents supra-communaux"))

    def texte(x: str) -> str:
        x = remplacer_echelles(x, surface, batiment)
        for avant, apres in remplacements:
            x = x.replace(avant, apres)
        return x if cotech else sans_cotech(x)

    return texte


def dependances(p: PhaseResolue, etude: EtudeResolue, par_ref: dict[str, PhaseResolue],
                modules: dict[str, EtudeResolue]) -> list[PhaseResolue]:
    """The phases ``p`` waits for: the previous phase of its study, then its ``depend_de``
    (references to modules that are not chosen are ignored)."""
    out: list[PhaseResolue] = []
    i = etude.phases.index(p)
    if i > 0:
        out.append(etude.phases[i - 1])
    for ref in p.depend_de:
        cle, _, code = ref.partition("/")
        if cle not in modules:
            continue
        cibles = modules[cle].phases if not code else [par_ref[ref]] if ref in par_ref else []
        out.extend(c for c in cibles if c is not p and c not in out)
    return out


def _planifier(res: Resolution, validation: int) -> None:
    """Start and end week of each phase inside its tranche: the critical path.

    A phase starts when the phases it depends on *in the same tranche* are validated (their
    end plus the validation time); dependencies on another tranche are met when that tranche
    is affirmed. Cycles are reported, not followed.
    """
    par_ref = {p.ref: p for p in res.phases}
    modules = {e.cle: e for e in res.etudes}
    etude_de = {p.ref: e for e in res.etudes for p in e.phases}
    fait: dict[str, tuple[int, int]] = {}  # ref -> (end incl. validation, validations on path)
    en_cours: set[str] = set()

    def calcul(p: PhaseResolue) -> tuple[int, int]:
        if p.ref in fait:
            return fait[p.ref]
        if p.ref in en_cours:
            res.constats.append(Constat("etudes", f"dépendances circulaires autour de la phase "
                                        f"« {p.ref} »."))
            return (0, 0)
        en_cours.add(p.ref)
        debut, vals = 0, 0
        for d in dependances(p, etude_de[p.ref], par_ref, modules):
            if d.tranche != p.tranche:
                continue
            fin_d, vals_d = calcul(d)
            if fin_d > debut or (fin_d == debut and vals_d > vals):
                debut, vals = fin_d, vals_d
        en_cours.discard(p.ref)
        p.debut_semaine = debut
        p.fin_semaine = debut + p.duree_semaines + validation
        p.validations_avant = vals + validation
        fait[p.ref] = (p.fin_semaine, vals + validation)
        return fait[p.ref]

    for p in res.phases:
        calcul(p)
    for t in res.tranches:
        t.validation_semaines = validation
        if t.phases:
            dernier = max(t.phases, key=lambda p: p.fin_semaine)
            t.validations_chemin = fait[dernier.ref][1]


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
            tranche.code, tranche.intitule, tranche.type,
            sorted(phases, key=lambda p: p.numero), tranche.montant_estime_ht,
            tranche.delai_affermissement_mois, tranche.indemnite_attente, tranche.indemnite_dedit,
            tranche.description, tranche.indemnite_attente_apres_mois))
    for etude in res.etudes:
        for p in etude.phases:
            if not p.tranche:
                res.constats.append(Constat("tranches", f"la phase « {p.ref} » ({p.nom}) n'est "
                                            "affectée à aucune tranche."))
