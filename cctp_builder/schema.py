"""JSON Schema of the project file."""

from __future__ import annotations

import json
from typing import Any

from .models import Consultation
from .models.libelles import DESCRIPTIONS_MODELES


def schema() -> dict[str, Any]:
    """The JSON Schema of a project file, for editors (yaml-language-server)."""
    s = Consultation.model_json_schema()
    for nom, definition in s.get("$defs", {}).items():
        if nom in DESCRIPTIONS_MODELES:  # French, for editors; docstrings stay in English
            definition["description"] = DESCRIPTIONS_MODELES[nom]
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://cctp-builder.example/schema-projet.json",
        "title": "Fichier projet cctp_builder",
        "description": "Description d'une consultation pour études pré-opérationnelles "
                       "(voir README).",
        **{k: v for k, v in s.items() if k not in ("title", "description")},
    }


def schema_json() -> str:
    return json.dumps(schema(), ensure_ascii=False, indent=2) + "\n"
