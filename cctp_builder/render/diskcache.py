"""On-disk cache of compiled fragments, shared by processes (CLI runs, ``-j N`` workers).

A fragment's patched XML and its compiled jinja code are stored under a key made of the
template file's SHA-256, the base's style ids and the versions of cctp_builder, jinja2 and
docxtpl: editing a template, the base or a dependency gives a new key, so a stale entry is
never read.

An entry is a JSON header (plain data) and the marshalled code object jinja compiled,
bound to its key by a SHA-256 checked before anything is decoded. Nothing is unpickled.
An entry is read only from a folder and a file that belong to the current user and that
nobody else may write (mode 0700 folder, created so); anything else disables the cache.
The cache is bounded (``TAILLE_MAX`` bytes, ``ENTREES_MAX`` entries): the least recently
used entries are evicted. Writes are atomic (temporary file then ``os.replace``); any I/O
problem simply disables the cache.

``CCTP_BUILDER_CACHE`` chooses the folder (``0`` disables the cache); by default the
user cache folder of ``platformdirs`` (``~/.cache/cctp_builder/modeles`` on Linux).
"""

from __future__ import annotations

import hashlib
import json
import marshal
import os
import stat
import sys
import types
from importlib import metadata
from pathlib import Path
from typing import Any

import jinja2
import platformdirs

from .._version import __version__
from ..ecriture import ecrire_atomiquement

# docxtpl's version from its metadata: importing it would import python-docx (a tenth of the
# start-up) when every fragment comes from this cache.
_VERSIONS = (f"{__version__}|{jinja2.__version__}|{metadata.version('docxtpl')}|"
             f"{sys.version_info[:2]}")
_MAGIE = b"CCTP-CACHE-2\n"
_SUFFIXE = ".cache"
TAILLE_MAX = 64 * 1024 * 1024
ENTREES_MAX = 2000
ENTREE_MAX = 16 * 1024 * 1024


def dossier_cache() -> Path | None:
    """The cache folder, or None when the cache is disabled."""
    choix = os.environ.get("CCTP_BUILDER_CACHE")
    if choix == "0":
        return None
    if choix:
        return Path(choix)
    return Path(platformdirs.user_cache_dir("cctp_builder", appauthor=False)) / "modeles"


def cle(contenu: bytes, name: str, style_ids: frozenset[str]) -> str:
    h = hashlib.sha256(contenu)
    h.update(name.encode())
    h.update("\x00".join(sorted(style_ids)).encode())
    h.update(_VERSIONS.encode())
    return h.hexdigest()


def _a_nous(st: os.stat_result) -> bool:
    """Owned by the current user and writable by nobody else."""
    if not hasattr(os, "getuid"):  # pragma: no cover - Windows: per-user profile folder
        return True
    return st.st_uid == os.getuid() and not st.st_mode & (stat.S_IWGRP | stat.S_IWOTH)


def _dossier_sur(dossier: Path, creer: bool) -> bool:
    try:
        if creer:
            dossier.mkdir(mode=0o700, parents=True, exist_ok=True)
        st = os.lstat(dossier)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and _a_nous(st)


def _empreinte(cle_: str, corps: bytes) -> bytes:
    return hashlib.sha256(cle_.encode("ascii") + b"\x00" + corps).digest()


def lire(cle_: str) -> dict[str, Any] | None:
    """The cached entry (with the jinja code object under ``code``), or None."""
    dossier = dossier_cache()
    if dossier is None or not _dossier_sur(dossier, creer=False):
        return None
    try:
        fd = os.open(dossier / f"{cle_}{_SUFFIXE}", os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0)
                     | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        with os.fdopen(fd, "rb") as f:
            st = os.fstat(f.fileno())
            if not stat.S_ISREG(st.st_mode) or not _a_nous(st) or st.st_size > ENTREE_MAX:
                return None
            data = f.read(ENTREE_MAX + 1)
        if not data.startswith(_MAGIE):
            return None
        empreinte, corps = data[len(_MAGIE): len(_MAGIE) + 32], data[len(_MAGIE) + 32:]
        if empreinte != _empreinte(cle_, corps) or len(corps) < 4:
            return None
        n = int.from_bytes(corps[:4], "big")
        entete = json.loads(corps[4: 4 + n].decode("utf-8"))
        if not isinstance(entete, dict) or entete.get("cle") != cle_:
            return None
        code = marshal.loads(corps[4 + n:])
        if not isinstance(code, types.CodeType):
            return None
        os.utime(dossier / f"{cle_}{_SUFFIXE}")  # least recently used goes first
    except (OSError, ValueError, EOFError, TypeError, UnicodeDecodeError):
        return None
    return {**entete, "code": code}


def ecrire(cle_: str, entete: dict[str, Any], code: Any) -> None:
    """Store an entry atomically; silently give up when the folder is not usable."""
    dossier = dossier_cache()
    if dossier is None or not _dossier_sur(dossier, creer=True):
        return
    try:
        tete = json.dumps({**entete, "cle": cle_}, ensure_ascii=False).encode("utf-8")
        corps = len(tete).to_bytes(4, "big") + tete + marshal.dumps(code)
        if len(corps) > ENTREE_MAX:
            return
        ecrire_atomiquement(dossier / f"{cle_}{_SUFFIXE}",
                            _MAGIE + _empreinte(cle_, corps) + corps, mode=0o600, durable=False)
        evincer(dossier)
    except (OSError, ValueError, TypeError):
        pass


def evincer(dossier: Path, taille_max: int = TAILLE_MAX, entrees_max: int = ENTREES_MAX) -> None:
    """Remove the least recently used entries until the cache is within its bounds
    (down to three quarters of them, so that eviction is not run at every write)."""
    try:
        entrees = []
        with os.scandir(dossier) as it:
            for e in it:
                if e.name.endswith(_SUFFIXE) and e.is_file(follow_symlinks=False):
                    st = e.stat(follow_symlinks=False)
                    entrees.append((st.st_mtime_ns, st.st_size, e.path))
    except OSError:
        return
    total = sum(t for _, t, _ in entrees)
    if total <= taille_max and len(entrees) <= entrees_max:
        return
    entrees.sort()
    while entrees and (total > taille_max * 3 // 4 or len(entrees) > entrees_max * 3 // 4):
        _, taille, chemin = entrees.pop(0)
        try:
            os.unlink(chemin)
        except OSError:
            continue
        total -= taille
