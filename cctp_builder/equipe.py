"""The one skills table of a project, printed identically in the RC, the CCTP and the CMT."""

from __future__ import annotations

from dataclasses import dataclass, field

from .models import Consultation
from .resolution import Resolution


@dataclass
class CompetenceEquipe:
    """One skill of the team: where it comes from and whether it is required."""

    domaine: str
    exigence: str  # "obligatoire" or "souhaitee"
    precision: str | None = None
    etudes: list[str] = field(default_factory=list)
    tranches: list[str] = field(default_factory=list)

    @property
    def optionnelle_seulement(self) -> bool:
        """Needed only for optional tranches (never for the firm tranche)."""
        return bool(self.tranches) and "TF" not in self.tranches

    @property
    def libelle_exigence(self) -> str:
        base = "Obligatoire" if self.exigence == "obligatoire" else "Souhaitée"
        if self.optionnelle_seulement:
            return f"{base} (tranche{'s' if len(self.tranches) > 1 else ''} " \
                   f"{' et '.join(self.tranches)} seulement)"
        return base


def _cle(domaine: str) -> str:
    return domaine.split(" (")[0].strip().lower()


def competences_equipe(projet: Consultation, res: Resolution) -> list[CompetenceEquipe]:
    """Skills from the chosen modules (the first one of each module is required, the others
    desirable) and from the project, which overrides a module's skill of the same domain."""
    out: dict[str, CompetenceEquipe] = {}
    for e in res.etudes:
        for i, domaine in enumerate(e.competences):
            c = out.setdefault(_cle(domaine), CompetenceEquipe(
                domaine, "obligatoire" if i == 0 else "souhaitee"))
            if i == 0:
                c.exigence = "obligatoire"
            if e.titre not in c.etudes:
                c.etudes.append(e.titre)
            for t in e.tranches:
                if t not in c.tranches:
                    c.tranches.append(t)
    for comp in projet.competences:
        existante = out.get(_cle(comp.domaine))
        if existante is None:
            out[_cle(comp.domaine)] = CompetenceEquipe(comp.domaine, comp.exigence,
                                                       comp.precision)
        else:
            existante.exigence = comp.exigence
            existante.precision = comp.precision or existante.precision
    ordre = {"obligatoire": 0, "souhaitee": 1}
    return sorted(out.values(), key=lambda c: (ordre[c.exigence], c.optionnelle_seulement))
