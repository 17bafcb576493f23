"""Convert Word documents to PDF through a private LibreOffice, refreshing tables of contents.

This is a standalone script, run by the distribution's interpreter (``/usr/bin/python3``),
which is the one that has the ``uno`` module (Debian package ``python3-uno``). It must not
import ``cctp_builder``: the package lives in a virtual environment that interpreter
does not see. ``cctp_builder.pdf`` runs it as::

    /usr/bin/python3 -I _uno_convert.py JOB.json

``JOB.json`` holds::

    {"soffice": "/usr/bin/soffice",
     "profile": "file:///tmp/.../profile",     # private, throwaway UserInstallation
     "pipe": "cctp_1234_abcd",                 # unique UNO pipe name
     "pidfile": "/tmp/.../soffice.pgid",       # we write soffice's process group here
     "log": "/tmp/.../soffice.log",            # soffice's own stdout/stderr
     "connect_timeout": 60,
     "documents": [["/abs/in.docx", "/abs/out.pdf"], ...]}

It starts one soffice, loads every document hidden, updates every index (tables of
contents) and the fields, stores each with the ``writer_pdf_Export`` filter, closes it,
terminates soffice and exits 0. On failure it writes a French message on stderr, one line
per problem, and exits 1 (2 for a bad job file). soffice runs in its own process group,
which is always killed on the way out if it has not ended by itself.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

EXIT_FAILURE = 1
EXIT_USAGE = 2


class _Stop(BaseException):
    """Raised by the SIGTERM handler so that ``finally`` blocks run (not caught as Exception)."""


def _on_sigterm(signum, frame):  # pragma: no cover - exercised through pdf.py's timeout
    raise _Stop()


def _err(message: str) -> None:
    sys.stderr.write(message.rstrip() + "\n")
    sys.stderr.flush()


def _prop(name, value):
    from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

    p = PropertyValue()
    p.Name = name
    p.Value = value
    return p


OPTIONS_SOFFICE = ("--headless", "--invisible", "--norestore", "--nologo", "--nodefault",
                   "--nolockcheck")
"""Options of every headless LibreOffice run (also used by cctp_builder.pdf)."""


def _start_soffice(job) -> subprocess.Popen:
    args = [
        job["soffice"],
        *OPTIONS_SOFFICE,
        "--nofirststartwizard",
        f"-env:UserInstallation={job['profile']}",
        f"--accept=pipe,name={job['pipe']};urp;",
    ]
    log = open(job["log"], "ab")
    try:
        proc = subprocess.Popen(
            args,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: we can kill oosplash + soffice.bin
        )
    finally:
        log.close()
    pidfile = job.get("pidfile")
    if pidfile:
        Path(pidfile).write_text(str(proc.pid), encoding="ascii")
    return proc


def _connect(job, proc: subprocess.Popen):
    import uno  # type: ignore[import-not-found]
    from com.sun.star.connection import NoConnectException  # type: ignore[import-not-found]

    local = uno.getComponentContext()
    resolver = local.ServiceManager.createInstanceWithContext(
        "com.sun.star.bridge.UnoUrlResolver", local
    )
    url = f"uno:pipe,name={job['pipe']};urp;StarOffice.ComponentContext"
    deadline = time.monotonic() + float(job.get("connect_timeout", 60))
    delay = 0.05
    while True:
        try:
            ctx = resolver.resolve(url)
            break
        except NoConnectException:
            pass
        code = proc.poll()
        if code is not None and code != 81:  # 81: oosplash restarts soffice after first start
            raise RuntimeError(
                f"LibreOffice s'est arrêté au démarrage (code {code}) avant d'accepter "
                "la connexion."
            )
        if time.monotonic() >= deadline:
            raise RuntimeError(
                "LibreOffice n'a pas accepté la connexion UNO en "
                f"{job.get('connect_timeout', 60)} s."
            )
        time.sleep(delay)
        delay = min(delay * 1.5, 0.1)
    smgr = ctx.ServiceManager
    return smgr.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)


def _refresh(doc) -> None:
    """Update fields and every document index (TOC, …), twice for the page numbers."""
    fields = getattr(doc, "getTextFields", None)
    if fields is not None:
        try:
            doc.getTextFields().refresh()
        except Exception:  # noqa: BLE001 - a field refresh is a nicety
            pass
    indexes = doc.getDocumentIndexes() if hasattr(doc, "getDocumentIndexes") else None
    if indexes is not None and indexes.getCount():
        # The first pass fills the index, which can push the body to later pages;
        # the second pass picks up the final page numbers.
        for _ in range(2):
            for i in range(indexes.getCount()):
                indexes.getByIndex(i).update()
    try:
        doc.refresh()
    except Exception:  # noqa: BLE001
        pass


def _close(doc) -> None:
    try:
        doc.close(True)
    except Exception:  # noqa: BLE001 - CloseVetoException, DisposedException…
        try:
            doc.dispose()
        except Exception:  # noqa: BLE001
            pass


def _convert_one(desktop, src: str, dst: str) -> None:
    import uno  # type: ignore[import-not-found]

    load_props = (
        _prop("Hidden", True),
        _prop("MacroExecutionMode", 0),  # NEVER_EXECUTE
        _prop("UpdateDocMode", 0),  # NO_UPDATE of external links
    )
    doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(src), "_blank", 0, load_props)
    if doc is None:
        raise RuntimeError("LibreOffice n'a pas pu ouvrir le document (illisible ou corrompu ?).")
    try:
        _refresh(doc)
        store_props = (_prop("FilterName", "writer_pdf_Export"), _prop("Overwrite", True))
        doc.storeToURL(uno.systemPathToFileUrl(dst), store_props)
    finally:
        _close(doc)


def _group_alive(pgid: int) -> bool:
    """True while a non-zombie process belongs to process group ``pgid``.

    soffice leaves short-lived gpg/gpgconf zombies in its group, reaped whenever init
    gets to it: ``killpg(pgid, 0)`` would report those as alive.
    """
    if os.path.isdir("/proc"):
        with os.scandir("/proc") as entrees:  # an early return must still close it
            pids = [e.name for e in entrees if e.name.isdigit()]
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat", "rb") as f:
                    stat = f.read()
            except OSError:
                continue
            fields = stat[stat.rfind(b")") + 2 :].split()
            if len(fields) > 2 and int(fields[2]) == pgid and fields[0] not in (b"Z", b"X"):
                return True
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _kill_group(pgid: int, proc: subprocess.Popen | None = None, grace: float = 5.0) -> None:
    """SIGTERM the group, SIGKILL what is still alive after ``grace`` seconds."""
    for sig in (signal.SIGTERM, signal.SIGKILL):
        if not _group_alive(pgid):
            break
        try:
            os.killpg(pgid, sig)
        except (ProcessLookupError, PermissionError):
            break
        end = time.monotonic() + grace
        while time.monotonic() < end:
            if proc is not None:
                proc.poll()  # reap our own child so it does not count as alive
            if not _group_alive(pgid):
                break
            time.sleep(0.05)
    if proc is not None:
        try:
            proc.wait(timeout=grace)
        except subprocess.TimeoutExpired:
            pass


def _stop_soffice(desktop, proc: subprocess.Popen | None) -> None:
    if proc is None:
        return
    if desktop is not None and proc.poll() is None:
        try:
            desktop.terminate()
        except Exception:  # noqa: BLE001 - the bridge drops as soffice exits
            pass
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            pass
    # Whatever happened, nothing of this soffice may survive us (oosplash's child
    # soffice.bin is in the same process group).
    _kill_group(proc.pid, proc)


def main(argv: list[str]) -> int:
    if len(argv) != 2:
        _err("usage : _uno_convert.py JOB.json")
        return EXIT_USAGE
    try:
        job = json.loads(Path(argv[1]).read_text(encoding="utf-8"))
        documents = [(str(a), str(b)) for a, b in job["documents"]]
        job["soffice"], job["profile"], job["pipe"]  # noqa: B018 - presence check
    except (OSError, ValueError, KeyError, TypeError) as exc:
        _err(f"Fichier de tâche illisible : {exc}")
        return EXIT_USAGE

    try:
        import uno  # type: ignore[import-not-found]  # noqa: F401
    except ImportError:
        _err("Le module Python « uno » est absent (paquet python3-uno).")
        return EXIT_FAILURE

    signal.signal(signal.SIGTERM, _on_sigterm)
    proc = None
    desktop = None
    failures: list[str] = []
    try:
        proc = _start_soffice(job)
        desktop = _connect(job, proc)
        for src, dst in documents:
            try:
                _convert_one(desktop, src, dst)
            except Exception as exc:  # noqa: BLE001 - report per document, go on
                detail = getattr(exc, "Message", "") or str(exc) or type(exc).__name__
                failures.append(f"{Path(src).name} : {detail.strip()}")
                if proc.poll() is not None:  # soffice crashed: the rest cannot be done
                    failures.append("LibreOffice s'est arrêté pendant la conversion.")
                    break
    except _Stop:
        _err("Conversion interrompue (signal reçu).")
        return EXIT_FAILURE
    except Exception as exc:  # noqa: BLE001
        detail = getattr(exc, "Message", "") or str(exc) or type(exc).__name__
        _err(detail)
        return EXIT_FAILURE
    finally:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        _stop_soffice(desktop, proc)
    for line in failures:
        _err(line)
    return EXIT_FAILURE if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
