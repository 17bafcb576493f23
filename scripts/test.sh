#!/usr/bin/env bash
# Lance la suite de tests : installe LibreOffice si besoin, prépare .venv, passe les portes
# (ruff, mypy, lint-imports), puis pytest.
# Usage : bash scripts/test.sh [arguments de pytest…]
# Code de sortie : 1 si une porte échoue ; sinon celui de pytest, sauf « aucun test collecté »
# (5) qui devient un échec (1).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."

dit() { printf '[test] %s\n' "$*"; }

est_ci() { case "${CI:-}" in true|TRUE|True|1|yes) return 0 ;; *) return 1 ;; esac; }

# 1. LibreOffice : indispensable en CI (chaque .docx doit s'ouvrir dans LibreOffice).
if ! bash scripts/install-libreoffice.sh; then
    if est_ci; then
        dit "ERREUR : l'installation de LibreOffice a échoué ; la CI ne peut pas s'en passer." >&2
        exit 1
    fi
    dit "AVERTISSEMENT : LibreOffice n'a pas pu être installé ; les tests qui en ont besoin seront ignorés." >&2
fi

# 2. Python ≥ 3.11 et environnement virtuel .venv
choisir_python() {
    local candidat
    for candidat in "${PYTHON:-}" python3 python3.13 python3.12 python3.11; do
        [ -n "$candidat" ] || continue
        command -v "$candidat" >/dev/null 2>&1 || continue
        if "$candidat" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
            command -v "$candidat"
            return 0
        fi
    done
    return 1
}

if [ -x .venv/bin/python ] && ! .venv/bin/python -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' 2>/dev/null; then
    dit "L'environnement .venv est inutilisable : il est recréé."
    rm -rf .venv
fi
if [ ! -x .venv/bin/python ]; then
    if ! PY="$(choisir_python)"; then
        dit "ERREUR : Python 3.11 ou plus récent est introuvable (python3)." >&2
        exit 1
    fi
    dit "Création de .venv avec $PY ($("$PY" --version 2>&1))…"
    if ! "$PY" -m venv .venv; then
        dit "ERREUR : création de .venv impossible (sous Debian : apt-get install python3-venv)." >&2
        rm -rf .venv
        exit 1
    fi
fi

dit "Installation du projet et des dépendances de test (pip install -e '.[test,dev]')…"
.venv/bin/python -m pip install -q --disable-pip-version-check -e '.[test,dev]' || {
    dit "ERREUR : l'installation du projet dans .venv a échoué (voir les messages de pip ci-dessus)." >&2
    exit 1
}

# 3. Portes : style et erreurs (ruff), types (mypy), couches (lint-imports, contrat de
#    docs/architecture.md dans pyproject.toml). Toutes sont lancées, puis la première en
#    échec arrête le script.
portes_ko=()
porte() {
    local nom="$1"; shift
    dit "Porte : $nom"
    if ! "$@"; then
        portes_ko+=("$nom")
    fi
}
porte "ruff" .venv/bin/ruff check cctp_builder tests tools benchmarks
porte "mypy" .venv/bin/mypy
porte "lint-imports" .venv/bin/lint-imports --no-cache
if [ "${#portes_ko[@]}" -gt 0 ]; then
    dit "ERREUR : porte(s) en échec : ${portes_ko[*]}." >&2
    exit 1
fi

# 4. pytest
dit "Lancement de pytest $*"
set +e
.venv/bin/python -m pytest "$@"
statut=$?
set -e

if [ "$statut" -eq 5 ]; then
    dit "ERREUR : aucun test n'a été collecté ; une suite sans test ne peut pas être déclarée réussie." >&2
    exit 1
fi
exit "$statut"
