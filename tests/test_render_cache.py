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
    entrees = list(cache.glob("*.bin"))
    assert len(entrees) == 1
    b = compile_fragment(modele, "f", styles)
    assert b.template.render(nom="A & B") == a.template.render(nom="A & B")
    assert "A &amp; B" in b.template.render(nom="A & B")
    modele.write_bytes(build_fragment("Au revoir {{ nom }}"))
    c = compile_fragment(modele, "f", styles)
    assert "Au revoir" in c.template.render(nom="x")
    assert len(list(cache.glob("*.bin"))) == 2


def test_cache_can_be_disabled_and_survives_corruption(tmp_path, monkeypatch):
    cache = tmp_path / "cache"
    modele = tmp_path / "f.docx"
    modele.write_bytes(build_fragment("Texte {{ nom }}"))
    monkeypatch.setenv("CCTP_BUILDER_CACHE", "0")
    compile_fragment(modele, "f", frozenset())
    assert not cache.exists()
    monkeypatch.setenv("CCTP_BUILDER_CACHE", str(cache))
    compile_fragment(modele, "f", frozenset())
    for entree in cache.glob("*.bin"):
        entree.write_bytes(b"corrompu")
    assert "Texte x" in compile_fragment(modele, "f", frozenset()).template.render(nom="x")


def test_second_process_reads_the_cache(tmp_path):
    env = {"CCTP_BUILDER_CACHE": str(tmp_path), "PATH": "/usr/bin:/bin"}
    code = ("from cctp_builder import load_project, render_piece;"
            "render_piece(load_project('examples/fontrousse-etude-de-capacite.yaml'), 'cctp')")
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=RACINE)
    n = len(list(tmp_path.glob("*.bin")))
    assert n > 10
    subprocess.run([sys.executable, "-c", code], check=True, env=env, cwd=RACINE)
    assert len(list(tmp_path.glob("*.bin"))) == n
