"""Render untrusted templates in a child process with enforced limits.

Templates from an override folder (``--templates``) are rendered in a forked child whose
memory (``RLIMIT_AS``), CPU time (per piece by a profiling timer, in total by
``RLIMIT_CPU``) and written file size (``RLIMIT_FSIZE``) are bounded, which dies with its
parent (``PR_SET_PDEATHSIG``), and whose wall-clock time the parent bounds. The child
sends the rendered files back through a pipe in a plain framed format (never pickle); the
parent caps what it reads. Any excess becomes a French ``ModeleInvalide`` naming the
template being rendered; nothing is written by the caller then.

Where ``os.fork`` does not exist (Windows), the work runs in the calling process with the
sandbox's own limits only (see SECURITY.md).
"""

from __future__ import annotations

import ctypes
import json
import os
import select
import signal
import struct
import sys
import time
from collections.abc import Callable
from typing import Any

from ..errors import CctpError, ModeleInvalide
from . import limites as _limites
from .engine import suivre_rendu
from .environment import LimiteDepassee

Etape = Callable[[str], None]
Travail = Callable[[Etape], dict[str, bytes]]

_ENTETE = struct.Struct("<cQ")
_PR_SET_PDEATHSIG = 1


class _TempsDepasse(LimiteDepassee):
    pass


def _vsize() -> int:
    """Virtual memory of this process in bytes (0 if unknown)."""
    try:
        with open("/proc/self/status", encoding="ascii", errors="replace") as f:
            for ligne in f:
                if ligne.startswith("VmSize:"):
                    return int(ligne.split()[1]) * 1024
    except OSError:
        pass
    return 0


def mourir_avec_le_parent(parent: int) -> None:
    """Make this (child) process die when ``parent`` dies (Linux ``PR_SET_PDEATHSIG``);
    exit at once if it is already gone."""
    _mourir_avec_le_parent(parent)


def _mourir_avec_le_parent(parent: int) -> None:
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # the parent died before prctl
        os._exit(1)


def _ecrire(fd: int, genre: bytes, donnees: bytes) -> None:
    vue = memoryview(_ENTETE.pack(genre, len(donnees)) + donnees)
    while vue:
        n = os.write(fd, vue)
        vue = vue[n:]


def _enfant(fd: int, parent: int, travail: Travail, lim: _limites.Limites) -> None:
    """The child: limits, then the work; its outcome is written to ``fd``."""
    import resource

    _mourir_avec_le_parent(parent)
    _limites.appliquer(lim)
    memoire = _vsize() + lim.memoire_octets if _vsize() else lim.memoire_octets * 2
    resource.setrlimit(resource.RLIMIT_AS, (memoire, memoire))
    cpu = int(time.process_time() + lim.duree_totale_s) + 1
    resource.setrlimit(resource.RLIMIT_CPU, (cpu, cpu + 2))
    resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024 * 1024, 64 * 1024 * 1024))
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_DFL)

    def trop_long(_signum: int, _frame: Any) -> None:
        raise _TempsDepasse(f"temps de calcul dépassé ({lim.cpu_piece_s:g} s au plus pour "
                            "une pièce)")

    signal.signal(signal.SIGPROF, trop_long)
    signal.signal(signal.SIGXCPU, trop_long)

    def etape(nom: str) -> None:
        signal.setitimer(signal.ITIMER_PROF, lim.cpu_piece_s)
        _ecrire(fd, b"P", nom.encode("utf-8"))

    suivre_rendu(lambda nom: _ecrire(fd, b"E", nom.encode("utf-8")))
    signal.setitimer(signal.ITIMER_PROF, lim.cpu_piece_s)
    try:
        fichiers = travail(etape)
        signal.setitimer(signal.ITIMER_PROF, 0)
        noms = [[nom, len(data)] for nom, data in fichiers.items()]
        _ecrire(fd, b"R", json.dumps(noms).encode("utf-8"))
        for data in fichiers.values():
            _ecrire(fd, b"B", data)
    except CctpError as exc:
        signal.setitimer(signal.ITIMER_PROF, 0)
        _ecrire(fd, b"X", json.dumps({
            "classe": type(exc).__name__, "message": str(exc),
            "modele": getattr(exc, "modele", None)}).encode("utf-8"))
    except MemoryError:
        _ecrire(fd, b"X", json.dumps({"classe": "ModeleInvalide", "message": (
            "limite de rendu dépassée : mémoire épuisée"), "modele": None}).encode())
    except Exception as exc:  # noqa: BLE001 - reported to the parent, in French
        _ecrire(fd, b"X", json.dumps({"classe": "CctpError", "message": (
            f"erreur interne pendant le rendu ({type(exc).__name__} : {exc})"),
            "modele": None}).encode())


class _Lecteur:
    """Reads the child's frames before a deadline, capping the bytes it accepts."""

    def __init__(self, fd: int, echeance: float, plafond: int) -> None:
        self.fd, self.echeance, self.plafond = fd, echeance, plafond
        self.tampon = bytearray()
        self.lus = 0

    def _lire(self, n: int) -> bytes | None:
        while len(self.tampon) < n:
            reste = self.echeance - time.monotonic()
            if reste <= 0:
                raise TimeoutError
            prets, _, _ = select.select([self.fd], [], [], reste)
            if not prets:
                raise TimeoutError
            morceau = os.read(self.fd, 1 << 20)
            if not morceau:
                return None
            self.lus += len(morceau)
            if self.lus > self.plafond:
                raise OverflowError
            self.tampon += morceau
        out = bytes(self.tampon[:n])
        del self.tampon[:n]
        return out

    def trame(self) -> tuple[bytes, bytes] | None:
        entete = self._lire(_ENTETE.size)
        if entete is None:
            return None
        genre, taille = _ENTETE.unpack(entete)
        if taille > self.plafond:
            raise OverflowError
        donnees = self._lire(taille)
        if donnees is None:
            return None
        return genre, donnees


def _erreur(donnees: bytes) -> CctpError:
    info = json.loads(donnees.decode("utf-8"))
    message = str(info.get("message") or "erreur pendant le rendu")
    if info.get("classe") == "ModeleInvalide":
        err = ModeleInvalide(message)
        err.modele = info.get("modele")
        return err
    return CctpError(message)


def executer_isole(travail: Travail, lim: _limites.Limites | None = None, *,
                   progression: Etape | None = None) -> dict[str, bytes]:
    """Run ``travail(etape)`` (which returns file name → bytes) in a limited child process.

    ``etape(nom)`` is to be called by the work before each piece: it restarts the per-piece
    CPU budget, and ``progression(nom)`` is called in this process."""
    lim = lim or _limites.LIMITES
    if not hasattr(os, "fork"):  # pragma: no cover - Windows: sandbox limits only
        precedentes = _limites.LIMITES
        _limites.appliquer(lim)
        try:
            return travail(progression or (lambda _nom: None))
        finally:
            _limites.appliquer(precedentes)
    lecture, ecriture = os.pipe()
    parent = os.getpid()
    sys.stdout.flush()
    sys.stderr.flush()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - runs in the child (measured by the tests' outcome)
        code = 1
        try:
            os.close(lecture)
            _enfant(ecriture, parent, travail, lim)
            code = 0
        except BaseException:  # noqa: BLE001 - the child never returns into the caller
            code = 3
        finally:
            os._exit(code)
    os.close(ecriture)
    modele: str | None = None
    piece: str | None = None
    lecteur = _Lecteur(lecture, time.monotonic() + lim.duree_totale_s,
                       lim.sortie_document_octets * 12)
    termine = recolte = False
    try:
        noms: list[list[Any]] | None = None
        fichiers: dict[str, bytes] = {}
        while True:
            trame = lecteur.trame()
            if trame is None:
                break
            genre, donnees = trame
            if genre == b"E":
                modele = donnees.decode("utf-8", "replace")
            elif genre == b"P":
                piece = donnees.decode("utf-8", "replace")
                modele = None
                if progression:
                    progression(piece)
            elif genre == b"X":
                raise _erreur(donnees)
            elif genre == b"R":
                noms = json.loads(donnees.decode("utf-8"))
            elif genre == b"B" and noms is not None and len(fichiers) < len(noms):
                nom, taille = noms[len(fichiers)]
                if taille != len(donnees):
                    break
                fichiers[str(nom)] = donnees
                if len(fichiers) == len(noms):
                    termine = True
                    return fichiers
        _, statut = os.waitpid(pid, 0)
        recolte = True
        raise _mort(statut, modele, piece)
    except TimeoutError:
        raise ModeleInvalide(f"limite de rendu dépassée : le rendu dure plus de "
                             f"{lim.duree_totale_s:g} s", modele=modele or piece) from None
    except OverflowError:
        raise ModeleInvalide("limite de rendu dépassée : les documents produits sont trop "
                             "volumineux", modele=modele or piece) from None
    finally:
        os.close(lecture)
        if not recolte:
            if not termine:
                try:
                    os.kill(pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _mort(statut: int, modele: str | None, piece: str | None) -> ModeleInvalide:
    """Why the child ended without a result."""
    if os.WIFSIGNALED(statut) and os.WTERMSIG(statut) in (signal.SIGXCPU, signal.SIGKILL):
        motif = "temps de calcul dépassé"
    elif os.WIFSIGNALED(statut):
        motif = f"le rendu s'est arrêté (signal {os.WTERMSIG(statut)})"
    else:
        motif = "le rendu s'est arrêté sans résultat (mémoire ou temps épuisés)"
    return ModeleInvalide(f"limite de rendu dépassée : {motif}", modele=modele or piece)
