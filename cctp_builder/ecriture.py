"""The one way the package writes a file for the user: atomically and exclusively.

The bytes go to a new temporary file beside the target (unpredictable name, created with
``O_EXCL`` and ``O_NOFOLLOW``, so never through an existing file or link), are flushed, then
renamed over the target: a reader sees the old file or the new one, never half of one, and an
interruption leaves no half-written file behind. Permissions follow the umask (0666 & ~umask),
as for any file the user creates.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

_FLAGS = (os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
          | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_BINARY", 0))


def temporaire_a_cote(cible: Path) -> Path:
    """A fresh hidden name beside ``cible`` (same folder, so the final rename is atomic);
    ``.<nom>.tmp-<pid>-…``, the pattern the kit's clean-up of interrupted builds knows."""
    return cible.with_name(f".{cible.name}.tmp-{os.getpid()}-{secrets.token_hex(6)}")


def creer_exclusivement(chemin: Path, data: bytes, *, mode: int = 0o666,
                        durable: bool = True) -> None:
    """Create ``chemin`` with ``data``: never through an existing file or link; ``mode``
    less the umask; flushed to the disk unless ``durable`` is false (a cache)."""
    fd = os.open(chemin, _FLAGS, mode)
    with os.fdopen(fd, "wb") as f:
        f.write(data)
        if durable:
            f.flush()
            os.fsync(f.fileno())


def preparer_a_cote(cible: Path, data: bytes, *, mode: int = 0o666,
                    durable: bool = True) -> Path:
    """The first half of an atomic write: ``data`` in a new temporary file beside ``cible``,
    to be renamed over it (``os.replace``) when the caller is ready."""
    tmp = temporaire_a_cote(cible)
    try:
        creer_exclusivement(tmp, data, mode=mode, durable=durable)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return tmp


def ecrire_atomiquement(cible: str | Path, data: bytes, *, mode: int = 0o666,
                        durable: bool = True) -> Path:
    """Write ``data`` to ``cible`` atomically (see the module); return ``cible``."""
    cible = Path(cible)
    tmp = preparer_a_cote(cible, data, mode=mode, durable=durable)
    try:
        os.replace(tmp, cible)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return cible


__all__ = ["creer_exclusivement", "ecrire_atomiquement", "preparer_a_cote", "temporaire_a_cote"]
