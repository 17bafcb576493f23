"""The analysis of the offers of one consultation: the project, the offers file, the procedure
decided for the project and the scoring, with the legal delays read from the rules data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import ClassVar

from ..analysis import analyse_de
from ..decision import Decision
from ..errors import CctpError, Constat
from ..legal import decision_pour
from ..models import Consultation, Critere
from ..rules import Regles
from .modele import Attribution, Offres
from .notation import (
    TYPES_PRIX,
    Classement,
    ResultatOffre,
    Unite,
    arrondi,
    note_max_prix,
    noter,
    verifier,
)


class AnalyseImpossible(CctpError):
    """The offers cannot be ranked as the RC says (a tie the RC's rule does not break…)."""


@dataclass
class Analyse:
    """Everything the award documents show, computed once."""

    METHODES_MODELE: ClassVar[tuple[str, ...]] = (
        "montant_ttc", "prix_tranche_ttc", "intitule_pse", "avantages")
    """Methods the award templates call (exposed on the plain-data view, render.vues)."""

    projet: Consultation
    offres: Offres
    procedure: Decision
    notation: Classement
    seuil_donnees_essentielles: Decimal
    delai_suspension_jours: int | None
    delai_avis_jours: int

    # -- the offers

    @property
    def resultats(self) -> list[ResultatOffre]:
        return self.notation.resultats

    @property
    def classement(self) -> list[ResultatOffre]:
        return self.notation.classement

    @property
    def attributaire(self) -> ResultatOffre | None:
        return self.notation.attributaire

    @property
    def rejetees(self) -> list[ResultatOffre]:
        return self.notation.rejetees

    @property
    def exclues(self) -> list[ResultatOffre]:
        return [r for r in self.resultats if not r.admise]

    @property
    def oab(self) -> list[ResultatOffre]:
        return [r for r in self.resultats if r.oab_signalee]

    @property
    def oab_en_attente(self) -> list[ResultatOffre]:
        """Flagged offers whose justification the buyer has not yet judged."""
        return [r for r in self.oab if r.offre.offre_anormalement_basse is None]

    @property
    def offres_recues(self) -> int:
        return len(self.resultats)

    @property
    def attribution(self) -> Attribution:
        return self.offres.attribution

    # -- the RC's rules

    @property
    def departage(self) -> Critere | None:
        return self.notation.departage

    @property
    def unites(self) -> list[Unite]:
        return self.notation.unites

    @property
    def criteres_prix(self) -> list[Critere]:
        return [c for c in self.projet.criteres if c.type in TYPES_PRIX]

    @property
    def nmax_prix(self) -> Decimal:
        prix = self.criteres_prix
        return note_max_prix(prix[0]) if prix else Decimal(0)

    @property
    def bareme(self) -> list[tuple[str, Decimal]]:
        return list(self.notation.bareme.items())

    @property
    def prix_ttc(self) -> bool:
        return self.notation.prix_compare == "TTC"

    @property
    def seuil_oab(self) -> Decimal:
        return self.notation.seuil_oab

    @property
    def taux_tva(self) -> Decimal:
        return self.notation.taux_tva

    # -- the procedure

    @property
    def formalisee(self) -> bool:
        return self.procedure.procedure == "appel_offres_ouvert"

    @property
    def dispense(self) -> bool:
        return self.procedure.procedure == "dispense"

    @property
    def montant_ht(self) -> Decimal | None:
        return self.attributaire.prix_ht if self.attributaire else None

    def montant_ttc(self, r: ResultatOffre) -> Decimal:
        if not r.offre.candidat.assujetti_tva:
            return r.prix_ht
        return arrondi(r.prix_ht * (1 + self.taux_tva / 100))

    def prix_tranche_ttc(self, r: ResultatOffre, code: str) -> Decimal:
        """TTC price of a tranche (« TF », « TO1 ») or of a retained PSE (« PSE1 »)."""
        ht = r.prix_tranches_ht[code] if code in r.prix_tranches_ht else r.prix_pse_ht[code]
        return ht if not r.offre.candidat.assujetti_tva else arrondi(ht * (1 + self.taux_tva / 100))

    def intitule_pse(self, code: str) -> str:
        """« PSE n° 1 — intitulé » for « PSE1 »."""
        n = int(code[3:])
        return f"PSE n° {n} — {self.projet.marche.pse[n - 1].intitule}"

    @property
    def donnees_essentielles(self) -> bool:
        """The données essentielles are due (amount of the awarded contract ≥ threshold)."""
        return self.montant_ht is not None and self.montant_ht >= self.seuil_donnees_essentielles

    @property
    def signature_au_plus_tot(self) -> dt.date | None:
        envoi = self.attribution.date_envoi_lettres
        if envoi is None or self.delai_suspension_jours is None:
            return None
        return envoi + dt.timedelta(days=self.delai_suspension_jours)

    @property
    def date_limite_avis(self) -> dt.date | None:
        signature = self.attribution.date_signature
        return signature + dt.timedelta(days=self.delai_avis_jours) if signature else None

    @property
    def date_limite_pieces(self) -> dt.date | None:
        envoi = self.attribution.date_envoi_lettres
        return envoi + dt.timedelta(days=self.attribution.delai_pieces_jours) if envoi else None

    def avantages(self, r: ResultatOffre) -> list[tuple[str, str]]:
        """(sub-criterion, the winner's comment) where the winner scored better than ``r``;
        nothing for an offer set aside, which was not compared with the winner's."""
        g = self.attributaire
        if g is None or not r.admise:  # an offer set aside was not compared (R2181-4)
            return []
        out = []
        for u in self.unites:
            mien, sien = r.note_unite(u.nom), g.note_unite(u.nom)
            if mien is not None and sien is not None and sien.note > mien.note:
                out.append((u.nom, sien.commentaire))
        return out

    @property
    def constats(self) -> list[Constat]:
        return self.notation.constats


def decision_du_projet(projet: Consultation, regles: Regles) -> Decision:
    """The project's decision from its one analysis (the loader's when it read the file)."""
    analyse = analyse_de(projet)
    return analyse.decision or decision_pour(projet, regles, analyse.resolution)


def delai_suspension(projet: Consultation, offres: Offres) -> int | None:
    """The standstill period (days) before signing, or None when none applies (not a formal
    procedure, or a single offer)."""
    regles = Regles.charger()
    le = projet.calendrier.date_envoi_publication
    if (decision_du_projet(projet, regles).procedure != "appel_offres_ouvert"
            or len(offres.offres) < 2):
        return None
    ident = ("delai_suspension_electronique" if offres.attribution.envoi_electronique
             else "delai_suspension_papier")
    return int(regles.valeur(ident, le))


def analyser_offres(projet: Consultation, offres: Offres | str | Path) -> Analyse:
    """Score and rank the offers of ``projet`` (an ``Offres`` model or the path of an offers
    file); raise ``OffresInvalides`` (located) or ``AnalyseImpossible`` (French)."""
    from .chargement import OffresInvalides, charger_offres, verifier_dates  # (it imports us)

    if not isinstance(offres, Offres):
        offres = charger_offres(offres, projet)
    else:  # a model built in Python: the same checks, without file positions
        constats = verifier(projet, offres) + verifier_dates(projet, offres)
        if any(c.gravite == "erreur" for c in constats):
            raise OffresInvalides(constats=constats, fichier="<offres>")
    regles = Regles.charger()
    le = projet.calendrier.date_envoi_publication
    decision = decision_du_projet(projet, regles)
    classement = noter(projet, offres, taux_tva=regles.valeur("taux_tva", le),
                       seuil_oab=regles.valeur("analyse_oab_ecart_moyenne", le))
    if classement.constats:
        raise AnalyseImpossible("\n".join(c.message for c in classement.constats))
    delai = delai_suspension(projet, offres)
    return Analyse(projet=projet, offres=offres, procedure=decision, notation=classement,
                   seuil_donnees_essentielles=regles.valeur("seuil_donnees_essentielles", le),
                   delai_suspension_jours=delai,
                   delai_avis_jours=int(regles.valeur("avis_attribution_delai", le)))
