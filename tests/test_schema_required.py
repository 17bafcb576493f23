"""Derived from the JSON Schema: removing any required field is rejected with its path."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import yaml
from conftest import RICHE, donnees, modifier

from cctp_builder.cli import main
from cctp_builder.schema import schema

SCHEMA = schema()


def _resoudre(s: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in s:
        return _resoudre(SCHEMA["$defs"][s["$ref"].split("/")[-1]])
    for cle in ("anyOf", "oneOf", "allOf"):
        if cle in s:
            for option in s[cle]:
                r = _resoudre(option)
                if r.get("type") in ("object", "array") or "properties" in r:
                    return r
    return s


def _requis(s: dict[str, Any], data: Any, chemin: tuple) -> Iterator[tuple]:
    s = _resoudre(s)
    if isinstance(data, dict):
        for cle in s.get("required", []):
            if cle in data:
                yield (*chemin, cle)
        for cle, sous in s.get("properties", {}).items():
            if cle in data:
                yield from _requis(sous, data[cle], (*chemin, cle))
    elif isinstance(data, list) and data and "items" in s:
        yield from _requis(s["items"], data[0], (*chemin, 0))


CHAMPS = list(_requis(SCHEMA, donnees(RICHE), ()))


def test_schema_lists_required_fields():
    assert len(CHAMPS) >= 25
    assert ("acheteur", "code_insee") in CHAMPS and ("calendrier", "date_limite_remise") in CHAMPS


@pytest.mark.parametrize("chemin", CHAMPS, ids=lambda c: ".".join(map(str, c)))
def test_removing_a_required_field_is_rejected(runner, tmp_path, chemin):
    data = modifier(donnees(RICHE), chemin, supprimer=True)
    fichier = tmp_path / "p.yaml"
    fichier.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), "utf-8")
    res = runner.invoke(main, ["validate", str(fichier)])
    assert res.exit_code == 1
    assert ".".join(map(str, chemin)) in res.output
    assert "Traceback" not in res.output
