"""The web page and the HTTP API (FastAPI, server-rendered jinja2, a little htmx).

Stateless: a request's project lives in a temporary folder deleted before the response
leaves; nothing is stored or logged. Every page works without JavaScript (plain POST forms).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import os
import shutil
from collections.abc import Awaitable, Callable
from decimal import Decimal
from functools import lru_cache
from importlib import resources
from typing import Any

from fastapi import FastAPI, Query, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from jinja2 import Environment, PackageLoader, select_autoescape
from starlette.datastructures import FormData, UploadFile
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .. import __version__
from ..catalogue import ENGAGEMENTS_ECOQUARTIER, catalogue
from ..communes import par_code, rechercher, source
from ..errors import CctpError, Constat, ProjetInvalide
from ..francais import date_fr, montant_fr
from . import formulaire as F
from .service import (
    NOM_PAR_DEFAUT,
    Analyse,
    analyser,
    constats_des_pieces,
    construire_zip,
    decision,
    montant,
    nom_sur,
)

TAILLE_MAX_REQUETE = 2 * 1024 * 1024 + 64 * 1024  # a 2 Mio project plus the multipart envelope
CONSTRUCTIONS_SIMULTANEES = int(os.environ.get("CCTP_WEB_CONSTRUCTIONS", "2"))
ATTENTE_MAX_S = float(os.environ.get("CCTP_WEB_ATTENTE_S", "60"))
DUREE_MAX_S = float(os.environ.get("CCTP_WEB_DUREE_MAX_S", "120"))

CSP = ("default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'")
EN_TETES = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=()",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cache-Control": "no-store",
}


class Refus(CctpError):
    """A 4xx/503 answer with a French message (and findings, for a project)."""

    def __init__(self, statut: int, message: str, constats: list[Constat] | None = None) -> None:
        super().__init__(message)
        self.statut, self.message, self.constats = statut, message, constats or []


# --------------------------------------------------------------------------- middleware


class Garde:
    """Security headers on every answer; request bodies over the limit refused (413)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        longueur = dict(scope.get("headers") or []).get(b"content-length")
        if longueur is not None and (not longueur.isdigit()
                                     or int(longueur) > TAILLE_MAX_REQUETE):
            await _repondre_brut(send, 413, "requête trop volumineuse : un fichier projet "
                                 "fait 2 Mio au plus.")
            return
        recu = 0

        async def recevoir() -> Message:
            nonlocal recu
            message = await receive()
            if message["type"] == "http.request":
                recu += len(message.get("body", b""))
                if recu > TAILLE_MAX_REQUETE:
                    raise Refus(413, "requête trop volumineuse : un fichier projet fait 2 Mio "
                                "au plus.")
            return message

        async def envoyer(message: Message) -> None:
            if message["type"] == "http.response.start":
                en_tetes = [(k, v) for k, v in message.get("headers", [])
                            if k.decode("latin-1").lower() not in {h.lower() for h in EN_TETES}]
                en_tetes += [(k.lower().encode(), v.encode()) for k, v in EN_TETES.items()]
                message = {**message, "headers": en_tetes}
            await send(message)

        try:
            await self.app(scope, recevoir, envoyer)
        except Refus as exc:
            await _repondre_brut(send, exc.statut, exc.message)


async def _repondre_brut(send: Send, statut: int, message: str) -> None:
    corps = json.dumps({"erreur": message}, ensure_ascii=False).encode()
    await send({"type": "http.response.start", "status": statut, "headers": [
        (b"content-type", b"application/json; charset=utf-8"),
        (b"content-length", str(len(corps)).encode()),
        *[(k.lower().encode(), v.encode()) for k, v in EN_TETES.items()]]})
    await send({"type": "http.response.body", "body": corps})


# --------------------------------------------------------------------------- builds


class Chantier:
    """At most N kits built at once; others wait up to ATTENTE_MAX_S, then 503."""

    def __init__(self, n: int) -> None:
        self.semaphore = asyncio.Semaphore(max(1, n))

    async def executer(self, fonction: Callable[[], Any]) -> Any:
        try:
            await asyncio.wait_for(self.semaphore.acquire(), ATTENTE_MAX_S)
        except TimeoutError:
            raise Refus(503, "le service construit déjà plusieurs dossiers : réessayez dans "
                        "une minute.") from None
        try:
            return await asyncio.wait_for(asyncio.to_thread(fonction), DUREE_MAX_S)
        except TimeoutError:
            raise Refus(503, f"la construction du dossier a dépassé {DUREE_MAX_S:.0f} "
                        "secondes : réessayez plus tard.") from None
        finally:
            self.semaphore.release()


# --------------------------------------------------------------------------- helpers


@lru_cache(maxsize=1)
def _jinja() -> Environment:
    env = Environment(loader=PackageLoader("cctp_builder.web", "templates"),
                      autoescape=select_autoescape(["html"]), trim_blocks=True,
                      lstrip_blocks=True)
    env.filters["ht"] = lambda v: montant_fr(Decimal(str(v))) if v not in (None, "") else ""
    env.filters["date_fr"] = lambda v: date_fr(dt.date.fromisoformat(str(v)[:10])) if v else ""
    return env


def _html(nom: str, code_http: int = 200, **contexte: Any) -> HTMLResponse:
    contexte.setdefault("version", __version__)
    return HTMLResponse(_jinja().get_template(nom).render(**contexte), status_code=code_http)


def _pdf_possible() -> bool:
    return shutil.which("soffice") is not None or shutil.which("libreoffice") is not None


def _texte_projet(contenu: bytes) -> None:
    if len(contenu) > 2 * 1024 * 1024:
        raise Refus(413, "fichier projet trop volumineux : 2 Mio au plus.")


async def _lire_projet(request: Request) -> tuple[bytes, str]:
    """The project of an API request: multipart field « projet », or a JSON / YAML body."""
    type_contenu = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if type_contenu == "multipart/form-data":
        try:
            form = await request.form(max_files=1, max_fields=10)
        except Refus:
            raise
        except Exception:  # noqa: BLE001 - malformed multipart is the client's fault
            raise Refus(400, "formulaire multipart illisible.") from None
        try:
            fichier = form.get("projet")
            if isinstance(fichier, UploadFile):
                contenu = await fichier.read()
                nom = nom_sur(fichier.filename)
            elif isinstance(fichier, str):
                contenu, nom = fichier.encode("utf-8"), NOM_PAR_DEFAUT
            else:
                raise Refus(400, "champ « projet » absent : envoyez le fichier projet dans le "
                            "champ multipart « projet ».")
        finally:
            await form.close()
    else:
        contenu = await request.body()
        nom = "projet.json" if type_contenu.endswith("json") else NOM_PAR_DEFAUT
    _texte_projet(contenu)
    if not contenu.strip():
        raise Refus(400, "aucun projet reçu : envoyez-le en JSON, en YAML ou dans le champ "
                    "multipart « projet ».")
    return contenu, nom


def _constats_json(constats: list[Constat]) -> list[dict[str, object]]:
    return [c.to_json() for c in constats]


# --------------------------------------------------------------------------- the page


def _etape_par_cle() -> dict[str, F.Etape]:
    return {e.cle: e for e in F.ETAPES}


def _champ_de(chemin: str, donnees: dict[str, Any]) -> str | None:
    chemin = F.ligne_de_tranche(chemin, donnees)
    if chemin in F.PAR_NOM:
        return chemin
    for c in F.TOUS_LES_CHAMPS:
        if c.nom.startswith(chemin + "."):
            return c.nom
    parts = chemin.split(".")
    while parts:
        parts.pop()
        if ".".join(parts) in F.PAR_NOM:
            return ".".join(parts)
    return None


def _procedure(donnees: dict[str, Any]) -> dict[str, Any] | None:
    """The decision for the amount and date in the form, or None while one is missing."""
    total = Decimal(0)
    for t in donnees.get("tranches") or []:
        v = t.get("montant_estime_ht") if isinstance(t, dict) else None
        if not isinstance(v, (int, float)):
            return None
        total += Decimal(str(v))
    date = (donnees.get("calendrier") or {}).get("date_envoi_publication")
    try:
        le = dt.date.fromisoformat(str(date))
    except ValueError:
        return None
    duree = (donnees.get("marche") or {}).get("duree_mois")
    try:
        d = decision(total, le, float(duree) if isinstance(duree, (int, float)) else None)
    except CctpError:
        return None
    return {"d": d, "total": total, "le": le}


def _page(request: Request, donnees: dict[str, Any], etape: int, *,
          analyse: Analyse | None = None, message: str = "", communes: list[Any] | None = None,
          q: str = "", tout: bool = False, statut: int = 200,
          reperes: list[Constat] | None = None) -> HTMLResponse:
    etat = F.formulaire_depuis_projet(donnees)
    cle = F.ETAPES[etape - 1].cle
    erreurs_champ: dict[str, list[str]] = {}
    erreurs_etape: dict[str, list[Constat]] = {}
    resume: list[tuple[Constat, str | None, str]] = []
    for c in (analyse.resultat.constats if analyse else []):
        if c.gravite == "a_completer":
            continue
        sa_cle = F.etape_du_chemin(c.chemin)
        if not tout and sa_cle != cle:
            continue
        champ = _champ_de(c.chemin, donnees) if c.chemin else None
        if champ is not None and F.PAR_NOM[champ].etape == sa_cle:
            erreurs_champ.setdefault(champ, []).append(c.message)
        else:
            erreurs_etape.setdefault(sa_cle, []).append(c)
        resume.append((c, champ, sa_cle))
    resume.sort(key=lambda r: r[1] is None)
    aides: dict[str, str] = {}
    commune = par_code(str((donnees.get("acheteur") or {}).get("code_insee") or ""))
    if commune is not None and commune.siren:
        aides["acheteur.siret"] = (f"SIREN de {commune.nom} : {commune.siren}. Ajoutez les 5 "
                                   "chiffres du NIC de la mairie (avis de situation SIRENE) ; "
                                   "laissé vide, le SIRET devient un repère « à compléter ».")
    return _html(
        "page.html", statut,
        etapes=F.ETAPES, etape=F.ETAPES[etape - 1], n=etape, derniere=F.DERNIERE,
        champs=F.PAR_NOM, etat=etat, v=etat.valeurs, erreurs=erreurs_champ,
        erreurs_etape=erreurs_etape, resume=resume, message=message, communes=communes or [],
        q=q, catalogue=catalogue(), lignes_tranches=F.LIGNES_TRANCHES,
        lignes_criteres=F.LIGNES_CRITERES, lignes_sous_criteres=F.LIGNES_SOUS_CRITERES,
        tranche_code=F.tranche_code,
        phases_de=lambda m: F.phases_de(donnees, m), procedure=_procedure(donnees),
        donnees=donnees, analyse=analyse, reperes=reperes, pdf_possible=_pdf_possible(),
        engagements=ENGAGEMENTS_ECOQUARTIER, source=source(),
        etape_par_cle=_etape_par_cle(), aides=aides, version=__version__,
    )


def _etape(valeur: Any, defaut: int = 1) -> int:
    try:
        return max(1, min(F.DERNIERE, int(str(valeur))))
    except ValueError:
        return defaut


def _analyser_dict(donnees: dict[str, Any]) -> Analyse:
    return analyser(F.yaml_du_projet(donnees).encode("utf-8"))


# --------------------------------------------------------------------------- app


def create_app() -> FastAPI:
    app = FastAPI(
        title="cctp_builder",
        version=__version__,
        description="Dossiers de consultation des études pré-opérationnelles des petites "
        "communes : page guidée et interface HTTP.",
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",
    )
    chantier = Chantier(CONSTRUCTIONS_SIMULTANEES)
    statique = resources.files("cctp_builder.web").joinpath("static")
    app.mount("/static", StaticFiles(directory=str(statique)), name="static")

    @app.exception_handler(Refus)
    async def _refus(request: Request, exc: Refus) -> Response:
        return _erreur(request, exc.statut, exc.message, exc.constats)

    @app.exception_handler(RequestValidationError)
    async def _requete(request: Request, exc: RequestValidationError) -> Response:
        lignes = []
        for err in exc.errors():
            ou = ".".join(str(x) for x in err.get("loc", ()) if x not in ("query", "body"))
            lignes.append(f"paramètre « {ou} » manquant ou invalide")
        return _erreur(request, 422, " ; ".join(lignes) + ".")

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> Response:
        messages = {404: "page introuvable.", 405: "méthode non autorisée pour cette adresse."}
        return _erreur(request, exc.status_code, messages.get(exc.status_code,
                                                              "requête refusée."))

    @app.exception_handler(Exception)
    async def _interne(request: Request, exc: Exception) -> Response:
        return _erreur(request, 500, "erreur interne inattendue ; rien n'a été conservé. "
                       "Signalez-la avec le fichier projet qui la provoque.")

    def _erreur(request: Request, statut: int, message: str,
                constats: list[Constat] | None = None) -> Response:
        if request.url.path.startswith("/api/") or request.url.path == "/healthz" \
                or "text/html" not in request.headers.get("accept", ""):
            corps: dict[str, Any] = {"erreur": message}
            if constats:
                corps["constats"] = _constats_json(constats)
            return JSONResponse(corps, status_code=statut)
        return _html("erreur.html", statut, message=message, constats=constats or [],
                     statut=statut)

    # ------------------------------------------------------------------ API

    @app.get("/healthz", summary="État du service", tags=["service"])
    async def healthz() -> dict[str, Any]:
        return {"etat": "ok", "version": __version__, "communes": source().get("version")}

    @app.get("/api/communes", tags=["API"], summary="Rechercher une commune",
             description="Par nom (accents et tirets indifférents), code INSEE ou code postal. "
             "Données : découpage administratif d'Etalab.")
    async def api_communes(q: str = Query(min_length=1, max_length=100,
                                          description="Nom, code INSEE ou code postal"),
                           limite: int = Query(10, ge=1, le=50)) -> dict[str, Any]:
        return {"q": q, "source": source(),
                "resultats": [c.to_json() for c in rechercher(q, limite)]}

    @app.get("/api/procedure", tags=["API"], summary="Procédure applicable",
             description="Le même JSON que `cctp-builder procedure --json`.")
    async def api_procedure(montant_ht: str = Query(alias="montant", max_length=40,
                                                    description="Valeur estimée en € HT"),
                            date: str | None = Query(None, max_length=10,
                                                     description="AAAA-MM-JJ (aujourd'hui "
                                                     "par défaut)"),
                            mois: float | None = Query(None, ge=0, le=1200,
                                                       description="Durée en mois")
                            ) -> dict[str, Any]:
        try:
            valeur = montant(montant_ht)
        except ValueError as exc:
            raise Refus(422, f"montant : {exc}") from None
        try:
            le = dt.date.fromisoformat(date) if date else dt.date.today()
        except ValueError:
            raise Refus(422, f"date : « {date} » n'est pas une date AAAA-MM-JJ.") from None
        try:
            return decision(valeur, le, mois).to_json()
        except CctpError as exc:
            raise Refus(422, str(exc)) from None

    @app.post("/api/validate", tags=["API"], summary="Valider un projet",
              description="Corps JSON ou YAML, ou champ multipart « projet ». Réponse : "
              "`valide` et les constats, comme `cctp-builder validate --json`.")
    async def api_validate(request: Request) -> Response:
        contenu, nom = await _lire_projet(request)
        try:
            analyse = await asyncio.to_thread(analyser, contenu, nom)
        except ProjetInvalide as exc:
            return JSONResponse({"valide": False, "constats": _constats_json(exc.constats)},
                                status_code=422)
        constats = list(analyse.resultat.constats)
        if analyse.projet is not None and analyse.resultat.valide:
            projet = analyse.projet
            constats += await chantier.executer(lambda: constats_des_pieces(projet, nom))
        return JSONResponse({"valide": analyse.resultat.valide,
                             "constats": _constats_json(constats)},
                            status_code=200 if analyse.resultat.valide else 422)

    @app.post("/api/kit", tags=["API"], summary="Construire le dossier (ZIP)",
              description="Corps JSON ou YAML, ou champ multipart « projet ». Réponse : "
              "`application/zip`, les mêmes octets que `cctp-builder build --zip`. "
              "`?pdf=1` ajoute les PDF (LibreOffice).",
              response_class=Response)
    async def api_kit(request: Request, pdf: bool = False) -> Response:
        contenu, nom = await _lire_projet(request)
        return await _zip(contenu, nom, pdf)

    async def _zip(contenu: bytes, nom: str, pdf: bool) -> Response:
        if pdf and not _pdf_possible():
            raise Refus(422, "LibreOffice n'est pas installé sur ce serveur : demandez le "
                        "dossier sans PDF.")
        try:
            reference, data = await chantier.executer(
                lambda: construire_zip(contenu, nom, pdf=pdf))
        except Refus:
            raise
        except ProjetInvalide as exc:
            raise Refus(422, "projet invalide : corrigez les erreurs signalées.",
                        exc.constats or [Constat("", str(exc))]) from None
        except CctpError as exc:
            raise Refus(422, str(exc)) from None
        return Response(data, media_type="application/zip", headers={
            "Content-Disposition": f'attachment; filename="{reference}.zip"'})

    @app.get("/favicon.ico", include_in_schema=False)
    async def favicon() -> Response:
        return Response(status_code=204)

    @app.get("/docs", response_class=HTMLResponse, include_in_schema=False)
    async def docs() -> HTMLResponse:
        return _html("docs.html", schema=app.openapi(), version=__version__)

    # ------------------------------------------------------------------ page

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    async def accueil(request: Request) -> HTMLResponse:
        return _page(request, F.projet_initial(), 1)

    @app.post("/", response_class=HTMLResponse, include_in_schema=False)
    async def soumettre(request: Request) -> Response:
        form = await _formulaire(request)
        donnees = F.projet_depuis_formulaire(form, form.getlist)
        courante = _etape(form.get("etape"))
        message = ""
        code = str(form.get("commune") or "")
        q = str(form.get("q") or "")
        if code:
            commune = par_code(code)
            if commune is None:
                raise Refus(400, f"commune « {code} » inconnue.")
            donnees = F.completer_defauts(F.appliquer_commune(donnees, commune))
            message = (f"{commune.nom} ({commune.departement_nom}) : nom, code INSEE, "
                       "population, intercommunalité et code postal repris du découpage "
                       "administratif. Vérifiez l'adresse de la mairie.")
            return _page(request, donnees, 1, analyse=None, message=message)
        if form.get("action") == "chercher":
            trouves = rechercher(q, 12) if q.strip() else []
            message = (f"{len(trouves)} commune(s) trouvée(s) pour « {q} »." if trouves else
                       f"Aucune commune ne correspond à « {q} ».")
            return _page(request, donnees, courante, communes=trouves, q=q, message=message)
        cible = _etape(form.get("aller"), courante)
        analyse = await asyncio.to_thread(_analyser_dict, donnees)
        if cible > courante:
            # Going forward: stop on the first step (up to the current one) with an error.
            bloquantes = {F.etape_du_chemin(c.chemin) for c in analyse.resultat.erreurs}
            for e in F.ETAPES[:courante]:
                if e.cle in bloquantes and e.numero == courante:
                    return _page(request, donnees, courante, analyse=analyse, statut=422,
                                 message="Corrigez les erreurs signalées avant de poursuivre.")
        reperes = None
        if cible == F.DERNIERE and analyse.projet is not None and analyse.resultat.valide:
            projet = analyse.projet
            reperes = await chantier.executer(lambda: constats_des_pieces(projet))
        # A step reached going forward shows no error yet: the user has not filled it in.
        montrer = cible <= courante or cible == F.DERNIERE
        return _page(request, donnees, cible, analyse=analyse if montrer else None,
                     tout=cible == F.DERNIERE, reperes=reperes)

    @app.post("/importer", response_class=HTMLResponse, include_in_schema=False)
    async def importer(request: Request) -> Response:
        contenu, nom = await _lire_projet(request)
        try:
            analyse = await asyncio.to_thread(analyser, contenu, nom)
        except ProjetInvalide as exc:
            raise Refus(422, "fichier projet illisible.", exc.constats) from None
        if analyse.donnees is None:
            raise Refus(422, "le fichier ne décrit pas un projet.")
        donnees = F.jsonable(analyse.donnees)
        n = len(analyse.resultat.erreurs)
        message = (f"Projet importé ({nom_sur(nom)}) : le formulaire est pré-rempli"
                   + (f" ; {n} erreur(s) à corriger, signalées à chaque étape." if n else "."))
        return _page(request, donnees, F.DERNIERE, analyse=analyse, message=message, tout=True)

    @app.post("/kit", include_in_schema=False)
    async def kit(request: Request) -> Response:
        form = await _formulaire(request)
        donnees = F.projet_depuis_formulaire(form, form.getlist)
        analyse = await asyncio.to_thread(_analyser_dict, donnees)
        if not analyse.resultat.valide:
            return _page(request, donnees, F.DERNIERE, analyse=analyse, tout=True, statut=422,
                         message="Le dossier ne peut pas encore être construit : corrigez "
                         "les points signalés.")
        contenu = F.yaml_du_projet(donnees).encode("utf-8")
        return await _zip(contenu, NOM_PAR_DEFAUT, form.get("pdf") == "oui")

    @app.post("/projet.yaml", include_in_schema=False)
    async def projet_yaml(request: Request) -> Response:
        form = await _formulaire(request)
        donnees = F.projet_depuis_formulaire(form, form.getlist)
        reference = str((donnees.get("marche") or {}).get("reference") or "projet")
        nom = "".join(c for c in reference if c.isalnum() or c in "-_.") or "projet"
        return PlainTextResponse(F.yaml_du_projet(donnees), media_type="application/yaml",
                                 headers={"Content-Disposition":
                                          f'attachment; filename="{nom}.yaml"'})

    @app.post("/fragments/procedure", response_class=HTMLResponse, include_in_schema=False)
    async def fragment_procedure(request: Request) -> HTMLResponse:
        form = await _formulaire(request)
        donnees = F.projet_depuis_formulaire(form, form.getlist)
        return _html("procedure.html", procedure=_procedure(donnees))

    @app.get("/fragments/communes", response_class=HTMLResponse, include_in_schema=False)
    async def fragment_communes(q: str = Query("", max_length=100)) -> HTMLResponse:
        trouves = rechercher(q, 12) if len(q.strip()) >= 2 else []
        return _html("communes.html", communes=trouves, q=q)

    return app


async def _formulaire(request: Request) -> FormData:
    try:
        return await request.form(max_files=0, max_fields=1000)
    except Refus:
        raise
    except Exception:  # noqa: BLE001 - a malformed form is the client's fault
        raise Refus(400, "formulaire illisible.") from None


ReponseAsync = Callable[[Request], Awaitable[Response]]


def application() -> ASGIApp:
    """The ASGI application with its guard (``uvicorn cctp_builder.web:application
    --factory``)."""
    return Garde(create_app())
