"""PDF conversion of Word documents through LibreOffice: one process per call, TOC refreshed.

Two ways, chosen per call:

* **UNO** (preferred): when the distribution's ``/usr/bin/python3`` can ``import uno``
  (Debian package ``python3-uno``), the script ``_uno_convert.py`` is run with it. It starts
  one private headless soffice, loads each document hidden, updates every document index
  (tables of contents) and the fields, and stores a PDF. This is the only way to get a
  table of contents with real page numbers: ``soffice --convert-to`` prints whatever cached
  text the TOC field holds.
* **Command line** (fallback): one ``soffice --headless --convert-to pdf --outdir …`` call
  with every document; the TOC keeps its cached text.

Either way LibreOffice runs with a throwaway profile, in its own process group, which is
killed on timeout or error: no soffice survives a call. PDFs are first written into a
private work folder, then moved into place once every document has converted, so a failed
call leaves no half-made set of PDFs (an older PDF at a destination stays as it was).

Set ``CCTP_BUILDER_PDF_UNO=0`` in the environment to force the command-line way.
"""

from __future__ import annotations

import functools
import json
import os
import secrets
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from cctp_builder._uno_convert import OPTIONS_SOFFICE, _kill_group
from cctp_builder.errors import ConversionPdfImpossible

__all__ = ["convertir_en_pdf", "soffice_disponible", "python_uno", "CONSEIL_INSTALLATION"]

#: The interpreter that has LibreOffice's ``uno`` module on Debian/Ubuntu (python3-uno).
PYTHON_SYSTEME = "/usr/bin/python3"
_HELPER = Path(__file__).with_name("_uno_convert.py")

CONSEIL_INSTALLATION = (
    "installez LibreOffice, par exemple : "
    "apt-get install libreoffice-writer-nogui python3-uno "
    "(ou lancez scripts/install-libreoffice.sh)"
)

_GRACE = 5.0  # seconds granted to a process group between SIGTERM and SIGKILL


def soffice_disponible() -> str | None:
    """Path of LibreOffice's ``soffice`` (or ``libreoffice``) on PATH, or None."""
    for name in ("soffice", "libreoffice"):
        found = shutil.which(name)
        if found:
            return found
    return None


@functools.lru_cache(maxsize=8)
def _python_a_uno(python: str) -> bool:
    if not os.access(python, os.X_OK):
        return False
    try:
        done = subprocess.run(
            [python, "-I", "-c", "import uno"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=30,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def python_uno() -> str | None:
    """The interpreter able to drive LibreOffice through UNO, or None (then: command line)."""
    if os.environ.get("CCTP_BUILDER_PDF_UNO", "").strip().lower() in {"0", "non", "no", "false"}:
        return None
    return PYTHON_SYSTEME if _python_a_uno(PYTHON_SYSTEME) else None


def convertir_en_pdf(
    docx_paths: Iterable[Path | str],
    out_dir: Path | str | None = None,
    *,
    timeout: float = 300,
) -> list[Path]:
    """Convert every document to PDF in ONE LibreOffice process; return the PDF paths.

    Each PDF is written beside its document (``a/b.docx`` → ``a/b.pdf``) or, when
    ``out_dir`` is given, into ``out_dir`` (created if needed). The list returned holds
    absolute paths, in the order of ``docx_paths``. Tables of contents are refreshed when the
    UNO way is available. ``timeout`` bounds the whole call, LibreOffice's start included.

    Raises ``ConversionPdfImpossible`` (French message) when LibreOffice is absent, fails,
    exceeds the timeout, or leaves a document without its PDF.
    """
    sources = [Path(p) for p in docx_paths]
    if not sources:
        return []
    for src in sources:
        if not src.is_file():
            raise ConversionPdfImpossible(f"Document à convertir en PDF introuvable : {src}")
    # Absolute, symlinks kept: a PDF goes beside the path the caller gave.
    sources = [Path(os.path.abspath(src)) for src in sources]
    destination_dir = Path(os.path.abspath(out_dir)) if out_dir is not None else None
    destinations = [(destination_dir or src.parent) / f"{src.stem}.pdf" for src in sources]
    _refuser_collisions(sources, destinations)

    soffice = soffice_disponible()
    if soffice is None:
        raise ConversionPdfImpossible(
            "LibreOffice (soffice) est introuvable : impossible de produire les PDF ; "
            + CONSEIL_INSTALLATION
            + "."
        )
    if destination_dir is not None:
        try:
            destination_dir.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise ConversionPdfImpossible(
                f"Impossible de créer le dossier des PDF {destination_dir} : {exc.strerror or exc}"
            ) from exc

    # One conversion per distinct document, in first-seen order.
    uniques: dict[Path, Path] = {}
    for src, dst in zip(sources, destinations, strict=True):
        uniques.setdefault(src, dst)

    try:
        work = Path(tempfile.mkdtemp(prefix="cctp-pdf-"))
    except OSError as exc:
        raise ConversionPdfImpossible(
            f"Impossible de créer un dossier temporaire pour LibreOffice : {exc.strerror or exc}"
        ) from exc
    try:
        python = python_uno()
        try:
            if python is not None:
                produits = _par_uno(python, soffice, list(uniques), work, timeout)
            else:
                produits = _par_ligne_de_commande(soffice, list(uniques), work, timeout)
        finally:
            # Safety net: any process still running with this call's private profile.
            _tuer_orphelins((work / "profile").as_uri())
        manquants = [
            src.name
            for src, pdf in produits.items()
            if not pdf.is_file() or pdf.stat().st_size == 0
        ]
        if manquants:
            noms = ", ".join(f"« {n} »" for n in manquants)
            raise ConversionPdfImpossible(
                f"LibreOffice n'a pas produit le PDF de {noms} "
                "(document illisible ou corrompu ?)."
                + _extrait_journal(work / "soffice.log")
            )
        for src, dst in uniques.items():
            _installer(produits[src], dst)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return destinations


# --------------------------------------------------------------------------- the two ways


def _par_uno(
    python: str, soffice: str, sources: list[Path], work: Path, timeout: float
) -> dict[Path, Path]:
    out = work / "out"
    out.mkdir()
    entrees = _copier_entrees(sources, work, noms_uniques=False)
    produits = {src: out / f"{k:04d}.pdf" for k, src in enumerate(sources)}
    pidfile = work / "soffice.pgid"
    job = {
        "soffice": soffice,
        "profile": (work / "profile").as_uri(),
        "pipe": f"cctp_builder_{os.getpid()}_{secrets.token_hex(6)}",
        "pidfile": str(pidfile),
        "log": str(work / "soffice.log"),
        "connect_timeout": max(5.0, min(120.0, float(timeout))),
        "documents": [[str(entrees[src]), str(pdf)] for src, pdf in produits.items()],
    }
    job_file = work / "job.json"
    job_file.write_text(json.dumps(job, ensure_ascii=False), encoding="utf-8")
    err_file = work / "helper.err"
    try:
        rc = _lancer(
            [python, "-I", str(_HELPER), str(job_file)], work, err_file, timeout, len(sources)
        )
    finally:
        # The helper kills its soffice itself; this covers a helper that was killed.
        _tuer_groupe_depuis(pidfile)
    if rc != 0:
        message = _lire(err_file).strip() or f"code de sortie {rc}"
        raise ConversionPdfImpossible(
            "La conversion PDF par LibreOffice a échoué :\n  "
            + message.replace("\n", "\n  ")
            + _extrait_journal(work / "soffice.log")
        )
    return produits


def _par_ligne_de_commande(
    soffice: str, sources: list[Path], work: Path, timeout: float
) -> dict[Path, Path]:
    out = work / "out"
    out.mkdir()
    entrees = _copier_entrees(sources, work, noms_uniques=True)
    produits = {src: out / f"{entrees[src].stem}.pdf" for src in sources}
    cmd = [
        soffice,
        *OPTIONS_SOFFICE,
        f"-env:UserInstallation={(work / 'profile').as_uri()}",
        "--convert-to",
        "pdf:writer_pdf_Export",
        "--outdir",
        str(out),
        *(str(entrees[src]) for src in sources),
    ]
    rc = _lancer(cmd, work, work / "soffice.log", timeout, len(sources))
    if rc != 0:
        raise ConversionPdfImpossible(
            f"LibreOffice s'est arrêté en erreur (code {rc}) pendant la conversion PDF."
            + _extrait_journal(work / "soffice.log")
        )
    return produits


# --------------------------------------------------------------------------- processes


def _environnement(work: Path) -> dict[str, str]:
    env = dict(os.environ)
    for var in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP"):
        env.pop(var, None)
    home = env.get("HOME", "")
    if not home or not os.path.isdir(home) or not os.access(home, os.W_OK | os.X_OK):
        fake_home = work / "home"
        fake_home.mkdir(exist_ok=True)
        env["HOME"] = str(fake_home)
    return env


def _lancer(cmd: list[str], work: Path, log: Path, timeout: float, n: int) -> int:
    """Run ``cmd`` in its own process group, output to ``log``; kill the group on timeout."""
    with open(log, "ab") as sortie:
        try:
            proc = subprocess.Popen(
                cmd,
                cwd=work,
                env=_environnement(work),
                stdin=subprocess.DEVNULL,
                stdout=sortie,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise ConversionPdfImpossible(
                f"Impossible de lancer LibreOffice ({cmd[0]}) : {exc.strerror or exc} ; "
                + CONSEIL_INSTALLATION
                + "."
            ) from exc
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _tuer_groupe(proc.pid, proc)
        pluriel = "s" if n > 1 else ""
        raise ConversionPdfImpossible(
            f"LibreOffice n'a pas terminé la conversion PDF de {n} document{pluriel} "
            f"dans le délai de {timeout:g} s ; il a été arrêté."
        ) from None
    finally:
        if proc.poll() is None:  # interrupted (KeyboardInterrupt…): leave nothing behind
            _tuer_groupe(proc.pid, proc)


def _tuer_groupe(pgid: int, proc: subprocess.Popen | None = None) -> None:
    """SIGTERM the process group, then SIGKILL what is left after a grace period."""
    if proc is not None:
        proc.poll()  # reap our own child so that it does not count as alive
    _kill_group(pgid, proc, _GRACE)


def _tuer_orphelins(marqueur: str) -> None:
    """SIGKILL every live process whose command line contains ``marqueur`` (Linux /proc)."""
    if not os.path.isdir("/proc"):
        return
    cle = marqueur.encode()
    with os.scandir("/proc") as entrees:  # closed even when a process vanishes mid-walk
        pids = [int(e.name) for e in entrees if e.name.isdigit()]
    for pid in pids:
        if pid == os.getpid():
            continue
        try:
            with open(f"/proc/{pid}/cmdline", "rb") as f:
                if cle not in f.read():
                    continue
            os.kill(pid, signal.SIGKILL)
        except (OSError, ValueError):
            continue


def _tuer_groupe_depuis(pidfile: Path) -> None:
    try:
        pgid = int(pidfile.read_text(encoding="ascii").strip())
    except (OSError, ValueError):
        return
    if pgid > 1:
        _tuer_groupe(pgid)


# --------------------------------------------------------------------------- files


def _copier_entrees(sources: list[Path], work: Path, *, noms_uniques: bool) -> dict[Path, Path]:
    """Copy each document into the work folder; LibreOffice opens the copies.

    LibreOffice drops a ``.~lock.NAME#`` file beside each document it opens, and it will
    not open a document that has one (left by a killed soffice or a desktop LibreOffice
    editing it). Working on copies keeps the user's folders clean and unlocked.
    With ``noms_uniques`` (one ``--outdir`` for every PDF), documents sharing a stem
    (lot1/CCTP.docx, lot2/CCTP.docx) get distinct names.
    """
    compte: dict[str, int] = {}
    for src in sources:
        compte[src.stem] = compte.get(src.stem, 0) + 1
    entrees: dict[Path, Path] = {}
    for k, src in enumerate(sources):
        nom = src.name
        if noms_uniques and compte[src.stem] > 1:
            nom = f"{src.stem}~{k:04d}{src.suffix}"
        dossier = work / "in" / f"{k:04d}"
        dossier.mkdir(parents=True)
        entree = dossier / nom
        try:
            shutil.copyfile(src, entree)
        except OSError as exc:
            raise ConversionPdfImpossible(
                f"Impossible de lire le document {src} : {exc.strerror or exc}"
            ) from exc
        entrees[src] = entree
    return entrees


def _refuser_collisions(sources: list[Path], destinations: list[Path]) -> None:
    vus: dict[Path, Path] = {}
    for src, dst in zip(sources, destinations, strict=True):
        autre = vus.setdefault(dst, src)
        if autre != src:
            raise ConversionPdfImpossible(
                f"« {autre} » et « {src} » donneraient le même PDF {dst} : "
                "convertissez-les dans des dossiers différents."
            )


def _installer(src: Path, dst: Path) -> None:
    """Move ``src`` to ``dst`` atomically (through a temporary file on another filesystem)."""
    try:
        os.replace(src, dst)
        return
    except OSError:
        pass
    tmp = dst.with_name(f".{dst.name}.{secrets.token_hex(4)}.tmp")
    try:
        shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise ConversionPdfImpossible(
            f"Impossible d'écrire le PDF {dst} : {exc.strerror or exc}"
        ) from exc


def _lire(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8", errors="replace")
    except OSError:
        return ""


def _extrait_journal(log: Path, lignes: int = 8) -> str:
    texte = [
        ligne
        for ligne in _lire(log).splitlines()
        if ligne.strip() and "javaldx" not in ligne  # harmless warning of every start
    ]
    if not texte:
        return ""
    return "\n  Journal de LibreOffice :\n    " + "\n    ".join(texte[-lignes:])


if __name__ == "__main__":  # pragma: no cover - manual check: python -m cctp_builder.pdf a.docx
    debut = time.perf_counter()
    for pdf in convertir_en_pdf([Path(a) for a in sys.argv[1:]]):
        print(pdf)
    print(f"{time.perf_counter() - debut:.2f} s", file=sys.stderr)
