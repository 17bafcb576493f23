"""Load test of the web service on loopback: concurrent kit downloads (POST /api/kit).

    python benchmarks/web_charge.py [--requetes 24] [--concurrence 24] [--workers 1]
                                    [--json benchmarks/web_charge.json]

Starts ``uvicorn cctp_builder.web:application --factory`` on 127.0.0.1 (a free port), sends
the example projects as multipart uploads from N threads at once, and measures each
request's latency (p50, p95, max), the throughput and the server's memory (resident set
after start and peak, from /proc). Every zip received is checked against the bytes the
first answer gave for that project. Bounded: a fixed number of requests, 300 s at most;
the server is stopped at the end. Only 127.0.0.1 is ever contacted.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

RACINE = Path(__file__).resolve().parents[1]
EXEMPLES = sorted((RACINE / "examples").glob("*.yaml"))
LIMITE_S = 300


def port_libre() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def multipart(nom: str, contenu: bytes) -> tuple[bytes, str]:
    borne = uuid.uuid4().hex
    corps = (f"--{borne}\r\nContent-Disposition: form-data; name=\"projet\"; "
             f"filename=\"{nom}\"\r\nContent-Type: application/yaml\r\n\r\n").encode()
    corps += contenu + f"\r\n--{borne}--\r\n".encode()
    return corps, f"multipart/form-data; boundary={borne}"


def memoire_kio(pids: list[int], champ: str) -> int:
    total = 0
    for pid in pids:
        try:
            for ligne in Path(f"/proc/{pid}/status").read_text().splitlines():
                if ligne.startswith(champ + ":"):
                    total += int(ligne.split()[1])
        except OSError:
            pass
    return total


def enfants(pid: int) -> list[int]:
    try:
        texte = Path(f"/proc/{pid}/task/{pid}/children").read_text()
    except OSError:
        return []
    return [int(x) for x in texte.split()]


def centile(valeurs: list[float], p: float) -> float:
    v = sorted(valeurs)
    k = max(0, min(len(v) - 1, round(p / 100 * (len(v) - 1))))
    return v[k]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requetes", type=int, default=24)
    ap.add_argument("--concurrence", type=int, default=24)
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    assert 1 <= args.requetes <= 500 and 1 <= args.concurrence <= 100

    port = port_libre()
    url = f"http://127.0.0.1:{port}"
    serveur = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "cctp_builder.web:application", "--factory",
         "--host", "127.0.0.1", "--port", str(port), "--workers", str(args.workers),
         "--no-access-log", "--log-level", "warning"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    debut = time.monotonic()
    try:
        while True:
            try:
                with urllib.request.urlopen(f"{url}/healthz", timeout=1):
                    break
            except OSError:
                if time.monotonic() - debut > 30:
                    raise SystemExit("le serveur ne démarre pas") from None
                time.sleep(0.1)
        pids = [serveur.pid] + enfants(serveur.pid)
        # Warm up each worker once (templates compiled, communes loaded), not measured.
        projets = [(p.name, p.read_bytes()) for p in EXEMPLES]
        reference: dict[str, bytes] = {}
        for nom, contenu in projets:
            corps, type_ = multipart(nom, contenu)
            req = urllib.request.Request(f"{url}/api/kit", corps, {"Content-Type": type_})
            with urllib.request.urlopen(req, timeout=120) as r:
                reference[nom] = r.read()
        rss_repos = memoire_kio(pids, "VmRSS")

        def une(i: int) -> tuple[float, int, bool]:
            nom, contenu = projets[i % len(projets)]
            corps, type_ = multipart(nom, contenu)
            req = urllib.request.Request(f"{url}/api/kit", corps, {"Content-Type": type_})
            t = time.perf_counter()
            try:
                with urllib.request.urlopen(req, timeout=LIMITE_S) as r:
                    data, statut = r.read(), r.status
            except urllib.error.HTTPError as exc:
                data, statut = b"", exc.code
            return time.perf_counter() - t, statut, data == reference[nom]

        t0 = time.perf_counter()
        with ThreadPoolExecutor(args.concurrence) as pool:
            resultats = list(pool.map(une, range(args.requetes)))
        duree = time.perf_counter() - t0
        pic = memoire_kio(pids, "VmHWM")
    finally:
        serveur.terminate()
        serveur.wait(30)

    latences = [r[0] for r in resultats]
    ok = sum(1 for r in resultats if r[1] == 200 and r[2])
    mesures = {
        "requetes": args.requetes, "concurrence": args.concurrence, "workers": args.workers,
        "reussies_identiques": ok,
        "statuts": sorted({r[1] for r in resultats}),
        "p50_s": round(statistics.median(latences), 2),
        "p95_s": round(centile(latences, 95), 2),
        "max_s": round(max(latences), 2),
        "debit_kits_par_s": round(args.requetes / duree, 2),
        "rss_apres_demarrage_mio": round(rss_repos / 1024, 1),
        "rss_pic_mio": round(pic / 1024, 1),
        "machine": f"{platform.machine()}, {os.cpu_count()} cœurs, Python "
                   f"{platform.python_version()}",
        "constructions_simultanees": int(os.environ.get("CCTP_WEB_CONSTRUCTIONS", "2")),
    }
    print(json.dumps(mesures, ensure_ascii=False, indent=2))
    if args.json:
        args.json.write_text(json.dumps(mesures, ensure_ascii=False, indent=2) + "\n")
    return 0 if ok == args.requetes else 1


if __name__ == "__main__":
    sys.exit(main())
