"""The guided form: its steps and fields, and the conversions form ↔ project dict.

The form never holds state of its own: every page carries all the fields (the steps not
shown are ``hidden``) plus a ``complement`` field with the JSON of everything the form does
not edit (sub-criteria, extra sites, custom phases of an uploaded project…), so an uploaded
project goes through the form without losing anything the form does not show.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import yaml

from ..catalogue import catalogue
from ..communes import Commune, avec_preposition, nom_acheteur
from ..starter import projet_de_depart

Valeur = Any
Donnees = dict[str, Any]


@dataclass(frozen=True)
class Etape:
    numero: int
    cle: str
    titre: str
    aide: str


ETAPES: tuple[Etape, ...] = (
    Etape(1, "commune", "Commune", "Recherchez votre commune : son code INSEE, sa population et "
          "son intercommunalité sont repris du découpage administratif officiel."),
    Etape(2, "operation", "Site et opération", "Le projet que les études préparent et le site "
          "concerné."),
    Etape(3, "etudes", "Études", "Cochez les études à confier au prestataire."),
    Etape(4, "tranches", "Marché, tranches et montants", "Le montant estimé, toutes tranches "
          "comprises, détermine la procédure."),
    Etape(5, "calendrier", "Calendrier", "La date d'envoi de la consultation fixe les règles "
          "applicables."),
    Etape(6, "criteres", "Critères", "Les pondérations totalisent 100 ; le critère "
          "environnemental et la condition environnementale sont proposés par défaut."),
    Etape(7, "contacts", "Contacts et pilotage", "Qui signe, qui répond aux questions, qui "
          "suit les études."),
    Etape(8, "recapitulatif", "Récapitulatif", "Vérifiez, puis téléchargez le dossier."),
)
DERNIERE = len(ETAPES)


@dataclass(frozen=True)
class Champ:
    """One form field, named by its path in the project model."""

    nom: str
    libelle: str
    genre: str = "texte"  # texte zone nombre decimal montant date dateheure choix lignes case
    etape: str = "commune"
    aide: str = ""
    choix: tuple[tuple[str, str], ...] = ()
    requis: bool = False
    autocomplete: str = ""

    @property
    def ident(self) -> str:
        return "champ-" + re.sub(r"[^a-zA-Z0-9]+", "-", self.nom)


STATUTS = (("communal", "communal"), ("epf", "porté par un établissement public foncier"),
           ("prive", "privé"), ("mixte", "mixte"))
DOCUMENTS = (("plu", "plan local d'urbanisme (PLU)"), ("plui", "PLU intercommunal (PLUi)"),
             ("carte_communale", "carte communale"), ("rnu", "règlement national d'urbanisme"),
             ("scot", "schéma de cohérence territoriale (SCoT)"), ("autre", "autre"))
DEMARCHES = (("aucune", "aucune"), ("reflexion", "en réflexion"),
             ("charte_signee", "charte ÉcoQuartier signée"), ("ecoprojet", "ÉcoProjet"),
             ("label_etape_2", "label ÉcoQuartier, étape 2"))
TYPES_CRITERE = (("technique", "valeur technique"), ("prix", "prix"),
                 ("environnemental", "performance environnementale"), ("delai", "délai"),
                 ("cout", "coût"), ("autre", "autre"))
LIGNES_TRANCHES = 21  # TF, TO1 … TO20 (the model's limit); the page shows those in use + 1
LIGNES_TRANCHES_MIN = 4  # TF, TO1, TO2, TO3 always shown
LIGNES_CRITERES = 4
LIGNES_SOUS_CRITERES = 4

CHAMPS: tuple[Champ, ...] = (
    # 1. Commune
    Champ("acheteur.nom", "Nom officiel de l'acheteur", requis=True,
          aide="Ex. « Commune de Forcalquier ».", autocomplete="organization"),
    Champ("acheteur.code_insee", "Code INSEE de la commune", requis=True,
          aide="5 caractères (2A/2B en Corse)."),
    Champ("acheteur.siret", "SIRET de la mairie", aide="14 chiffres : le SIREN de la commune "
          "suivi du NIC de l'établissement (avis de situation SIRENE). Laissé vide, il devient "
          "un repère « à compléter »."),
    Champ("acheteur.population", "Population municipale", "nombre"),
    Champ("acheteur.population_annee", "Millésime de cette population", "nombre",
          aide="Année de référence INSEE (ex. 2022)."),
    Champ("acheteur.intercommunalite", "Intercommunalité"),
    Champ("acheteur.adresse.ligne", "Adresse de la mairie (numéro et voie)", requis=True,
          autocomplete="address-line1"),
    Champ("acheteur.adresse.code_postal", "Code postal", requis=True, aide="5 chiffres.",
          autocomplete="postal-code"),
    Champ("acheteur.adresse.commune", "Commune de l'adresse", requis=True,
          autocomplete="address-level2"),
    # 2. Site et opération
    Champ("operation.nom", "Nom du projet", etape="operation", requis=True,
          aide="Ex. « Quartier durable des Aires »."),
    Champ("operation.enjeux", "Contexte et enjeux", "zone", "operation",
          aide="Pourquoi la commune engage ces études, en quelques phrases."),
    Champ("operation.sites.0.nom", "Nom du site", etape="operation", requis=True),
    Champ("operation.sites.0.surface_ha", "Surface du périmètre opérationnel (ha)", "decimal",
          "operation", requis=True),
    Champ("operation.sites.0.perimetre_etude_ha", "Surface du périmètre d'étude (ha)", "decimal",
          "operation"),
    Champ("operation.sites.0.statut_foncier", "Maîtrise foncière", "choix", "operation",
          choix=STATUTS, requis=True),
    Champ("operation.sites.0.localisation", "Situation du site", etape="operation",
          aide="Par rapport au bourg, accès, parcelles cadastrales."),
    Champ("operation.sites.0.occupation", "Occupation actuelle", etape="operation",
          aide="Prairie, friche, terrain de sport…"),
    Champ("operation.sites.0.zonage", "Zonage au document d'urbanisme", etape="operation",
          aide="Ex. « 1AU »."),
    Champ("operation.sites.0.contraintes", "Contraintes connues", "lignes", "operation",
          aide="Une par ligne : réseaux, servitudes, paysage…"),
    Champ("operation.sites.0.risques", "Risques connus", "lignes", "operation",
          aide="Un par ligne : inondation, retrait-gonflement des argiles…"),
    Champ("operation.documents_planification.0.type", "Document d'urbanisme", "choix",
          "operation", choix=(("", "aucun"), *DOCUMENTS)),
    Champ("operation.documents_planification.0.nom", "Intitulé du document d'urbanisme",
          etape="operation"),
    Champ("operation.ecoquartier.demarche", "Démarche ÉcoQuartier", "choix", "operation",
          choix=DEMARCHES),
    # 4. Marché, tranches et montants
    Champ("marche.objet", "Objet du marché", "zone", "tranches", requis=True),
    Champ("marche.reference", "Référence du marché", etape="tranches", requis=True,
          aide="Lettres, chiffres, tirets ; sert aussi de nom au dossier téléchargé."),
    Champ("marche.duree_mois", "Durée du marché (mois), toutes tranches", "nombre", "tranches",
          requis=True),
    Champ("marche.allotissement.justification", "Pourquoi le marché n'est pas divisé en lots",
          "zone", "tranches", requis=True),
    # 5. Calendrier
    Champ("calendrier.date_envoi_publication", "Date d'envoi de la consultation", "date",
          "calendrier", requis=True),
    Champ("calendrier.date_limite_remise", "Date et heure limites de remise des offres",
          "dateheure", "calendrier", requis=True),
    Champ("calendrier.date_limite_questions", "Date limite des questions", "date",
          "calendrier"),
    Champ("calendrier.demarrage_previsionnel", "Démarrage prévisionnel des études", "date",
          "calendrier"),
    # 6. Critères
    Champ("marche.clause_environnementale", "Condition d'exécution environnementale", "zone",
          "criteres", aide="Article L2112-2 du code de la commande publique."),
    # 7. Contacts et pilotage
    Champ("acheteur.representant.qualite", "Qualité du signataire", etape="contacts",
          aide="Ex. « Maire »."),
    Champ("acheteur.representant.nom", "Prénom et nom du signataire", etape="contacts",
          autocomplete="name"),
    Champ("acheteur.contact.nom", "Contact pour la consultation (nom et fonction)",
          etape="contacts"),
    Champ("acheteur.contact.email", "Adresse électronique du contact", "email", "contacts",
          autocomplete="email"),
    Champ("acheteur.contact.telephone", "Téléphone du contact", "tel", "contacts",
          aide="Ex. 04 92 00 00 00.", autocomplete="tel"),
    Champ("acheteur.profil_acheteur_url", "Adresse du profil d'acheteur", "url", "contacts",
          aide="Plateforme où le dossier est publié (https://…)."),
    Champ("pilotage.copil.composition", "Comité de pilotage : membres", "lignes", "contacts",
          aide="Un par ligne."),
    Champ("pilotage.copil.nombre_reunions", "Comité de pilotage : nombre de réunions", "nombre",
          "contacts", requis=True),
    Champ("pilotage.cotech.composition", "Comité technique : membres", "lignes", "contacts",
          aide="Un par ligne."),
    Champ("pilotage.cotech.nombre_reunions", "Comité technique : nombre de réunions", "nombre",
          "contacts", requis=True),
)


def _champs_tranches() -> list[Champ]:
    out = []
    for i in range(LIGNES_TRANCHES):
        code = tranche_code(i)
        out.append(Champ(f"tranches.{i}.intitule", f"Intitulé de la tranche {code}",
                         etape="tranches", requis=i == 0))
        out.append(Champ(f"tranches.{i}.montant_estime_ht", f"Montant estimé de la tranche "
                         f"{code} (€ HT)", "montant", "tranches"))
        if i:
            out.append(Champ(f"tranches.{i}.delai_affermissement_mois", f"Délai "
                             f"d'affermissement de la tranche {code} (mois)", "nombre",
                             "tranches"))
    return out


def _champs_criteres() -> list[Champ]:
    out = []
    for i in range(LIGNES_CRITERES):
        out += [
            Champ(f"criteres.{i}.nom", f"Critère {i + 1} : intitulé", etape="criteres"),
            Champ(f"criteres.{i}.type", f"Critère {i + 1} : nature", "choix", "criteres",
                  choix=(("", "—"), *TYPES_CRITERE)),
            Champ(f"criteres.{i}.poids", f"Critère {i + 1} : pondération (points sur 100)",
                  "decimal", "criteres"),
            Champ(f"criteres.{i}.elements", f"Critère {i + 1} : éléments appréciés", "lignes",
                  "criteres", aide="Un par ligne ; obligatoire pour un critère environnemental."),
        ]
        for j in range(LIGNES_SOUS_CRITERES):
            out += [
                Champ(f"criteres.{i}.sous_criteres.{j}.nom", f"Critère {i + 1}, sous-critère "
                      f"{j + 1} : intitulé", etape="criteres"),
                Champ(f"criteres.{i}.sous_criteres.{j}.poids", f"Critère {i + 1}, sous-critère "
                      f"{j + 1} : points", "decimal", "criteres"),
            ]
    return out


def tranche_code(i: int) -> str:
    return "TF" if i == 0 else f"TO{i}"


TOUS_LES_CHAMPS: tuple[Champ, ...] = CHAMPS + tuple(_champs_tranches()) + tuple(_champs_criteres())
PAR_NOM: dict[str, Champ] = {c.nom: c for c in TOUS_LES_CHAMPS}

# Model paths the form fills without a field of their own (``*`` = any list index), with why.
DEFAUTS_DOCUMENTES: dict[str, str] = {
    "version": "toujours 1 (format du fichier projet)",
    "etudes.*.module": "les cases à cocher de l'étape « Études »",
    "tranches.*.code": "TF pour la première ligne de tranche, TO1, TO2, TO3 pour les suivantes",
    "tranches.*.phases": "la tranche choisie pour chaque phase à l'étape « Marché, tranches »",
    "criteres.*.nom": "lignes de critères (une ligne sans intitulé est ignorée)",
    "criteres.*.type": "lignes de critères",
}

# Which step shows the findings of a path (longest prefix wins); others go to the summary.
ETAPE_DU_CHEMIN: tuple[tuple[str, str], ...] = (
    ("acheteur.representant", "contacts"), ("acheteur.contact", "contacts"),
    ("acheteur.profil_acheteur_url", "contacts"), ("acheteur", "commune"),
    ("operation", "operation"), ("etudes", "etudes"), ("tranches", "tranches"),
    ("montant_total_ht", "tranches"), ("marche.clause_environnementale", "criteres"),
    ("marche", "tranches"), ("calendrier", "calendrier"), ("criteres", "criteres"),
    ("notation", "criteres"), ("pilotage", "contacts"),
)


def etape_du_chemin(chemin: str) -> str:
    for prefixe, etape in ETAPE_DU_CHEMIN:
        if chemin == prefixe or chemin.startswith(prefixe + "."):
            return etape
    return "recapitulatif"


# --------------------------------------------------------------------------- defaults


def projet_initial(aujourd_hui: dt.date | None = None) -> Donnees:
    """The sensible defaults of a new form: those of ``cctp-builder init``, without the
    example buyer and site (a commune fills them in)."""
    donnees: Donnees = yaml.safe_load(projet_de_depart(
        ["programmation_urbaine", "faisabilite_amenagement", "concertation"], aujourd_hui))
    donnees.pop("acheteur", None)
    eco = donnees["operation"].get("ecoquartier", {})
    donnees["operation"] = {"ecoquartier": eco, "sites": [{"statut_foncier": "communal"}]}
    donnees["marche"].pop("objet", None)
    donnees["marche"].pop("reference", None)
    donnees["tranches"][0].pop("montant_estime_ht", None)
    donnees["acheteur"] = {"representant": {"qualite": "Maire"}}
    return jsonable(donnees)


def jsonable(valeur: Any) -> Any:
    """Dates as ISO strings, Decimals as numbers: what JSON and the form carry."""
    if isinstance(valeur, dict):
        return {str(k): jsonable(v) for k, v in valeur.items()}
    if isinstance(valeur, list):
        return [jsonable(v) for v in valeur]
    if isinstance(valeur, dt.datetime):
        return valeur.isoformat(timespec="minutes")
    if isinstance(valeur, dt.date):
        return valeur.isoformat()
    if isinstance(valeur, Decimal):
        return int(valeur) if valeur == valeur.to_integral_value() else float(valeur)
    return valeur


def appliquer_commune(donnees: Donnees, commune: Commune) -> Donnees:
    """Fill the buyer from the reference table (name, INSEE code, population, address…)."""
    d = json.loads(json.dumps(donnees))
    a = d.setdefault("acheteur", {})
    a.update({"nom": nom_acheteur(commune.nom), "type": "commune",
              "code_insee": commune.code_insee})
    if commune.population:
        a["population"] = commune.population
    if commune.intercommunalite:
        a["intercommunalite"] = commune.intercommunalite
    else:
        a.pop("intercommunalite", None)
    adresse = a.setdefault("adresse", {})
    adresse["commune"] = commune.nom
    if commune.codes_postaux:
        adresse["code_postal"] = commune.codes_postaux[0]
    return d


def completer_defauts(d: Donnees) -> Donnees:
    """Documented defaults: reference and object of the contract when left empty."""
    marche = d.setdefault("marche", {})
    a = d.get("acheteur", {})
    envoi = str(d.get("calendrier", {}).get("date_envoi_publication", ""))[:4]
    if not marche.get("reference") and a.get("code_insee") and envoi.isdigit():
        marche["reference"] = f"ETUDES-{envoi}-{a['code_insee']}"
    op = d.get("operation", {}).get("nom")
    commune = a.get("adresse", {}).get("commune")
    if not marche.get("objet") and op and commune:
        marche["objet"] = (f"Études pré-opérationnelles du projet « {op} » "
                           f"{avec_preposition(commune, 'à')}")
    return d


DEFAUTS_DOCUMENTES.update({
    "marche.reference": "ETUDES-<année d'envoi>-<code INSEE> si le champ est laissé vide",
    "marche.objet": "« Études pré-opérationnelles du projet « <nom> » à <commune> » si vide",
})


# --------------------------------------------------------------------------- dict → form


def _lire(d: Any, chemin: str) -> Any:
    for part in chemin.split("."):
        if isinstance(d, list):
            if not part.isdigit() or int(part) >= len(d):
                return None
            d = d[int(part)]
        elif isinstance(d, dict):
            d = d.get(part)
        else:
            return None
    return d


def _texte(valeur: Any, genre: str) -> str:
    if valeur is None:
        return ""
    if genre == "lignes":
        return "\n".join(str(v) for v in valeur) if isinstance(valeur, list) else str(valeur)
    if genre == "dateheure":
        return str(valeur).replace(" ", "T")[:16]
    if isinstance(valeur, bool):
        return "oui" if valeur else ""
    if isinstance(valeur, float) and valeur.is_integer():
        return str(int(valeur))
    return str(valeur)


@dataclass
class EtatFormulaire:
    """What the page shows: field texts, chosen studies, the tranche of each phase."""

    valeurs: dict[str, str] = field(default_factory=dict)
    etudes: list[str] = field(default_factory=list)
    tranche_de: dict[str, int] = field(default_factory=dict)  # "module/phase" → row
    complement: str = "{}"
    lignes_tranches: int = LIGNES_TRANCHES_MIN


def phases_de(donnees: Donnees, module: str) -> list[str]:
    """Phase codes of a chosen module: the project's own phases, or the catalogue's."""
    for e in donnees.get("etudes", []) or []:
        if isinstance(e, dict) and e.get("module") == module and isinstance(e.get("phases"), list):
            return [str(p.get("code")) for p in e["phases"] if isinstance(p, dict)]
    cat = catalogue()
    return [p.code for p in cat[module].phases] if module in cat else []


def formulaire_depuis_projet(donnees: Donnees) -> EtatFormulaire:
    etat = EtatFormulaire(complement=json.dumps(donnees, ensure_ascii=False,
                                                separators=(",", ":")))
    for c in TOUS_LES_CHAMPS:
        etat.valeurs[c.nom] = _texte(_lire(donnees, c.nom), c.genre)
    etat.etudes = [str(e.get("module")) for e in donnees.get("etudes", []) or []
                   if isinstance(e, dict)]
    tranches = [t for t in donnees.get("tranches", []) or [] if isinstance(t, dict)]
    # Rows are TF, TO1, TO2, TO3: an uploaded project's tranches go to the row of their code.
    for t in tranches:
        code = str(t.get("code", ""))
        ligne = 0 if code == "TF" else int(code[2:]) if re.fullmatch(r"TO\d+", code) else None
        if ligne is None or ligne >= LIGNES_TRANCHES:
            continue
        for attr in ("intitule", "montant_estime_ht", "delai_affermissement_mois"):
            nom = f"tranches.{ligne}.{attr}"
            if nom in PAR_NOM:
                etat.valeurs[nom] = _texte(t.get(attr), PAR_NOM[nom].genre)
        for ref in t.get("phases", []) or []:
            ref = str(ref)
            if "/" in ref:
                etat.tranche_de[ref] = ligne
            else:
                for p in phases_de(donnees, ref):
                    etat.tranche_de[f"{ref}/{p}"] = ligne
    utilisees = [i for i in range(LIGNES_TRANCHES) if etat.valeurs.get(f"tranches.{i}.intitule")]
    etat.lignes_tranches = min(LIGNES_TRANCHES, max(LIGNES_TRANCHES_MIN,
                                                    max(utilisees, default=0) + 2))
    if tranches:
        for i in range(LIGNES_TRANCHES):
            code = tranche_code(i)
            if not any(t.get("code") == code for t in tranches):
                for attr in ("intitule", "montant_estime_ht", "delai_affermissement_mois"):
                    etat.valeurs[f"tranches.{i}.{attr}"] = ""
    return etat


# --------------------------------------------------------------------------- form → dict


def nombre(texte: str, genre: str) -> Any:
    """A French-written number (« 45 000 », « 2,5 ») as int/float; the text when invalid, so
    that the model's French message names it."""
    brut = re.sub(r"[\s\u00a0\u202f€]", "", texte).replace(",", ".")
    try:
        d = Decimal(brut)
    except InvalidOperation:
        return texte
    if not d.is_finite():
        return texte
    if genre == "nombre" or d == d.to_integral_value():
        return int(d) if d == d.to_integral_value() else texte
    return float(d)


def _poser(d: Any, parts: Sequence[str], valeur: Any) -> None:
    for i, part in enumerate(parts):
        dernier = i == len(parts) - 1
        suivant_liste = not dernier and parts[i + 1].isdigit()
        if isinstance(d, list):
            k = int(part)
            while len(d) <= k:
                d.append({})
            if dernier:
                d[k] = valeur
                return
            if not isinstance(d[k], (dict, list)):
                d[k] = [] if suivant_liste else {}
            d = d[k]
        else:
            if dernier:
                if valeur is None:
                    d.pop(part, None)
                else:
                    d[part] = valeur
                return
            if not isinstance(d.get(part), (dict, list)):
                if valeur is None:
                    return
                d[part] = [] if suivant_liste else {}
            d = d[part]


def _valeur(c: Champ, texte: str) -> Any:
    texte = texte.replace("\r\n", "\n").strip()
    if c.genre == "lignes":
        lignes = [x.strip() for x in texte.split("\n") if x.strip()]
        return lignes or None
    if not texte:
        return None
    if c.genre in ("nombre", "decimal", "montant"):
        return nombre(texte, c.genre)
    return texte


def projet_depuis_formulaire(form: Mapping[str, Any], getlist: Any) -> Donnees:
    """The project dict described by a submitted form (``getlist(name)`` gives all values)."""
    try:
        base = json.loads(str(form.get("complement") or "{}"))
    except json.JSONDecodeError:
        base = {}
    d: Donnees = base if isinstance(base, dict) else {}
    anciens_criteres = list(d.get("criteres") or [])
    anciennes_tranches = {str(t.get("code")): t for t in d.get("tranches") or []
                          if isinstance(t, dict)}
    anciennes_etudes = {str(e.get("module")): e for e in d.get("etudes") or []
                        if isinstance(e, dict)}
    d["criteres"] = [dict(c) if isinstance(c, dict) else {} for c in anciens_criteres]
    d["tranches"] = []
    for c in TOUS_LES_CHAMPS:
        if c.nom.startswith("tranches."):
            continue
        _poser(d, c.nom.split("."), _valeur(c, str(form.get(c.nom, ""))))
    # Studies, in the order of the catalogue.
    cochees = [str(v) for v in getlist("etudes")]
    ordre = list(catalogue())
    # Studies: those already there keep their order (it is the CCTP's), new ones follow in
    # the order of the catalogue.
    nouvelles = sorted(set(cochees) - set(anciennes_etudes),
                       key=lambda k: (ordre.index(k) if k in ordre else 99, k))
    d["etudes"] = [e for k, e in anciennes_etudes.items() if k in cochees] + [
        {"module": k} for k in nouvelles]
    # Tranches: one row per code; phases from the tranche chosen for each phase.
    for i in range(LIGNES_TRANCHES):
        code = tranche_code(i)
        refs: list[str] = []
        for e in d["etudes"]:
            module = e["module"]
            phases = phases_de(d, module)
            lignes = [_ligne(form.get(f"tranche.{module}/{p}")) for p in phases]
            if phases and all(x == i for x in lignes):
                refs.append(module)
            else:
                refs += [f"{module}/{p}" for p, x in zip(phases, lignes, strict=True) if x == i]
        t: Donnees = dict(anciennes_tranches.get(code, {}))
        t["code"] = code
        avant = [str(r) for r in t.get("phases") or []]
        refs = [r for r in avant if r in refs] + [r for r in refs if r not in avant]
        for champ in ("intitule", "montant_estime_ht", "delai_affermissement_mois"):
            nom = f"tranches.{i}.{champ}"
            if nom in PAR_NOM:
                v = _valeur(PAR_NOM[nom], str(form.get(nom, "")))
                if v is None:
                    t.pop(champ, None)
                else:
                    t[champ] = v
        if refs:
            t["phases"] = refs
        else:
            t.pop("phases", None)
        if i == 0 or refs:
            if i and "intitule" not in t:
                t["intitule"] = f"Tranche optionnelle {i}"
            d["tranches"].append(t)
    d["criteres"] = [c for c in d["criteres"] if isinstance(c, dict) and c.get("nom")]
    for c in d["criteres"]:
        if isinstance(c.get("sous_criteres"), list):
            c["sous_criteres"] = [sc for sc in c["sous_criteres"]
                                  if isinstance(sc, dict) and sc.get("nom")]
            if not c["sous_criteres"]:
                del c["sous_criteres"]
    _nettoyer(d)
    return completer_defauts(d)


def _ligne(valeur: Any) -> int:
    try:
        return max(0, min(LIGNES_TRANCHES - 1, int(str(valeur))))
    except ValueError:
        return 0


def _nettoyer(d: Any) -> None:
    """Drop the empty dicts the form leaves (an empty optional sub-object)."""
    if isinstance(d, dict):
        for k in list(d):
            _nettoyer(d[k])
            if d[k] == {} and k not in ("contact",):
                del d[k]
    elif isinstance(d, list):
        for v in d:
            _nettoyer(v)
        d[:] = [v for v in d if v != {}]


def ligne_de_tranche(chemin: str, donnees: Donnees) -> str:
    """« tranches.1.montant_estime_ht » of the built list → the field of its row."""
    m = re.match(r"tranches\.(\d+)(.*)", chemin)
    if not m:
        return chemin
    tranches = donnees.get("tranches") or []
    k = int(m.group(1))
    if k < len(tranches) and isinstance(tranches[k], dict):
        code = str(tranches[k].get("code", ""))
        ligne = 0 if code == "TF" else int(code[2:]) if re.fullmatch(r"TO\d+", code) else k
        return f"tranches.{ligne}{m.group(2)}"
    return chemin


def yaml_du_projet(donnees: Donnees) -> str:
    """The project as a YAML file (what « Télécharger le projet » gives)."""
    entete = ("# Fichier projet cctp_builder, écrit par la page web.\n"
              "# cctp-builder validate FICHIER ; cctp-builder build FICHIER -o dce --zip\n")
    ordre = ["version", "acheteur", "operation", "etudes", "tranches", "montant_total_ht",
             "marche", "criteres", "notation", "calendrier", "pilotage"]
    trie = {k: donnees[k] for k in ordre if k in donnees}
    trie.update({k: v for k, v in donnees.items() if k not in trie})
    return entete + yaml.safe_dump(trie, allow_unicode=True, sort_keys=False, width=100)
