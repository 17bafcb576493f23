"""Documents annexed to the consultation file (site plan, PLU extract, previous studies)."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import Modele, TexteCourt

NatureAnnexe = Literal["plan_site", "plu", "etude_anterieure", "photographies", "sig", "autre"]


class Annexe(Modele):
    """One annexed file, copied into the kit."""

    fichier: TexteCourt = Field(
        description="Chemin du fichier, relatif au fichier projet (PDF, PNG, JPEG, DOCX, XLSX, "
                    "DWG, ou ZIP d'une couche SIG)"
    )
    titre: TexteCourt = Field(description="Intitulé de l'annexe dans le dossier")
    nature: NatureAnnexe | None = Field(
        default=None,
        description="Nature de l'annexe (plan_site, plu, etude_anterieure…) ; à défaut, "
                    "déduite de l'intitulé",
    )

    @property
    def genre(self) -> str:
        """The nature, given or inferred from the title."""
        if self.nature:
            return self.nature
        t = self.titre.lower()
        if "plan" in t and ("site" in t or "périmètre" in t or "situation" in t):
            return "plan_site"
        if "plu" in t or "règlement" in t or "oap" in t or "zonage" in t:
            return "plu"
        if "étude" in t or "diagnostic" in t:
            return "etude_anterieure"
        if "photo" in t:
            return "photographies"
        return "autre"


def noms_annexes(annexes: list[Annexe]) -> list[str]:
    """The annexes' paths inside the kit: « annexes/plan-du-site.pdf », the original file
    name kept; « annexes/A2-plan.pdf » only when two annexes share a file name."""
    bases = [a.fichier.replace("\\", "/").rsplit("/", 1)[-1] for a in annexes]
    return [f"annexes/{b}" if bases.count(b) == 1 else f"annexes/A{i + 1}-{b}"
            for i, b in enumerate(bases)]
