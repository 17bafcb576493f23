"""The on-disk cache of compiled fragments: reused across processes, keyed by content."""

from __future__ import annotations

import subprocess
import sys

from conftest import RACINE

from cctp_builder.render import build_fragment
from cctp_builder.render.compiler import compile_fragment


def test_cache_entry_written_reused_and_invalidated(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    monkeypatch.setenv("CCTP_BUILDER_CACHE", str(cache))
    modele = tmp_path / "f.docx"
    modele.write_bytes(build_fragment("Bonjour {{ nom }}"))
    styles = frozenset({"Corpsdetexte"})
    a = compile_fragment(modele, "f", styles)
    entrees = list(cache.glob("*.cache"))
    assert len(entrees) == 1
    b = compile_fragment(modele, "f", styles)
    assert b.template.render(nom="A & B") == a.template.render(nom="A & B")
    assert "A &amp; B" in b.template.render(nom="A & B")
    modele.write_bytes(build_fragment("Au revoir {{ nom }}"))
    c = compile_fragment(modele, "f", styles)
    assert "Au revoir" in c.template.render(nom="x")
    assert len(list(cache.glob("*.cache"))) == 2


def test_cache_can_be_disabled_and_survives_corruption(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    modele = tmp_path / "f.docx"
    modele.write_bytes(build_fragment("Texte {{ nom }}"))
    monkeypatch.setenv("CCTP_BUILDER_CACHE", "0")
    compile_fragment(modele, "f", frozenset())
    assert not cache.exists()
    monkeypatch.setenv("CCTP_BUILDER_CACHE", str(cache))
    compile_fragment(modele, "f", frozenset())
    for entree in cache.glob("*.cache"):
        entree.write_bytes(b"corrompu")
    assert "Texte x" in compile_fragment(modele, "f", frozenset()).template.render(nom="x")


def test_second_process_reads_the_cache(tmp_path):
    """The second process renders with compilation made impossible: it can only succeed by
    reading every fragment from the cache the first one wrote."""
    env = {"CCTP_BUILDER_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = ("from cctp_builder import load_project, render_piece;"
            "render_piece(load_project('examples/fontrousse-etude-de-capacite.yaml'), 'cctp')")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=RACINE)
    n = len(list(tmp_path.glob("*.cache")))
    assert n > 10
    sans_compilation = ("import cctp_builder.render.compiler as c\n"
                        "def interdit(*a, **k):\n    raise SystemExit('compilé : cache non lu')\n"
                        "c._compile_fragment = interdit\n" + code)
    fini = subprocess.run([sys.executable, "-c", sans_compilation], env=env, cwd=RACINE,
                          capture_output=True, text=True)
    assert fini.returncode == 0, fini.stderr
    assert len(list(tmp_path.glob("*.cache"))) == n


def test_cache_refuses_foreign_or_tampered_entries(tmp_path, monkeypatch):
    """An entry whose bytes do not match its key, or a folder others may write, is never
    decoded: the fragment is compiled again."""
    import os

    from cctp_builder.render import diskcache

    cache = tmp_path / "cache"
    monkeypatch.setenv("CCTP_BUILDER_CACHE", str(cache))
    modele = tmp_path / "f.docx"
    modele.write_bytes(build_fragment("Texte {{ nom }}"))
    compile_fragment(modele, "f", frozenset())
    (entree,) = cache.glob("*.cache")
    cle_ = entree.name.removesuffix(".cache")
    assert diskcache.lire(cle_) is not None
    data = bytearray(entree.read_bytes())
    data[-5] ^= 0xFF  # the marshalled code changed: the digest no longer matches
    entree.write_bytes(bytes(data))
    assert diskcache.lire(cle_) is None
    compile_fragment(modele, "f", frozenset())
    assert diskcache.lire(cle_) is not None
    os.chmod(cache, 0o777)  # a folder anybody may write: not trusted
    assert diskcache.lire(cle_) is None
    os.chmod(cache, 0o700)
    assert diskcache.lire(cle_) is not None
    assert not any(b"pickle" in p.read_bytes()[:20] for p in cache.glob("*.cache"))


def test_cache_is_bounded_and_evicts_the_least_recently_used(tmp_path, monkeypatch):
    import os

    from cctp_builder.render import diskcache

    cache = tmp_path / "cache"
    monkeypatch.setenv("CCTP_BUILDER_CACHE", str(cache))
    for i in range(12):
        modele = tmp_path / f"f{i}.docx"
        modele.write_bytes(build_fragment(f"Texte {i} {{{{ nom }}}}"))
        compile_fragment(modele, f"f{i}", frozenset())
    entrees = sorted(cache.glob("*.cache"))
    assert len(entrees) == 12
    for age, chemin in enumerate(entrees):  # entrees[0] is the least recently used
        os.utime(chemin, ns=(10**18 + age * 10**9, 10**18 + age * 10**9))
    diskcache.evincer(cache, taille_max=10**9, entrees_max=8)
    assert sorted(cache.glob("*.cache")) == entrees[6:]
    taille = sum(p.stat().st_size for p in entrees[6:])
    diskcache.evincer(cache, taille_max=taille // 2, entrees_max=100)
    assert sum(p.stat().st_size for p in cache.glob("*.cache")) <= taille // 2
