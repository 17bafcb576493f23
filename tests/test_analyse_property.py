"""Property tests of the scoring: whatever the prices and appreciations, the notes follow the
RC's formula, stay within the weights, and the ranking follows the totals and the tie rule."""

from __future__ import annotations

from decimal import Decimal

from conftest import RICHE, donnees, ecrire
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from cctp_builder import AnalyseImpossible, Offres, OffresInvalides, analyser_offres, load_project
from cctp_builder.analyse.notation import bareme, unites

PROJET = load_project(RICHE)
ECHELLE = list(bareme(PROJET.notation))
UNITES = unites(PROJET)
CODES = [t.code for t in PROJET.tranches]


def _offre(i: int, prix: list[int], appreciations: list[str]) -> dict:
    notes = {}
    it = iter(appreciations)
    for u in UNITES:
        if u.par_elements:
            notes[u.nom] = {"appreciations": [next(it) for _ in u.elements], "commentaire": "c"}
        else:
            notes[u.nom] = {"appreciation": next(it), "commentaire": "c"}
    return {
        "candidat": {"nom": f"Candidat {i}", "email": f"c{i}@exemple.fr",
                     "adresse": {"ligne": "1 rue", "code_postal": "04000", "commune": "Digne"}},
        "recue_le": "2027-01-10T10:00:00",
        "prix": dict(zip(CODES, prix, strict=True)),
        "notes": notes,
    }


N_APPRECIATIONS = sum(len(u.elements) if u.par_elements else 1 for u in UNITES)
offre = st.tuples(st.lists(st.integers(1000, 400_000), min_size=len(CODES), max_size=len(CODES)),
                  st.lists(st.sampled_from(ECHELLE), min_size=N_APPRECIATIONS,
                           max_size=N_APPRECIATIONS))


@settings(max_examples=60, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(offre, min_size=1, max_size=6))
def test_scores_follow_the_rc(offres):
    modele = Offres.model_validate({"reference": PROJET.marche.reference, "offres": [
        _offre(i, p, a) for i, (p, a) in enumerate(offres)]})
    try:
        analyse = analyser_offres(PROJET, modele)
    except AnalyseImpossible as exc:  # an exact tie the RC's rule cannot break
        assert "égalité" in str(exc)
        return
    classement = analyse.classement
    assert len(classement) == len(offres)
    nmax = analyse.nmax_prix
    pmin = min(r.prix_compare for r in classement)
    for r in classement:
        assert Decimal(0) < r.note_prix <= nmax
        if r.prix_compare == pmin:
            assert r.note_prix == nmax
        for n in r.notes:
            assert n.note <= n.critere.poids
            for d in n.details:
                assert Decimal(0) <= d.note <= d.unite.poids
        assert r.total == sum(n.note for n in r.notes)
        assert r.total <= 100
    cles = [(r.total, r.note(analyse.departage).note) for r in classement]
    assert cles == sorted(cles, reverse=True)
    assert [r.rang for r in classement] == sorted(r.rang for r in classement)
    assert classement[0].rang == 1


@settings(max_examples=30, deadline=None, derandomize=True)
@given(st.lists(st.integers(1000, 400_000), min_size=2, max_size=5))
def test_linear_method_floors_at_zero(tmp_path_factory, prix):
    data = donnees(RICHE)
    data["notation"]["methode_prix"] = "lineaire"
    projet = load_project(ecrire(tmp_path_factory.mktemp("p"), data))
    appreciations = [ECHELLE[0]] * N_APPRECIATIONS
    modele = Offres.model_validate({"reference": projet.marche.reference, "offres": [
        _offre(i, [p] + [1000] * (len(CODES) - 1), appreciations) for i, p in enumerate(prix)]})
    try:
        analyse = analyser_offres(projet, modele)
    except AnalyseImpossible as exc:
        assert "égalité" in str(exc)
        return
    pmin = min(r.prix_compare for r in analyse.classement)
    for r in analyse.classement:
        attendu = max(Decimal(0), 35 * (1 - (r.prix_compare - pmin) / pmin))
        assert abs(r.note_prix - attendu) <= Decimal("0.005")
        if r.prix_compare >= 2 * pmin:
            assert r.note_prix == 0


def test_model_given_in_python_is_checked_like_a_file():
    data = {"reference": PROJET.marche.reference,
            "offres": [_offre(0, [1000] * len(CODES), [ECHELLE[0]] * N_APPRECIATIONS)]}
    data["offres"][0]["notes"].pop(UNITES[0].nom)
    try:
        analyser_offres(PROJET, Offres.model_validate(data))
    except OffresInvalides as exc:
        assert "appréciation manquante" in str(exc)
    else:
        raise AssertionError("un sous-critère manquant doit être refusé")
