"""On-disk cache of compiled fragments, shared by processes (CLI runs, ``-j N`` workers).

A fragment's patched XML and its compiled jinja code are stored under a key made of the
template file's SHA-256, the base's style ids and the versions of cctp_builder, jinja2 and
docxtpl: editing a template, the base or a dependency gives a new key, so a stale entry is
never read. Writes are atomic (temporary file then ``os.replace``); any I/O problem simply
disables the cache. ``CCTP_BUILDER_CACHE`` chooses the folder (``0`` disables the cache);
by default ``$XDG_CACHE_HOME/cctp_builder`` or ``~/.cache/cctp_builder``.
"""

from __future__ import annotations

import hashlib
import marshal
import os
import pickle
import sys
import tempfile
from pathlib import Path
from typing import Any

import docxtpl
import jinja2

from .._version import __version__

_VERSIONS = f"{__version__}|{jinja2.__version__}|{docxtpl.__version__}|{sys.version_info[:2]}"


def dossier_cache() -> Path | None:
    """The cache folder, or None when the cache is disabled."""
    choix = os.environ.get("CCTP_BUILDER_CACHE")
    if choix == "0":
        return None
    if choix:
        return Path(choix)
    racine = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(racine) / "cctp_builder" / "modeles"


def cle(contenu: bytes, name: str, style_ids: frozenset[str]) -> str:
    h = hashlib.sha256(contenu)
    h.update(name.encode())
    h.update("\x00".join(sorted(style_ids)).encode())
    h.update(_VERSIONS.encode())
    return h.hexdigest()


def lire(cle_: str) -> dict[str, Any] | None:
    """The cached entry (with the jinja code object under ``code``), or None."""
    dossier = dossier_cache()
    if dossier is None:
        return None
    try:
        with open(dossier / f"{cle_}.bin", "rb") as f:
            entete = pickle.load(f)
            code = marshal.load(f)
    except (OSError, EOFError, ValueError, TypeError, pickle.UnpicklingError):
        return None
    if not isinstance(entete, dict):
        return None
    return {**entete, "code": code}


def ecrire(cle_: str, entete: dict[str, Any], code: Any) -> None:
    """Store an entry atomically; silently give up when the folder is not writable."""
    dossier = dossier_cache()
    if dossier is None:
        return
    try:
        dossier.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=dossier, prefix=".tmp-")
        with os.fdopen(fd, "wb") as f:
            pickle.dump(entete, f, protocol=pickle.HIGHEST_PROTOCOL)
            marshal.dump(code, f)
        os.replace(tmp, dossier / f"{cle_}.bin")
    except OSError:
        try:
            os.unlink(tmp)
        except (OSError, UnboundLocalError):
            pass
