"""French lint (cctp_builder.lint_fr): each rule catches its fault, every example's kits
(complete and light) are clean, and so are property-generated projects whose data stress
elision, contraction, agreement and civility."""

from __future__ import annotations

import io
import zipfile

import pytest
from conftest import DISPENSE, EXEMPLES, MAPA, donnees
from hypothesis import HealthCheck, Phase, given, seed, settings
from hypothesis import strategies as st

from cctp_builder import load_project
from cctp_builder.francais import de
from cctp_builder.kit import render_kit
from cctp_builder.lint_fr import REGLES, verifier_docx, verifier_kit, verifier_texte
from cctp_builder.models import Consultation

FAUTES = {
    "accord-un": "Le marché comprend une tranche ferme et un tranche optionnelle.",
    "accord-une": "La mission dure une mois.",
    "elision-de": "La commune de Oraison prépare l'opération.",
    "contraction-de-le": "Le maire de Le Castellet signe le marché.",
    "contraction-a-le": "La réunion se tient à Les Mées.",
    "zero-compte": "Le marché prévoit 0 réunion du comité technique.",
    "un-pluriel": "Le marché comprend 1 tranches optionnelles.",
    "civilite-article": "Le madame la maire, signataire.",
    "mot-double": "La commune de de Fontrousse.",
    "espaces-doubles": "Le titulaire  remet le rapport.",
    "espace-point": "Phases 1 à 3 .",
    "espace-virgule": "Le titulaire , puis la commune.",
    "double-point": "Le rapport est remis..",
    "plan-guide": "Le plan guide du hameau.",
    "espace-insecable": "Objet : étude ; délai « court ».",
    "balise-jinja": "La commune {{ acheteur.nom }} consulte.",
    "valeur-python": "Représentant : None.",
}


def test_every_rule_has_a_fault_example_and_catches_it():
    assert {r.code for r in REGLES} == set(FAUTES)
    for code, phrase in FAUTES.items():
        trouvees = {r.code for r, _ in verifier_texte(phrase)}
        assert code in trouvees, (code, phrase)


@pytest.mark.parametrize("phrase", [
    "La commune d'Oraison et le maire du Castellet\u00a0; la réunion se tient aux Mées.",
    "Le marché comprend une tranche ferme et deux tranches optionnelles, aucune réunion.",
    "Le plan-guide est remis en 2 exemplaires\u00a0; montant\u00a0: 10 000,00 € HT.",
    "La commune renonce à les affermir\u00a0; nous nous réunissons\u00a0; vous vous engagez.",
    "Madame la Maire de Hautefort signe\u00a0; la maire de La Roque-d'Anthéron aussi.",
    "Téléphone\u00a0: 04 92 65 00 00. Délai\u00a0: 1,0 mois\u00a0; 10 réunions à 12:00.",
    "Voir https://achats.example.fr («\u00a0profil\u00a0»)\u00a0?",
])
def test_correct_french_passes(phrase):
    assert verifier_texte(phrase) == []


def _docx(paragraphes: list[str]) -> bytes:
    w = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
    corps = "".join(f"<w:p><w:r><w:t xml:space=\"preserve\">{p}</w:t></w:r></w:p>"
                    for p in paragraphes)
    tampon = io.BytesIO()
    with zipfile.ZipFile(tampon, "w") as z:
        z.writestr("word/document.xml", f'<w:document xmlns:w="{w}"><w:body>{corps}'
                                        "</w:body></w:document>")
    return tampon.getvalue()


def test_a_fault_is_reported_with_its_piece_and_paragraph():
    defauts = verifier_docx(_docx(["Objet.", "Bon texte.", "La commune de Oraison."]),
                            "01-RC.docx")
    assert [(d.piece, d.paragraphe, d.regle) for d in defauts] == [
        ("01-RC.docx", 3, "elision-de")]
    assert "01-RC.docx, paragraphe 3" in str(defauts[0])


@pytest.mark.parametrize("exemple", EXEMPLES, ids=lambda p: p.stem)
@pytest.mark.parametrize("forme", ["complet", "allege"])
def test_every_piece_of_every_example_is_clean(exemple, forme):
    kit = render_kit(load_project(exemple), kit=forme)
    defauts = verifier_kit(kit.fichiers)
    assert not defauts, "\n".join(map(str, defauts))


COMMUNES = st.one_of(
    st.sampled_from(["Oraison", "Eygalières", "Hyères", "Ubaye", "Île-Rousse", "Hautefort",
                     "Hazebrouck", "Le Castellet", "Les Mées", "La Roque-d'Anthéron",
                     "Le Haut-Bréda", "Les Orres", "L'Isle-sur-la-Sorgue", "Aups"]),
    st.tuples(st.sampled_from(["", "Le ", "La ", "Les "]),
              st.sampled_from(["A", "E", "H", "O", "U", "Y", "É", "B", "M", "V"]),
              st.text(alphabet="abcdefghijlmnoprstuvéè", min_size=2, max_size=9))
    .map(lambda t: f"{t[0]}{t[1]}{t[2]}"),
)


@st.composite
def projets(draw) -> Consultation:
    data = donnees(MAPA)
    commune = draw(COMMUNES)
    data["acheteur"]["nom"] = f"Commune {de(commune)}"
    data["acheteur"]["adresse"]["commune"] = commune
    civilite = draw(st.sampled_from([None, "Madame", "Monsieur", "dans la qualité"]))
    representant = {"qualite": draw(st.sampled_from(["Maire", "Président", "Adjoint"]))}
    if civilite == "dans la qualité":  # « qualite: Madame la Maire » as users write it
        representant["qualite"] = f"Madame la {representant['qualite']}"
    elif civilite:
        representant["civilite"] = civilite
    if draw(st.booleans()):
        representant["nom"] = "Claire Martin"
    data["acheteur"]["representant"] = representant
    n_to = draw(st.integers(0, 2))
    phases = [p for t in data["tranches"] for p in t["phases"]]
    tranches = [{"code": "TF", "intitule": "Diagnostic et scénarios",
                 "montant_estime_ht": draw(st.sampled_from([18000, 45000, 120000])),
                 "phases": phases[: len(phases) - n_to]}]
    for i in range(1, n_to + 1):
        tranches.append({"code": f"TO{i}", "intitule": f"Approfondissement {i}",
                         "montant_estime_ht": 9000, "delai_affermissement_mois": 6,
                         "phases": [phases[len(phases) - n_to + i - 1]]})
    data["tranches"] = tranches
    data.pop("montant_total_ht", None)
    data["marche"].pop("procedure", None)
    for instance in ("copil", "cotech"):
        data["pilotage"][instance]["nombre_reunions"] = draw(st.sampled_from([0, 1, 2, 5]))
    return Consultation.model_validate(data)


@seed(20261129)
@settings(max_examples=20, deadline=None, derandomize=True,
          phases=[Phase.explicit, Phase.reuse, Phase.generate],
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(projets(), st.sampled_from(["complet", "allege"]))
def test_generated_projects_give_clean_french(projet, forme):
    kit = render_kit(projet, kit=forme)
    defauts = verifier_kit(kit.fichiers)
    assert not defauts, "\n".join(map(str, defauts))


def test_light_kit_of_the_dispense_example_has_no_leftover_markers_but_the_deliberate_ones():
    kit = render_kit(load_project(DISPENSE))
    assert set(kit.fichiers) == {"01-Lettre-de-consultation.docx", "02-Cahier-des-charges.docx",
                                 "03-Devis.xlsx"}
    assert not verifier_kit(kit.fichiers)


def test_validate_lists_the_french_faults_the_data_causes(runner, tmp_path):
    from conftest import ecrire

    from cctp_builder.cli import main

    data = donnees(DISPENSE)
    data["acheteur"]["nom"] = "Commune de Oraison"
    res = runner.invoke(main, ["validate", str(ecrire(tmp_path, data))])
    assert res.exit_code == 0  # a warning, not an error
    assert "français : 01-Lettre-de-consultation.docx, paragraphe" in res.output
    assert "« de Oraison »" in res.output


@pytest.mark.parametrize(("nom", "de_nom", "a_nom"), [
    ("Oraison", "d'Oraison", "à Oraison"),
    ("Eygalières", "d'Eygalières", "à Eygalières"),
    ("Le Castellet", "du Castellet", "au Castellet"),
    ("Les Mées", "des Mées", "aux Mées"),
    ("La Roque-d'Anthéron", "de La Roque-d'Anthéron", "à La Roque-d'Anthéron"),
    ("Hyères", "d'Hyères", "à Hyères"),
    ("Hautefort", "de Hautefort", "à Hautefort"),
    ("Hauteville-Lompnes", "de Hauteville-Lompnes", "à Hauteville-Lompnes"),
    ("Fontrousse", "de Fontrousse", "à Fontrousse"),
])
def test_elision_and_contraction_before_names(nom, de_nom, a_nom):
    from cctp_builder.render.filters import a, de

    assert de(nom) == de_nom
    assert a(nom) == a_nom


@pytest.mark.parametrize(("n", "attendu"), [
    (0, "aucune tranche optionnelle"), (1, "une tranche optionnelle"),
    (2, "deux tranches optionnelles"), (21, "21 tranches optionnelles"),
])
def test_counted_nouns_agree(n, attendu):
    from cctp_builder.render.filters import compte

    assert compte(n, "tranche optionnelle", genre="f") == attendu
    assert compte(0, "exemplaire papier", "exemplaires papier") == "aucun exemplaire papier"


def test_schema_describes_every_model_in_french():
    import json
    import re

    from cctp_builder.models.libelles import DESCRIPTIONS_MODELES
    from cctp_builder.schema import schema

    s = schema()
    assert set(s["$defs"]) <= set(DESCRIPTIONS_MODELES), "modèle sans description française"

    def descriptions(o):
        if isinstance(o, dict):
            for k, v in o.items():
                if k == "description" and isinstance(v, str):
                    yield v
                else:
                    yield from descriptions(v)
        elif isinstance(o, list):
            for v in o:
                yield from descriptions(v)

    anglais = [d for d in descriptions(s)
               if re.search(r"\b(?:the|of|and|with|when|or|is|an)\b", d)]
    assert not anglais, json.dumps(anglais, ensure_ascii=False)


def test_one_label_per_marker_in_every_template_and_in_validate():
    import re

    from conftest import RACINE

    from cctp_builder.models.libelles import REPERES

    vus: dict[str, set[str]] = {}
    for f in (RACINE / "templates_src").rglob("*.txt"):
        for expr, libelle in re.findall(r"([\w.\[\]]+)\|ac\(\"([^\"]*)\"\)", f.read_text()):
            vus.setdefault(expr.split(".")[-1] if expr.startswith(("t.", "s.", "d."))
                           else expr, set()).add(libelle)
    doubles = {e: ls for e, ls in vus.items() if len(ls) > 1 and e != "none"}
    assert not doubles, doubles
    for chemin, libelle in REPERES.items():
        cle = chemin.split(".")[-1] if chemin.startswith("tranches.") else chemin
        if cle in vus:
            assert vus[cle] == {libelle}, (chemin, vus[cle], libelle)
