"""Command-line interface: thin wrappers over the library; the only place that prints.

Exit status: 0 success, 1 invalid input or failed build, 2 usage error (click).
"""

from __future__ import annotations

import functools
import json
import math
import os
import sys
from collections.abc import Callable
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from . import _click_fr
from ._version import __version__
from .errors import CctpError, Constat, Resultat

if TYPE_CHECKING:
    from .batch import Bilan

F = TypeVar("F", bound=Callable[..., Any])

_click_fr.installer()


def _gere_erreurs(fonction: F) -> F:
    """Map every error to a French message and exit status 1; never show a traceback."""

    @functools.wraps(fonction)
    def enveloppe(*args: Any, **kwargs: Any) -> Any:
        try:
            return fonction(*args, **kwargs)
        except CctpError as exc:
            click.echo(f"Erreur : {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("Interrompu : rien n'a été écrit.", err=True)
            sys.exit(130)
        except BrokenPipeError:  # « cctp-builder templates dump … | head »
            sys.stderr.close()
            sys.exit(0)
        except (click.exceptions.Exit, click.ClickException, SystemExit):
            raise
        except Exception as exc:  # noqa: BLE001 - the one boundary that maps everything
            if os.environ.get("CCTP_BUILDER_DEBUG"):
                raise
            click.echo(f"Erreur interne inattendue ({exc.__class__.__name__} : {exc}). "
                       "Relancez avec CCTP_BUILDER_DEBUG=1 et signalez-la.", err=True)
            sys.exit(1)

    return enveloppe  # type: ignore[return-value]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
             subcommand_metavar="COMMANDE [ARGUMENTS]...")
@click.version_option(__version__, prog_name="cctp-builder", message="%(prog)s %(version)s")
def main() -> None:
    """Génère le dossier de consultation (RC, AE, CCAP, CCTP, DPGF, CMT, AAPC) des études
    pré-opérationnelles d'une petite commune, à partir d'un fichier projet YAML.

    \b
    Pour commencer :
      cctp-builder init mon-projet.yaml --etudes programmation_urbaine,concertation
      cctp-builder validate mon-projet.yaml
      cctp-builder build mon-projet.yaml -o dce
    """


# --------------------------------------------------------------------------- validate


OFFRES = ".offres.yaml"


def _projets_seulement(fichiers: tuple[Path, ...], bavard: bool = True) -> tuple[Path, ...]:
    """Leave out the offers files (« *.offres.yaml », read by « analyse ») that a glob such
    as examples/*.yaml brings along; refuse when nothing else is left."""
    projets = tuple(f for f in fichiers if not f.name.endswith(OFFRES))
    if bavard:
        for f in fichiers:
            if f.name.endswith(OFFRES):
                click.echo(f"{f} : fichier des offres, ignoré (voir « cctp-builder analyse "
                           "build »).", err=True)
    if not projets:
        raise CctpError("aucun fichier projet : les fichiers « *.offres.yaml » se lisent avec "
                        "« cctp-builder analyse build PROJET OFFRES ».")
    return projets


def _afficher_constats(titre: str, constats: list[Constat]) -> None:
    if constats:
        click.echo(f"  {titre} ({len(constats)}) :")
        for c in constats:
            click.echo(f"    {c}")


@main.command()
@click.argument("fichiers", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--json", "en_json", is_flag=True,
              help="Constats en JSON (path, line, message, severity).")
@_gere_erreurs
def validate(fichiers: tuple[Path, ...], en_json: bool) -> None:
    """Vérifie un ou plusieurs fichiers projet (structure, cohérence, règles juridiques).

    Statut 0 si tous sont valides, 1 sinon. Les avertissements et les éléments
    « à compléter » sont listés à part et ne font pas échouer la commande.
    """
    from .errors import ProjetInvalide
    from .kit import render_kit
    from .lint_fr import verifier_kit
    from .loader import analyser_projet

    tous: list[Constat] = []
    echec = False
    for chemin in _projets_seulement(fichiers, bavard=not en_json):
        try:
            projet, resultat = analyser_projet(chemin)
        except ProjetInvalide as exc:
            projet, resultat = None, Resultat(exc.constats or [
                Constat("", str(exc), "erreur", str(chemin))])
        except CctpError as exc:  # one file's failure never hides the others
            projet, resultat = None, Resultat([Constat("", str(exc), "erreur", str(chemin))])
        dans_les_pieces: list[Constat] = []
        fautes: list[Constat] = []
        if projet is not None and resultat.valide:
            # What « build --final » would refuse: every marker left in the rendered pieces,
            # and the French faults that the data caused in them (cctp_builder.lint_fr).
            try:
                kit = render_kit(projet)
                dans_les_pieces = [Constat("", f"{piece} : {m}", "a_completer", str(chemin))
                                   for piece, marques in kit.a_completer().items()
                                   for m in dict.fromkeys(marques)]
                fautes = [Constat("", f"français : {d}", "avertissement", str(chemin))
                          for d in verifier_kit(kit.fichiers)]
            except CctpError as exc:
                resultat = Resultat([*resultat.constats,
                                     Constat("", str(exc), "erreur", str(chemin))])
        tous.extend(resultat.constats + fautes + dans_les_pieces)
        echec |= not resultat.valide
        if not en_json:
            click.echo(f"{chemin} : {'valide' if resultat.valide else 'INVALIDE'}")
            _afficher_constats("Erreurs", resultat.erreurs)
            _afficher_constats("Avertissements", resultat.avertissements + fautes)
            _afficher_constats("À compléter dans le fichier", resultat.a_completer)
            if dans_les_pieces:
                click.echo(f"  Repères « [À compléter » qui resteront dans les pièces "
                           f"({len(dans_les_pieces)} ; build --final les refuse) :")
                for c in dans_les_pieces:
                    click.echo(f"    {c.message}")
    if en_json:
        click.echo(json.dumps([c.to_json() for c in tous], ensure_ascii=False, indent=2))
    sys.exit(1 if echec else 0)


# --------------------------------------------------------------------------- schema / init


@main.command()
@_gere_erreurs
def schema() -> None:
    """Affiche le schéma JSON du fichier projet (pour yaml-language-server et les éditeurs)."""
    from .schema import schema_json

    click.echo(schema_json())


@main.command()
@click.argument("fichier", type=click.Path(path_type=Path))
@click.option("--etudes", metavar="CLÉS",
              default="programmation_urbaine,faisabilite_amenagement,concertation",
              show_default=True, help="Clés des modules d'étude, séparées par des virgules.")
@click.option("--commune", metavar="CODE_INSEE|NOM", default=None,
              help="Commune acheteuse (code INSEE ou nom) : pré-remplit « acheteur » depuis le "
              "découpage administratif.")
@click.option("--force", is_flag=True, help="Remplacer le fichier s'il existe.")
@_gere_erreurs
def init(fichier: Path, etudes: str, commune: str | None, force: bool) -> None:
    """Écrit un fichier projet de départ, commenté, qui se valide tel quel."""
    from .communes import trouver
    from .starter import projet_de_depart

    if fichier.exists() and not force:
        raise CctpError(f"{fichier} existe déjà : ajoutez --force pour le remplacer.")
    texte = projet_de_depart([e.strip() for e in etudes.split(",") if e.strip()],
                             fichier=fichier.name,
                             commune=trouver(commune) if commune else None)
    from .ecriture import ecrire_atomiquement

    ecrire_atomiquement(fichier, texte.encode("utf-8"))
    click.echo(f"{fichier} écrit. Complétez-le, puis : cctp-builder validate {fichier}")


@main.command()
@click.option("--json", "en_json", is_flag=True,
              help="Liste JSON des modules (cle, intitule, phases avec depend_de).")
@_gere_erreurs
def etudes(en_json: bool) -> None:
    """Liste les modules d'étude du catalogue et leurs phases."""
    from .catalogue import catalogue, catalogue_json

    if en_json:
        click.echo(json.dumps(catalogue_json(), ensure_ascii=False, indent=2))
        return
    for module in catalogue().values():
        click.echo(f"{module.cle:<26} {module.titre}")
        for p in module.phases:
            apres = f" ; après {', '.join(p.depend_de)}" if p.depend_de else ""
            click.echo(f"{'':<28}{module.cle}/{p.code} — {p.nom} ({p.duree_semaines} sem.{apres})")


# --------------------------------------------------------------------------- procedure


def _montant(_ctx: click.Context, _param: click.Parameter, valeur: str) -> Decimal:
    from .francais import NBSP, NNBSP

    try:
        montant = Decimal(valeur.replace(" ", "").replace(NBSP, "").replace(NNBSP, "")
                          .replace(",", "."))
    except InvalidOperation:
        raise click.BadParameter(
            f"« {valeur} » n'est pas un montant (ex. 150000 ou 59999,99).") from None
    if not montant.is_finite():
        raise click.BadParameter(f"« {valeur} » n'est pas un montant fini (ex. 150000).")
    if montant < 0:
        raise click.BadParameter("le montant doit être positif.")
    if montant > MONTANT_MAX:
        raise click.BadParameter("montant démesuré (au plus 999 999 999 999,99 €).")
    return montant


MONTANT_MAX = Decimal("999999999999.99")


def _mois(_ctx: click.Context, _param: click.Parameter, valeur: str | None) -> float | None:
    if valeur is None:
        return None
    try:
        mois = float(valeur.replace(",", "."))
    except ValueError:
        raise click.BadParameter(f"« {valeur} » n'est pas une durée en mois (ex. 12).") from None
    if not math.isfinite(mois) or not 0 <= mois <= 1200:
        raise click.BadParameter("la durée doit être un nombre de mois entre 0 et 1200.")
    return mois


@main.command()
@click.option("--amount", "--montant", "montant", required=True, callback=_montant,
              metavar="EUROS",
              help="Valeur estimée du marché en € HT, toutes tranches comprises.")
@click.option("--date", "le", type=click.DateTime(["%Y-%m-%d"]), default=None,
              metavar="AAAA-MM-JJ",
              help="Date d'envoi de la consultation (AAAA-MM-JJ) ; aujourd'hui par défaut.")
@click.option("--months", "--mois", "mois", callback=_mois, default=None,
              metavar="N",
              help="Durée du marché en mois (pour l'avance obligatoire).")
@click.option("--json", "en_json", is_flag=True, help="Décision en JSON.")
@_gere_erreurs
def procedure(montant: Decimal, le: Any, mois: float | None, en_json: bool) -> None:
    """Indique la procédure, la publicité et les obligations applicables à un montant.

    Procédure, publicité, gratuité du dossier, délai de remise, avance, critère
    environnemental, pondération et données essentielles, chacun avec sa référence ;
    en fin de sortie, les règles encore à vérifier sur Légifrance.
    """
    from .decision import decide, format_decision

    jour = le.date() if le is not None else date.today()
    decision = decide(montant, jour, mois)
    if en_json:
        click.echo(json.dumps(decision.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(format_decision(decision))


# --------------------------------------------------------------------------- build


@main.command()
@click.argument("fichiers", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("-o", "--output", "sortie", type=click.Path(path_type=Path), default=Path("dce"),
              show_default=True, help="Dossier de sortie ; le kit va dans SORTIE/<référence>/.")
@click.option("--only", "seules", default=None, metavar="PIÈCES",
              help="Pièces à produire, séparées par des virgules (kit complet : rc,ae,ccap,"
              "cctp,dpgf,cmt,aapc ; kit allégé : lettre,cahier,devis).")
@click.option("--templates", "modeles", type=click.Path(path_type=Path, file_okay=False,
              exists=True), default=None, help="Dossier de modèles Word qui remplacent les modèles "
              "intégrés de même nom (voir « templates export »).")
@click.option("--final", is_flag=True, help="Refuser d'écrire si des « [À compléter » subsistent.")
@click.option("--force", is_flag=True, help="Remplacer un kit existant.")
@click.option("--zip", "en_zip", is_flag=True, help="Écrire aussi SORTIE/<référence>.zip.")
@click.option("--pdf", is_flag=True, help="Convertir aussi les pièces Word en PDF balisés "
              "(accessibles, langue et titre renseignés), avec LibreOffice.")
@click.option("--pdfa", is_flag=True, help="PDF au format d'archivage PDF/A-2 (implique --pdf).")
@click.option("--kit", "forme", type=click.Choice(["auto", "complet", "allege"]), default=None,
              help="Forme du dossier : « auto » (allégé sous le seuil de dispense, complet "
              "au-dessus), « complet » (sept pièces) ou « allege » (lettre de consultation, "
              "cahier des charges, devis). Par défaut : le champ « kit » du projet, sinon auto.")
@click.option("-j", "--jobs", type=click.IntRange(1, 64), default=1, show_default=True,
              metavar="N",
              help="Nombre de processus pour construire plusieurs projets.")
@_gere_erreurs
def build(fichiers: tuple[Path, ...], sortie: Path, seules: str | None, modeles: Path | None,
          final: bool, force: bool, en_zip: bool, pdf: bool, pdfa: bool, forme: str | None,
          jobs: int) -> None:
    """Construit le dossier de consultation de chaque fichier projet."""
    from .batch import Options, construire_lot

    fichiers = _projets_seulement(fichiers)
    options = Options(sortie=sortie, pieces=tuple(s.strip() for s in seules.split(","))
                      if seules else None, templates=modeles, final=final, force=force,
                      zip=en_zip, pdf=pdf or pdfa, pdfa=pdfa, kit=forme)
    seul = len(fichiers) == 1
    if not sys.stderr.isatty():
        bilan = construire_lot(list(fichiers), options, jobs=jobs)
    elif seul:
        suite = " et conversion PDF (LibreOffice)" if pdf else ""
        click.echo(f"Construction du kit de {fichiers[0]}{suite}…", err=True)
        bilan = construire_lot(list(fichiers), options, jobs=jobs)
    else:
        with click.progressbar(length=len(fichiers), label="Construction des kits",
                               show_pos=True, file=sys.stderr) as barre:
            bilan = construire_lot(list(fichiers), options, jobs=jobs,
                                   progression=lambda _issue: barre.update(1))
    _afficher_bilan(bilan, seul)
    sys.exit(0 if not bilan.echecs else 1)


def _afficher_bilan(bilan: Bilan, seul: bool) -> None:
    """Written paths of a single kit; each failure with its French message; a summary line."""
    for issue in bilan.issues:
        if seul and issue.reussi:
            click.echo(f"Kit écrit : {issue.message}")
            for chemin in issue.chemins:
                click.echo(f"  {chemin}")
        elif seul:
            click.echo(issue.message, err=True)
        elif not issue.reussi:
            click.echo(f"\n{issue.fichier} : échec\n  {issue.message}", err=True)
    if not seul:
        n = len(bilan.issues)
        click.echo(f"{bilan.reussis} kit(s) construit(s), {len(bilan.echecs)} échec(s) sur {n} "
                   "fichier(s).")


# --------------------------------------------------------------------------- serve


@main.command()
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Adresse d'écoute (127.0.0.1 : cette machine seulement).")
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True,
              help="Port d'écoute.")
@_gere_erreurs
def serve(host: str, port: int) -> None:
    """Sert la page web guidée et l'interface HTTP (extra « cctp-builder[web] »).

    Pour la production : voir le README (plusieurs processus uvicorn derrière un proxy).
    """
    try:
        import uvicorn

        from .web import application
    except ImportError as exc:
        raise CctpError(f"la page web demande l'extra « web » ({exc.name} manquant) : "
                        "pip install 'cctp-builder[web]'.") from None
    click.echo(f"cctp_builder sert la page sur http://{host}:{port}/ (Ctrl+C pour arrêter).")
    uvicorn.run(application(), host=host, port=port, access_log=False, log_level="warning",
                server_header=False)


# --------------------------------------------------------------------------- templates


@main.group(subcommand_metavar="COMMANDE [ARGUMENTS]...")
def templates() -> None:
    """Modèles Word : lister, vérifier, exporter pour les personnaliser, afficher le texte."""


@templates.command("list")
@_gere_erreurs
def templates_list() -> None:
    """Liste les modèles intégrés (pièce/fragment)."""
    from .render import TemplateSet

    for nom in TemplateSet.get(None).names():
        click.echo(nom)


@templates.command("check")
@click.argument("dossier", required=False, type=click.Path(path_type=Path, file_okay=False,
                exists=True))
@_gere_erreurs
def templates_check(dossier: Path | None) -> None:
    """Vérifie un dossier de modèles (les modèles intégrés par défaut)."""
    from .templates_tool import verifier

    constats = verifier(dossier, projet_essai=_projet_essai() if dossier is not None else None)
    for c in constats:
        click.echo(f"{c.fichier} {c.chemin} : {c.message}", err=True)
    erreurs = [c for c in constats if c.gravite == "erreur"]
    if erreurs:
        click.echo(f"{len(erreurs)} erreur(s) dans les modèles.", err=True)
        sys.exit(1)
    click.echo("Modèles valides.")


def _projet_essai() -> Any:
    """The sample project of ``templates check``: the starter project with every study."""
    from .catalogue import catalogue
    from .loader import charger_texte
    from .starter import projet_de_depart

    return charger_texte(projet_de_depart(list(catalogue())), "<projet d'exemple>")


@templates.command("export")
@click.argument("dossier", type=click.Path(path_type=Path))
@click.option("--force", is_flag=True, help="Écraser les fichiers existants.")
@_gere_erreurs
def templates_export(dossier: Path, force: bool) -> None:
    """Copie les modèles intégrés dans DOSSIER pour les modifier dans Word."""
    from .templates_tool import exporter

    n = exporter(dossier, force=force)
    click.echo(f"{n} modèles copiés dans {dossier}. Modifiez-les, puis : "
               f"cctp-builder build projet.yaml --templates {dossier}")


@templates.command("dump")
@click.argument("nom", metavar="NOM")
@click.option("--templates", "modeles", type=click.Path(path_type=Path, file_okay=False,
              exists=True), default=None, help="Dossier de modèles personnalisés.")
@_gere_erreurs
def templates_dump(nom: str, modeles: Path | None) -> None:
    """Affiche le texte d'un modèle pour le relire (NOM : par exemple cctp/01_objet)."""
    from .templates_tool import texte_modele

    click.echo(texte_modele(nom, modeles))


# --------------------------------------------------------------------------- analyse

from .cli_analyse import analyse_group  # noqa: E402

for _commande in analyse_group.commands.values():  # same error mapping as the commands above
    _commande.callback = _gere_erreurs(_commande.callback)  # type: ignore[type-var]
main.add_command(analyse_group)


if __name__ == "__main__":  # pragma: no cover
    main()
