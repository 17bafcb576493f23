"""Scoring of the offers by the RC's own criteria, weights, barème, price formula and tie rule.

Everything here reads the project model (``criteres``, ``notation``, ``tranches``) exactly as
the RC template does, so the report cannot drift from the tender file: the consistency tests
compare the two documents. Pure computation, no I/O.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import ClassVar

from ..errors import Constat
from ..models import Consultation, Critere, Notation, SousCritere
from ..resolution import suggestion
from .modele import Offre, Offres

CENT = Decimal("0.01")
TYPES_PRIX = ("prix", "cout")
STATUTS = {
    "reguliere": "régulière",
    "irreguliere": "irrégulière",
    "inacceptable": "inacceptable",
    "inappropriee": "inappropriée",
}


def arrondi(x: Decimal) -> Decimal:
    """Two decimals, half up (« Les notes sont calculées avec deux décimales »)."""
    return x.quantize(CENT, rounding=ROUND_HALF_UP)


def slug(nom: str) -> str:
    """« Atelier Sud & Co » → « atelier-sud-co » (file names of the letters)."""
    ascii_ = unicodedata.normalize("NFKD", nom).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_.lower()).strip("-")[:60] or "candidat"


_BAREME = re.compile(r"\s*([^,;()]+?)\s*\(\s*(\d+(?:[.,]\d+)?)\s*%\s*\)\s*")


def bareme(notation: Notation) -> dict[str, Decimal]:
    """The RC's barème « très satisfaisant (100 %), satisfaisant (70 %)… » as label → %."""
    out: dict[str, Decimal] = {}
    for m in _BAREME.finditer(notation.bareme_technique):
        out[m.group(1).strip().lower()] = Decimal(m.group(2).replace(",", "."))
    return out


@dataclass(frozen=True)
class Unite:
    """A scored unit: a sub-criterion, or a non-price criterion without sub-criteria."""

    critere: Critere
    sous_critere: SousCritere | None

    @property
    def nom(self) -> str:
        return self.sous_critere.nom if self.sous_critere else self.critere.nom

    @property
    def poids(self) -> Decimal:
        p = self.sous_critere.poids if self.sous_critere else self.critere.poids
        return p if p is not None else Decimal(0)

    @property
    def elements(self) -> list[str]:
        return list(self.sous_critere.elements if self.sous_critere else self.critere.elements)

    @property
    def par_elements(self) -> bool:
        """The RC averages one appreciation per element (criterion without sub-criteria)."""
        return self.sous_critere is None and len(self.critere.elements) > 1


def unites(projet: Consultation) -> list[Unite]:
    """Scored units in the RC's order (the chapters of the cadre de mémoire technique)."""
    out: list[Unite] = []
    for c in projet.criteres:
        if c.type in TYPES_PRIX:
            continue
        sous: list[SousCritere | None] = list(c.sous_criteres) or [None]
        out.extend(Unite(c, s) for s in sous)
    return out


def codes_des_pse(projet: Consultation) -> list[str]:
    """« PSE1 », « PSE2 »… in the order of the AE (« PSE n° 1 »)."""
    return [f"PSE{i}" for i in range(1, len(projet.marche.pse) + 1)]


def critere_departage(projet: Consultation) -> Critere | None:
    """The RC's tie rule: the best-weighted non-price criterion (the first one if several)."""
    non_prix = [c for c in projet.criteres if c.type not in TYPES_PRIX]
    if not non_prix:
        return None
    if any(c.poids is not None for c in projet.criteres):
        return max(non_prix, key=lambda c: c.poids if c.poids is not None else Decimal(-1))
    return non_prix[0]


def note_max_prix(critere: Critere) -> Decimal:
    """Points of a price criterion: its weight, or 10 when criteria are ranked (as the RC)."""
    return critere.poids if critere.poids is not None else Decimal(10)


def note_prix(methode: str, nmax: Decimal, pmin: Decimal, p: Decimal) -> Decimal:
    """The RC's price formula, rounded to two decimals."""
    if methode == "proportionnelle_inverse":
        return arrondi(nmax * pmin / p)
    return arrondi(max(Decimal(0), nmax * (1 - (p - pmin) / pmin)))


@dataclass
class NoteUnite:
    unite: Unite
    appreciations: list[str]
    pourcentage: Decimal
    note: Decimal
    commentaire: str


@dataclass
class NoteCritere:
    critere: Critere
    note: Decimal
    details: list[NoteUnite] = field(default_factory=list)

    @property
    def est_prix(self) -> bool:
        return self.critere.type in TYPES_PRIX


@dataclass
class ResultatOffre:
    """One offer as analysed: admissibility, prices, scores, rank."""

    METHODES_MODELE: ClassVar[tuple[str, ...]] = ("note", "note_unite")
    """Methods the award templates call (exposed on the plain-data view, render.vues)."""


    offre: Offre
    numero: int
    slug: str
    hors_delai: bool = False
    motif_exclusion: str | None = None
    prix_tranches_ht: dict[str, Decimal] = field(default_factory=dict)
    prix_pse_ht: dict[str, Decimal] = field(default_factory=dict)
    prix_ht: Decimal = Decimal(0)
    prix_compare: Decimal = Decimal(0)
    oab_signalee: bool = False
    oab_reference: Decimal | None = None
    oab_ecart: Decimal | None = None
    notes: list[NoteCritere] = field(default_factory=list)
    total: Decimal = Decimal(0)
    rang: int | None = None
    departage: bool = False

    @property
    def nom(self) -> str:
        return self.offre.candidat.nom

    @property
    def admise(self) -> bool:
        return self.motif_exclusion is None

    @property
    def statut_libelle(self) -> str:
        return STATUTS[self.offre.statut]

    def note(self, critere: Critere) -> NoteCritere | None:
        return next((n for n in self.notes if n.critere.nom == critere.nom), None)

    @property
    def note_prix(self) -> Decimal:
        return sum((n.note for n in self.notes if n.est_prix), Decimal(0))

    def note_unite(self, nom: str) -> NoteUnite | None:
        return next((d for n in self.notes for d in n.details if d.unite.nom == nom), None)


@dataclass
class Classement:
    """The scoring of all offers (``Analyse`` in the public API)."""

    resultats: list[ResultatOffre]
    classement: list[ResultatOffre]
    departage: Critere | None
    bareme: dict[str, Decimal]
    unites: list[Unite]
    prix_compare: str
    methode_prix: str
    taux_tva: Decimal
    seuil_oab: Decimal
    prix_min: Decimal | None
    constats: list[Constat] = field(default_factory=list)

    @property
    def attributaire(self) -> ResultatOffre | None:
        return self.classement[0] if self.classement else None

    @property
    def rejetees(self) -> list[ResultatOffre]:
        """Every offer but the winner's, in file order."""
        gagnant = self.attributaire
        return [r for r in self.resultats if r is not gagnant]


def _constat(chemin: str, message: str) -> Constat:
    return Constat(chemin, message)


def verifier(projet: Consultation, offres: Offres) -> list[Constat]:
    """Cross-checks of the offers file against the project (paths relative to the offers file)."""
    out: list[Constat] = []
    if offres.reference != projet.marche.reference:
        out.append(_constat("reference", f"la référence « {offres.reference} » n'est pas celle du "
                            f"marché du fichier projet (« {projet.marche.reference} »)."))
    if any(c.poids is None for c in projet.criteres):
        out.append(_constat("", "le RC hiérarchise les critères sans les pondérer : aucune note "
                            "globale ne peut être calculée sans inventer une méthode que le RC "
                            "n'annonce pas ; l'outil ne traite que les critères pondérés, et le "
                            "classement se motive ici critère par critère, dans l'ordre "
                            "d'importance du RC."))
    codes = [t.code for t in projet.tranches]
    codes_pse = codes_des_pse(projet)
    if projet.marche.allotissement.alloti:
        out.append(_constat("", "le marché est alloti : l'analyse des offres se fait lot par lot, "
                            "ce que l'outil ne prend pas encore en charge."))
    for k, code in enumerate(offres.pse_retenues):
        if code not in codes_pse:
            out.append(_constat(f"pse_retenues.{k}", f"« {code} » n'est pas une prestation "
                                "supplémentaire éventuelle du marché ; PSE : "
                                f"{', '.join(codes_pse) or 'aucune'}."))
    echelle = bareme(projet.notation)
    if not echelle:
        out.append(_constat("", "le barème technique du RC (notation.bareme_technique du projet) "
                            "ne se lit pas sous la forme « libellé (70 %), … »."))
    attendues = {u.nom: u for u in unites(projet)}
    noms: dict[str, int] = {}
    for i, o in enumerate(offres.offres):
        base = f"offres.{i}"
        s = slug(o.candidat.nom)
        if s in noms:
            out.append(_constat(f"{base}.candidat.nom", f"deux offres portent le même nom de "
                                f"candidat (voir l'offre n° {noms[s] + 1}) : un candidat ne "
                                "remet qu'une offre (seule la dernière est ouverte)."))
        noms.setdefault(s, i)
        for code in o.prix:
            if code not in codes:
                out.append(_constat(f"{base}.prix.{code}", f"tranche « {code} » inconnue du "
                                    f"marché ; tranches : {', '.join(codes)}."))
        manquantes = [c for c in codes if c not in o.prix]
        if manquantes:
            out.append(_constat(f"{base}.prix", f"prix manquant pour la tranche "
                                f"{', '.join(manquantes)} : le RC compare le prix de toutes les "
                                "tranches."))
        for code in o.prix_pse:
            if code not in codes_pse:
                out.append(_constat(f"{base}.prix_pse.{code}", f"« {code} » n'est pas une "
                                    "prestation supplémentaire éventuelle du marché."))
        if _a_noter(o):
            for code in offres.pse_retenues:
                if code in codes_pse and code not in o.prix_pse:
                    out.append(_constat(f"{base}.prix_pse", f"prix manquant pour la {code}, "
                                        "retenue : le RC l'ajoute au prix comparé."))
        for t in o.negociation:
            for code in t.prix:
                if code not in codes:
                    out.append(_constat(f"{base}.negociation.{t.numero - 1}.prix.{code}",
                                        f"tranche « {code} » inconnue du marché."))
        if o.negociation and projet.marche.negociation != "possible":
            out.append(_constat(f"{base}.negociation", "le RC exclut la négociation : aucun "
                                "tour de négociation ne peut être enregistré."))
        if o.regularisee and o.statut == "inappropriee":
            out.append(_constat(f"{base}.regularisee", "une offre inappropriée ne peut pas être "
                                "régularisée : elle est éliminée."))
        if o.regularisee and o.statut == "inacceptable" and not o.negociation:
            out.append(_constat(f"{base}.regularisee", "une offre inacceptable ne devient "
                                "acceptable que par la négociation : enregistrez le tour de "
                                "négociation ou retirez « regularisee »."))
        if not _a_noter(o):
            continue
        for nom in o.notes:
            if nom not in attendues:
                out.append(_constat(f"{base}.notes.{nom}", f"« {nom} » n'est pas un sous-critère "
                                    "du RC." + suggestion(nom, list(attendues))))
        for nom, u in attendues.items():
            note = o.notes.get(nom)
            chemin = f"{base}.notes.{nom}"
            if note is None:
                out.append(_constat(f"{base}.notes", f"appréciation manquante pour « {nom} » "
                                    "(sous-critère du RC)."))
                continue
            if u.par_elements:
                if note.appreciations is None or len(note.appreciations) != len(u.elements):
                    out.append(_constat(chemin, f"le RC fait la moyenne des {len(u.elements)} "
                                        "éléments de ce critère : donnez « appreciations », une "
                                        "par élément, dans l'ordre du RC."))
                    continue
                valeurs = note.appreciations
            else:
                if note.appreciation is None or note.appreciations is not None:
                    out.append(_constat(chemin, "une seule « appreciation » est attendue pour ce "
                                        "sous-critère."))
                    continue
                valeurs = [note.appreciation]
            for v in valeurs:
                if echelle and v.strip().lower() not in echelle:
                    out.append(_constat(chemin, f"appréciation « {v} » hors du barème du RC ; "
                                        f"appréciations : {', '.join(echelle)}."))
    return out


def _a_noter(o: Offre) -> bool:
    """Offers set aside before scoring need no scores in the file."""
    return o.candidature_admise and (o.statut == "reguliere" or o.regularisee)


def noter(projet: Consultation, offres: Offres, *, taux_tva: Decimal,
          seuil_oab: Decimal) -> Classement:
    """Score and rank a checked offers file (``verifier`` returned no error)."""
    echelle = bareme(projet.notation)
    les_unites = unites(projet)
    limite = projet.calendrier.date_limite_remise
    prix_ttc = projet.notation.prix_compare == "TTC"
    resultats: list[ResultatOffre] = []
    for i, o in enumerate(offres.offres, start=1):
        r = ResultatOffre(o, i, slug(o.candidat.nom))
        r.prix_tranches_ht = {t.code: Decimal(o.prix_retenus.get(t.code, 0))
                              for t in projet.tranches}
        r.prix_pse_ht = {c: Decimal(o.prix_pse[c]) for c in offres.pse_retenues
                         if c in o.prix_pse}
        r.prix_ht = sum(r.prix_tranches_ht.values(), Decimal(0)) + sum(
            r.prix_pse_ht.values(), Decimal(0))
        r.prix_compare = (arrondi(r.prix_ht * (1 + taux_tva / 100))
                          if prix_ttc and o.candidat.assujetti_tva else r.prix_ht)
        if o.recue_le > limite:
            r.hors_delai = True
            r.motif_exclusion = "offre remise après la date et l'heure limites, éliminée sans " \
                                "possibilité de régularisation"
        elif not o.candidature_admise:
            r.motif_exclusion = f"candidature non admise : {o.motif_candidature}"
        elif o.statut != "reguliere" and not o.regularisee:
            r.motif_exclusion = f"offre {STATUTS[o.statut]} : {o.motif}"
        resultats.append(r)
    # Abnormally low offers: detected among the admissible offers; never decided here.
    admissibles = [r for r in resultats if r.admise]
    for r in admissibles:
        autres = [a.prix_ht for a in admissibles if a is not r]
        reference = (sum(autres, Decimal(0)) / len(autres) if autres
                     else projet.valeur_estimee_ht)
        if reference:
            r.oab_reference = arrondi(reference)
            r.oab_ecart = arrondi((reference - r.prix_ht) / reference * 100)
            r.oab_signalee = r.oab_ecart >= seuil_oab
    for r in admissibles:
        if r.offre.offre_anormalement_basse == "non_justifiee":
            r.motif_exclusion = ("offre anormalement basse : les justifications demandées "
                                 "n'expliquent pas le bas niveau du prix proposé")
    retenues = [r for r in resultats if r.admise]
    pmin = min((r.prix_compare for r in retenues), default=None)
    for r in retenues:
        for c in projet.criteres:
            if c.type in TYPES_PRIX:
                assert pmin is not None
                r.notes.append(NoteCritere(c, note_prix(projet.notation.methode_prix,
                                                        note_max_prix(c), pmin, r.prix_compare)))
                continue
            nc = NoteCritere(c, Decimal(0))
            for u in (u for u in les_unites if u.critere.nom == c.nom):
                n = r.offre.notes[u.nom]
                valeurs = list(n.appreciations or []) if u.par_elements else [n.appreciation or ""]
                pct = sum((echelle[v.strip().lower()] for v in valeurs), Decimal(0)) / len(valeurs)
                nc.details.append(NoteUnite(u, valeurs, pct, arrondi(u.poids * pct / 100),
                                            n.commentaire))
            nc.note = sum((d.note for d in nc.details), Decimal(0))
            r.notes.append(nc)
        r.total = sum((n.note for n in r.notes), Decimal(0))
    departage = critere_departage(projet)

    def cle(r: ResultatOffre) -> tuple[Decimal, Decimal]:
        n = r.note(departage) if departage else None
        return (r.total, n.note if n else Decimal(0))

    classement = sorted(retenues, key=cle, reverse=True)
    constats: list[Constat] = []
    for k, r in enumerate(classement):
        precedent = classement[k - 1] if k else None
        if precedent is not None and cle(precedent) == cle(r):
            r.rang = precedent.rang
        else:
            r.rang = k + 1
        if precedent is not None and precedent.total == r.total:
            precedent.departage = r.departage = True
    if len(classement) > 1 and cle(classement[0]) == cle(classement[1]):
        constats.append(Constat("", f"les offres de {classement[0].nom} et de "
                                f"{classement[1].nom} sont à égalité, y compris sur le critère de "
                                "départage du RC : réexaminez-les avant de proposer un "
                                "attributaire."))
    return Classement(resultats=resultats, classement=classement, departage=departage,
                     bareme=echelle, unites=les_unites,
                     prix_compare=projet.notation.prix_compare,
                     methode_prix=projet.notation.methode_prix, taux_tva=taux_tva,
                     seuil_oab=seuil_oab, prix_min=pmin, constats=constats)
