"""Regenerate cctp_builder/data/communes.json.gz from the npm package
``@etalab/decoupage-administratif`` (MIT; data INSEE, DGCL and La Poste, Licence Ouverte).

Usage::

    cd "$(mktemp -d)" && npm pack @etalab/decoupage-administratif
    python tools/build_communes.py etalab-decoupage-administratif-*.tgz

The extract keeps, for each current commune, its INSEE code, name, département, region,
SIREN, postal codes, municipal population and the name of its intercommunality (EPCI à
fiscalité propre), plus the names of départements and regions. Its bytes depend on the
tarball only (no clock), so regenerating from the same version gives the same file.
"""

from __future__ import annotations

import argparse
import gzip
import io
import json
import sys
import tarfile
from pathlib import Path

SORTIE = Path(__file__).resolve().parents[1] / "cctp_builder" / "data" / "communes.json.gz"

# The package's README (« Millésimes et versions de package ») maps each major version to
# the year of the administrative division (COG). The population is INSEE's legal
# population in force that year; its reference year is not stated in the package.
MILLESIME_PAR_VERSION = {"6": 2026, "5": 2025, "4": 2024, "3": 2023, "2": 2022, "1": 2021}


def lire(tarball: Path) -> dict[str, object]:
    with tarfile.open(tarball, "r:gz") as tar:
        def charger(nom: str) -> object:
            membre = tar.extractfile(f"package/{nom}")
            if membre is None:
                raise SystemExit(f"{nom} absent de {tarball}")
            return json.load(io.TextIOWrapper(membre, encoding="utf-8"))

        paquet = charger("package.json")
        communes = charger("data/communes.json")
        epcis = charger("data/epci.json")
        departements = charger("data/departements.json")
        regions = charger("data/regions.json")
    assert isinstance(paquet, dict) and isinstance(communes, list) and isinstance(epcis, list)
    assert isinstance(departements, list) and isinstance(regions, list)
    version = str(paquet["version"])
    epci_de: dict[str, int] = {}
    noms_epci: list[str] = []
    for epci in sorted(epcis, key=lambda e: e["code"]):
        noms_epci.append(epci["nom"])
        for membre in epci.get("membres", []):
            epci_de[membre["code"]] = len(noms_epci) - 1
    lignes = []
    for c in sorted(communes, key=lambda c: c["code"]):
        if c.get("type") != "commune-actuelle":
            continue
        lignes.append([c["code"], c["nom"], c["departement"], c["region"], c.get("siren"),
                       sorted(c.get("codesPostaux", [])), c.get("population"),
                       epci_de.get(c["code"])])
    millesime = MILLESIME_PAR_VERSION.get(version.split(".")[0])
    return {
        "source": {
            "paquet": str(paquet["name"]),
            "version": version,
            "licence_paquet": str(paquet.get("license", "")),
            "licence_donnees": "Licence Ouverte 2.0 (données INSEE, DGCL, La Poste)",
            "millesime_cog": millesime,
            "population": "population municipale légale INSEE en vigueur au 1er janvier du "
                          "millésime ; son année de référence n'est pas indiquée par le paquet",
            "outil": "tools/build_communes.py",
        },
        "colonnes": ["code_insee", "nom", "departement", "region", "siren", "codes_postaux",
                     "population", "epci"],
        "departements": {d["code"]: d["nom"] for d in departements},
        "regions": {r["code"]: r["nom"] for r in regions},
        "epci": noms_epci,
        "communes": lignes,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("tarball", type=Path, help="etalab-decoupage-administratif-X.Y.Z.tgz")
    parser.add_argument("-o", "--sortie", type=Path, default=SORTIE)
    args = parser.parse_args(argv)
    donnees = lire(args.tarball)
    brut = json.dumps(donnees, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    tampon = io.BytesIO()
    with gzip.GzipFile(fileobj=tampon, mode="wb", compresslevel=9, mtime=0, filename="") as gz:
        gz.write(brut)
    args.sortie.write_bytes(tampon.getvalue())
    n = len(donnees["communes"])  # type: ignore[arg-type]
    print(f"{args.sortie} : {n} communes, {len(tampon.getvalue()) // 1024} Kio "
          f"(paquet version {donnees['source']['version']})")  # type: ignore[index]
    return 0


if __name__ == "__main__":
    sys.exit(main())
