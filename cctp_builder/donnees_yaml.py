"""Reading the package's YAML data files (rules, study catalogue) with libyaml when present.

PyYAML's pure-Python parser takes a quarter of a second on ``regles.yaml``; its C binding
(libyaml) takes a few milliseconds. Same safe loader, same values.
"""

from __future__ import annotations

from typing import Any

import yaml

CHARGEUR: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""The safe YAML loader, in C when libyaml is available."""


def lire_yaml(texte: str) -> Any:
    """``yaml.safe_load`` through libyaml: plain data only (no Python objects)."""
    return yaml.load(texte, Loader=CHARGEUR)  # noqa: S506 - CHARGEUR is a safe loader


__all__ = ["CHARGEUR", "lire_yaml"]
