"""The communes of France (official administrative division), shipped as a compact extract.

Source: the npm package ``@etalab/decoupage-administratif`` (MIT; data INSEE, DGCL and
La Poste under the Licence Ouverte), reduced by ``tools/build_communes.py`` to
``data/communes.json.gz``. Used by ``init --commune``, by the consistency warning of
``validate`` and by the web page. Reads no network; imports no upper layer.
"""

from __future__ import annotations

import gzip
import json
import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

from .errors import CctpError, Constat


@dataclass(frozen=True)
class Commune:
    """One current commune of the reference table."""

    code_insee: str
    nom: str
    departement: str
    departement_nom: str
    region: str
    region_nom: str
    siren: str | None
    codes_postaux: tuple[str, ...]
    population: int | None
    intercommunalite: str | None

    def to_json(self) -> dict[str, Any]:
        return {
            "code_insee": self.code_insee,
            "nom": self.nom,
            "departement": self.departement,
            "departement_nom": self.departement_nom,
            "region": self.region,
            "region_nom": self.region_nom,
            "siren": self.siren,
            "codes_postaux": list(self.codes_postaux),
            "population": self.population,
            "intercommunalite": self.intercommunalite,
        }

    @property
    def libelle(self) -> str:
        """« Forcalquier (04) »."""
        return f"{self.nom} ({self.departement})"


@dataclass(frozen=True)
class Table:
    """The loaded reference table and where it comes from."""

    source: dict[str, Any]
    communes: tuple[Commune, ...]
    par_code: dict[str, Commune]
    cles: tuple[str, ...]  # normalised names, same order as ``communes``


def normaliser(texte: str) -> str:
    """Lowercase, no accents, hyphens and apostrophes as spaces, « st » as « saint »."""
    sans = unicodedata.normalize("NFKD", texte)
    sans = "".join(c for c in sans if not unicodedata.combining(c)).lower()
    sans = re.sub(r"[-'’_.,/()]+", " ", sans)
    sans = re.sub(r"\bste\b", "sainte", re.sub(r"\bst\b", "saint", sans))
    return " ".join(sans.split())


_FORMES_EPCI = {"CC ": "Communauté de communes ", "CA ": "Communauté d'agglomération ",
                "CU ": "Communauté urbaine "}


def nom_epci(abrege: str) -> str:
    """« CC Pays Forcalquier… » → « Communauté de communes Pays Forcalquier… »."""
    for sigle, forme in _FORMES_EPCI.items():
        if abrege.startswith(sigle):
            return forme + abrege[len(sigle):]
    return abrege


@lru_cache(maxsize=1)
def table() -> Table:
    """Load the shipped extract once per process."""
    brut = resources.files("cctp_builder").joinpath("data/communes.json.gz").read_bytes()
    donnees = json.loads(gzip.decompress(brut))
    deps: dict[str, str] = donnees["departements"]
    regions: dict[str, str] = donnees["regions"]
    epci: list[str] = donnees["epci"]
    communes = tuple(
        Commune(code, nom, dep, deps.get(dep, dep), reg, regions.get(reg, reg), siren,
                tuple(cps), pop, nom_epci(epci[i]) if i is not None else None)
        for code, nom, dep, reg, siren, cps, pop, i in donnees["communes"])
    return Table(donnees["source"], communes, {c.code_insee: c for c in communes},
                 tuple(normaliser(c.nom) for c in communes))


def source() -> dict[str, Any]:
    """Version, licence and origin of the shipped extract."""
    return dict(table().source)


def par_code(code_insee: str) -> Commune | None:
    """The commune of an INSEE code, or None."""
    return table().par_code.get(code_insee.strip().upper())


def rechercher(q: str, limite: int = 10) -> list[Commune]:
    """Communes matching a name (accents and hyphens ignored), an INSEE code or a postal code.

    Exact names first, then names starting with the query, then names containing it; the
    most populated first within each group.
    """
    q = q.strip()
    t = table()
    if not q or limite <= 0:
        return []
    if re.fullmatch(r"\d[\dAaBb]\d{0,3}|\d{1,5}", q):
        cle = q.upper()
        trouves = [c for c in t.communes
                   if c.code_insee.startswith(cle) or any(cp.startswith(cle)
                                                          for cp in c.codes_postaux)]
        trouves.sort(key=lambda c: (c.code_insee != cle and cle not in c.codes_postaux,
                                    -(c.population or 0)))
        return trouves[:limite]
    n = normaliser(q)
    if not n:
        return []
    rangs: list[tuple[int, int, Commune]] = []
    for commune, cle in zip(t.communes, t.cles, strict=True):
        if cle == n:
            rang = 0
        elif cle.startswith(n):
            rang = 1
        elif n in cle:
            rang = 2
        else:
            continue
        rangs.append((rang, -(commune.population or 0), commune))
    rangs.sort(key=lambda r: (r[0], r[1], r[2].code_insee))
    return [c for _, _, c in rangs[:limite]]


def trouver(code_ou_nom: str) -> Commune:
    """The one commune named by an INSEE code or an unambiguous name; French error otherwise."""
    valeur = code_ou_nom.strip()
    commune = par_code(valeur)
    if commune is not None:
        return commune
    if re.fullmatch(r"[\dAaBb]{5}", valeur):
        raise CctpError(f"aucune commune actuelle ne porte le code INSEE « {valeur} » "
                        f"(découpage administratif {source().get('millesime_cog')}).")
    candidats = rechercher(valeur, limite=50)
    exacts = [c for c in candidats if normaliser(c.nom) == normaliser(valeur)]
    if len(exacts) == 1:
        return exacts[0]
    choix = exacts or candidats
    if not choix:
        raise CctpError(f"aucune commune ne s'appelle « {valeur} » ; donnez son code INSEE "
                        "(5 caractères).")
    liste = ", ".join(f"{c.nom} ({c.code_insee}, {c.departement_nom})" for c in choix[:8])
    raise CctpError(f"« {valeur} » désigne plusieurs communes : {liste}"
                    f"{' …' if len(choix) > 8 else ''}. Donnez le code INSEE.")


def verifier_commune(code_insee: str, nom: str, code_postal: str | None,
                     chemin: str = "acheteur") -> list[Constat]:
    """Warnings when an INSEE code, a buyer's name and a postal code disagree with the table."""
    commune = par_code(code_insee)
    millesime = source().get("millesime_cog")
    if commune is None:
        return [Constat(f"{chemin}.code_insee", f"le code INSEE « {code_insee} » ne désigne aucune "
                        f"commune du découpage administratif {millesime} (commune fictive, "
                        "fusionnée ou code erroné ?).", "avertissement")]
    out: list[Constat] = []
    if normaliser(commune.nom) not in normaliser(nom):
        out.append(Constat(f"{chemin}.nom", f"le code INSEE {code_insee} est celui de "
                           f"{commune.nom} ({commune.departement_nom}), que le nom « {nom} » ne "
                           "mentionne pas.", "avertissement"))
    if code_postal and commune.codes_postaux and code_postal not in commune.codes_postaux:
        cps = ", ".join(commune.codes_postaux)
        out.append(Constat(f"{chemin}.adresse.code_postal", f"le code postal {code_postal} n'est "
                           f"pas celui de {commune.nom} ({cps}).", "avertissement"))
    return out


_ARTICLES = {"le ": ("du ", "au "), "les ": ("des ", "aux ")}


def avec_preposition(nom: str, preposition: str) -> str:
    """« de »/« à » before a commune's name, with contraction and elision:
    « du Pouzin », « aux Mées », « d'Aiglun », « de La Motte », « à Forcalquier »."""
    bas = nom.lower()
    for article, (de, a) in _ARTICLES.items():
        if bas.startswith(article):
            return (de if preposition == "de" else a) + nom[len(article):]
    if preposition == "de" and normaliser(nom[:1]) in tuple("aeiouy"):
        return f"d'{nom}"
    return f"{preposition} {nom}"


def nom_acheteur(nom: str) -> str:
    """« Commune de Forcalquier », « Commune du Pouzin », « Commune d'Aiglun »."""
    return f"Commune {avec_preposition(nom, 'de')}"
