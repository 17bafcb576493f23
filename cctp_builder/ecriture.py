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
    """A fresh hidden name beside ``cible`` (same folder, so the final rename is atomic)."""
    return cible.with_name(f".{cible.name}.{os.getpid()}-{secrets.token_hex(6)}.tmp")


def ecrire_atomiquement(cible: str | Path, data: bytes) -> Path:
    """Write ``data`` to ``cible`` atomically (see the module); return ``cible``."""
    cible = Path(cible)
    tmp = temporaire_a_cote(cible)
    fd = os.open(tmp, _FLAGS, 0o666)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, cible)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return cible


__all__ = ["ecrire_atomiquement", "temporaire_a_cote"]
