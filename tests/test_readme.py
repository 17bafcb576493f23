"""The README's library example runs as written (docs kept honest by a test)."""

from __future__ import annotations

import re
import shutil

from conftest import RACINE


def test_readme_python_example_runs(tmp_path, monkeypatch, capsys):
    readme = (RACINE / "README.md").read_text("utf-8")
    code = re.search(r"```python\n(.*?)```", readme, re.S).group(1)
    shutil.copytree(RACINE / "examples", tmp_path / "examples")
    monkeypatch.chdir(tmp_path)
    exec(compile(code, "README.md", "exec"), {})  # noqa: S102 - our own documentation
    sortie = capsys.readouterr().out
    assert "128000" in sortie and "04-CCTP.docx" in sortie
    assert (tmp_path / "dce" / "CHV-2026-03.zip").exists()
    assert "fontrousse-etude-de-capacite.yaml:" in sortie
