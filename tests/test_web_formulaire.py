"""The form covers the model: every required field has a form field or a documented default,
and the form ↔ project conversion loses nothing."""

from __future__ import annotations

import re
import typing
from pathlib import Path

import pytest
import yaml
from pydantic import BaseModel

pytest.importorskip("fastapi")

from cctp_builder import Consultation, load_project  # noqa: E402
from cctp_builder.models.base import modele_de  # noqa: E402
from cctp_builder.web import formulaire as F  # noqa: E402

EXEMPLES = sorted(p for p in (Path(__file__).resolve().parents[1] / "examples").glob("*.yaml")
                  if not p.name.endswith(".offres.yaml"))  # offers files are not projects


def _est_liste(annotation: typing.Any) -> bool:
    if typing.get_origin(annotation) is list:
        return True
    return any(_est_liste(a) for a in typing.get_args(annotation))


def chemins_requis(modele: type[BaseModel], prefixe: str = "") -> list[str]:
    """Paths of the fields a project must give (``*`` = any item of a required list).

    Optional sub-objects (None by default) and lists that may stay empty are not entered:
    their fields are required only once the user adds one.
    """
    out = []
    for nom, champ in modele.model_fields.items():
        chemin = f"{prefixe}{nom}"
        sous = modele_de(champ.annotation)
        liste = _est_liste(champ.annotation)
        if champ.is_required():
            if sous is None:
                out.append(chemin)
            else:
                min_len = any(getattr(m, "min_length", 0) for m in champ.metadata)
                if liste and not min_len:
                    out.append(chemin)
                else:
                    out += chemins_requis(sous, f"{chemin}.*." if liste else f"{chemin}.")
        elif sous is not None and champ.default_factory is not None and not liste:
            out += chemins_requis(sous, f"{chemin}.")
    return out


def _generique(nom: str) -> str:
    return re.sub(r"\.\d+(?=\.|$)", ".*", nom)


def test_chaque_champ_requis_a_un_champ_de_formulaire_ou_un_defaut_documente():
    couverts = {_generique(c.nom) for c in F.TOUS_LES_CHAMPS} | set(F.DEFAUTS_DOCUMENTES)
    requis = chemins_requis(Consultation)
    assert "acheteur.nom" in requis and "operation.sites.*.surface_ha" in requis
    manquants = [c for c in requis if c not in couverts]
    assert not manquants, ("champs requis du modèle sans champ de formulaire ni défaut "
                           f"documenté (formulaire.DEFAUTS_DOCUMENTES) : {manquants}")


def test_les_champs_du_formulaire_existent_dans_le_modele():
    for c in F.TOUS_LES_CHAMPS:
        modele: type[BaseModel] | None = Consultation
        for part in c.nom.split("."):
            if part.isdigit():
                continue
            assert modele is not None and part in modele.model_fields, c.nom
            modele = modele_de(modele.model_fields[part].annotation)


class _Formulaire(dict):
    def getlist(self, cle: str) -> list[str]:
        v = self.get(cle, [])
        return v if isinstance(v, list) else [v]


def _soumettre(etat: F.EtatFormulaire) -> dict:
    form = _Formulaire(etat.valeurs)
    form["complement"] = etat.complement
    form["etudes"] = list(etat.etudes)
    for cle, ligne in etat.tranche_de.items():
        form[f"tranche.{cle}"] = str(ligne)
    return F.projet_depuis_formulaire(form, form.getlist)


@pytest.mark.parametrize("exemple", EXEMPLES, ids=lambda p: p.stem)
def test_aller_retour_sans_perte(exemple, tmp_path):
    d = F.jsonable(yaml.safe_load(exemple.read_text("utf-8")))
    retour = _soumettre(F.formulaire_depuis_projet(d))
    fichier = tmp_path / "retour.yaml"
    fichier.write_text(F.yaml_du_projet(retour), "utf-8")
    if (exemple.parent / "annexes").is_dir():  # annexed files are relative to the project file
        import shutil

        shutil.copytree(exemple.parent / "annexes", tmp_path / "annexes")
    assert load_project(fichier) == load_project(exemple)


def test_formulaire_neuf_et_defauts():
    d = F.projet_initial()
    types = [c["type"] for c in d["criteres"]]
    assert "environnemental" in types and "prix" in types
    assert d["marche"]["clause_environnementale"]
    assert "acheteur" in d and "nom" not in d["acheteur"]


def test_les_sous_criteres_se_modifient_dans_le_formulaire(tmp_path):
    d = F.projet_initial()
    etat = F.formulaire_depuis_projet(d)
    assert etat.valeurs["criteres.0.sous_criteres.0.nom"]  # the defaults' sub-criteria
    etat.valeurs["criteres.0.poids"] = "60"
    etat.valeurs["criteres.0.sous_criteres.2.poids"] = "20"
    etat.valeurs["criteres.1.poids"] = "30"
    etat.valeurs["criteres.0.sous_criteres.3.nom"] = ""
    retour = _soumettre(etat)
    technique = retour["criteres"][0]
    assert technique["poids"] == 60 and sum(s["poids"] for s in technique["sous_criteres"]) == 60
    assert [c["poids"] for c in retour["criteres"]] == [60, 30, 10]
