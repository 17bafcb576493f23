"""``cctp-builder analyse``: after the publication, from the same project file — the offers
file starter, the scoring and the award documents, the tranche letters during execution.

``cli.py`` registers the group and wraps each command with its error mapping (French message,
exit status 1, no traceback)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import click

from .errors import CctpError


@click.group("analyse", subcommand_metavar="COMMANDE [ARGUMENTS]...")
def analyse_group() -> None:
    """Après la publication : analyse des offres, rapport, lettres, notification, données
    essentielles.

    \b
      cctp-builder analyse init projet.yaml projet.offres.yaml
      cctp-builder analyse build projet.yaml projet.offres.yaml -o dce
      cctp-builder analyse tranche projet.yaml projet.offres.yaml TO1 --affermir --date 2027-09-01
    """


@analyse_group.command("init")
@click.argument("projet", type=click.Path(path_type=Path))
@click.argument("offres", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Remplacer le fichier s'il existe.")
def analyse_init(projet: Path, offres: Path, force: bool) -> None:
    """Écrit un fichier des offres de départ, commenté, pour les critères du projet."""
    from .analyse import offres_de_depart
    from .ecriture import ecrire_atomiquement
    from .errors import sortie_impossible
    from .loader import load_project

    modele = load_project(projet)
    if offres.exists() and not force:
        raise CctpError(f"{offres} existe déjà : ajoutez --force pour le remplacer.")
    texte = offres_de_depart(modele, fichier=offres.name, fichier_projet=projet.name)
    try:
        ecrire_atomiquement(offres, texte.encode("utf-8"))
    except OSError as exc:
        raise sortie_impossible(offres, exc) from exc
    click.echo(f"{offres} écrit. Saisissez les offres reçues, puis : cctp-builder analyse "
               f"build {projet} {offres} -o dce")


@analyse_group.command("schema")
def analyse_schema() -> None:
    """Affiche le schéma JSON du fichier des offres (pour yaml-language-server et les
    éditeurs)."""
    import json

    from .analyse import Offres

    schema = {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": "Fichier des offres cctp_builder",
        "description": "Offres reçues pour une consultation (voir README, « Après la "
                       "publication »).",
        **{k: v for k, v in Offres.model_json_schema().items()
           if k not in ("title", "description")},
    }
    click.echo(json.dumps(schema, ensure_ascii=False, indent=2))


@analyse_group.command("build")
@click.argument("projet", type=click.Path(path_type=Path))
@click.argument("offres", type=click.Path(path_type=Path))
@click.option("-o", "--output", "sortie", type=click.Path(path_type=Path), default=Path("dce"),
              show_default=True, help="Dossier de sortie ; les documents vont dans "
              "SORTIE/<référence>/analyse/.")
@click.option("--grille", "grille", type=click.Path(path_type=Path, dir_okay=False),
              default=None, help="Grille .xlsx (« analyse grille ») dont les prix et "
              "appréciations remplacent ceux du fichier des offres.")
@click.option("--force", is_flag=True, help="Remplacer une analyse existante.")
def analyse_build(projet: Path, offres: Path, sortie: Path, grille: Path | None,
                  force: bool) -> None:
    """Note les offres selon le RC et écrit le rapport, la grille, les lettres et les données
    essentielles."""
    from .analyse import analyser_offres, avertissements, charger_offres, construire_analyse
    from .analyse.grille import lire_grille
    from .francais import montant_fr
    from .loader import load_project

    modele = load_project(projet)
    lues = charger_offres(offres, modele)
    if grille is not None:
        lues = lire_grille(grille, modele, lues)
    analyse = analyser_offres(modele, lues)
    # The project's bytes are the ones its analysis read and validated (read once).
    ecrits = construire_analyse(analyse, sortie, force=force, source_offres=offres.read_bytes())
    click.echo("Classement :")
    for r in analyse.classement:
        click.echo(f"  {r.rang}. {r.nom} — {montant_fr(r.total, 'points')} (prix "
                   f"{montant_fr(r.prix_compare, '€ ' + analyse.notation.prix_compare)})")
    for r in analyse.exclues:
        click.echo(f"  écartée : {r.nom} — {r.motif_exclusion}")
    for message in avertissements(analyse):
        click.echo(f"Attention : {message}")
    click.echo(f"{len(ecrits)} fichiers écrits dans {ecrits[0].parent}")


@analyse_group.command("grille")
@click.argument("projet", type=click.Path(path_type=Path))
@click.argument("offres", type=click.Path(path_type=Path))
@click.option("-o", "--output", "sortie", type=click.Path(path_type=Path, dir_okay=False),
              default=Path("grille.xlsx"), show_default=True, help="Fichier .xlsx à écrire.")
@click.option("--force", is_flag=True, help="Remplacer le fichier s'il existe.")
def analyse_grille(projet: Path, offres: Path, sortie: Path, force: bool) -> None:
    """Écrit la grille de notation (.xlsx, formules vivantes) des offres admises, à compléter
    en commission puis à relire avec « analyse build … --grille »."""
    from .analyse import analyser_offres
    from .analyse.grille import build_grille
    from .ecriture import ecrire_atomiquement
    from .errors import sortie_impossible
    from .loader import load_project

    if sortie.exists() and not force:
        raise CctpError(f"{sortie} existe déjà : ajoutez --force pour le remplacer.")
    data = build_grille(analyser_offres(load_project(projet), offres))
    try:
        ecrire_atomiquement(sortie, data)
    except OSError as exc:
        raise sortie_impossible(sortie, exc) from exc
    click.echo(f"{sortie} écrit. Saisissez prix et appréciations (cellules jaunes), puis : "
               f"cctp-builder analyse build {projet} {offres} --grille {sortie}")


@analyse_group.command("tranche")
@click.argument("projet", type=click.Path(path_type=Path))
@click.argument("offres", type=click.Path(path_type=Path))
@click.argument("code")
@click.option("--affermir", "decision", flag_value="affermir", help="Décision d'affermissement.")
@click.option("--renoncer", "decision", flag_value="renoncer",
              help="Décision de ne pas affermir la tranche.")
@click.option("--date", "le", type=click.DateTime(["%Y-%m-%d"]), required=True,
              metavar="AAAA-MM-JJ", help="Date de la décision.")
@click.option("--fin-tf", "fin_tf", type=click.DateTime(["%Y-%m-%d"]), default=None,
              metavar="AAAA-MM-JJ",
              help="Date d'admission de la dernière phase de la tranche ferme (indemnité "
              "d'attente).")
@click.option("-o", "--output", "sortie", type=click.Path(path_type=Path), default=Path("dce"),
              show_default=True, help="Dossier de sortie (SORTIE/<référence>/analyse/).")
@click.option("--force", is_flag=True, help="Remplacer la lettre si elle existe.")
def analyse_tranche(projet: Path, offres: Path, code: str, decision: str | None, le: dt.datetime,
                    fin_tf: dt.datetime | None, sortie: Path, force: bool) -> None:
    """Écrit la décision d'affermir une tranche optionnelle (CODE, ex. TO1) ou d'y renoncer."""
    from .analyse import analyser_offres, ecrire_lettre_tranche
    from .loader import load_project

    if decision is None:
        raise click.UsageError("précisez --affermir ou --renoncer.")
    analyse = analyser_offres(load_project(projet), offres)
    chemin = ecrire_lettre_tranche(analyse, code.upper(), decision, le.date(), sortie,
                                   fin_tranche_ferme=fin_tf.date() if fin_tf else None,
                                   force=force)
    click.echo(f"{chemin} écrit.")
