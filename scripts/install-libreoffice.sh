#!/usr/bin/env bash
# Installe LibreOffice (sans interface), son pont Python UNO, poppler-utils et les polices
# Liberation, nécessaires à la conversion PDF (cctp_builder.pdf) et à ses tests.
# Idempotent : ne fait rien si tout est déjà installé. Debian/Ubuntu (apt-get) uniquement.
# Utilise sudo seulement si l'on n'est pas root et que sudo existe.
set -euo pipefail

PAQUETS=(libreoffice-writer-nogui libreoffice-calc-nogui python3-uno poppler-utils fonts-liberation2)

dit() { printf '[install-libreoffice] %s\n' "$*"; }

manquants=()
if command -v dpkg-query >/dev/null 2>&1; then
    for p in "${PAQUETS[@]}"; do
        if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
            manquants+=("$p")
        fi
    done
elif command -v soffice >/dev/null 2>&1 || command -v libreoffice >/dev/null 2>&1; then
    dit "LibreOffice est présent ($(command -v soffice || command -v libreoffice)) ; système sans dpkg : rien à installer."
    exit 0
else
    manquants=("${PAQUETS[@]}")
fi

if [ "${#manquants[@]}" -eq 0 ]; then
    dit "LibreOffice, python3-uno, poppler-utils et les polices Liberation sont déjà installés."
    exit 0
fi

dit "Paquets à installer : ${manquants[*]}"
if ! command -v apt-get >/dev/null 2>&1; then
    dit "ERREUR : apt-get est introuvable ; installez LibreOffice à la main (paquets : ${PAQUETS[*]})." >&2
    exit 1
fi

SUDO=()
if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null 2>&1; then
        SUDO=(sudo)
        dit "Utilisateur non root : les commandes apt-get passent par sudo."
    else
        dit "ERREUR : il faut être root (ou disposer de sudo) pour installer : ${manquants[*]}" >&2
        exit 1
    fi
fi

# Attendre jusqu'à 10 minutes un autre apt/dpkg en cours plutôt que d'échouer aussitôt.
ATTENTE=(-o DPkg::Lock::Timeout=600)

dit "Mise à jour de la liste des paquets (apt-get update)…"
"${SUDO[@]}" apt-get "${ATTENTE[@]}" update -q
dit "Installation de ${manquants[*]} (apt-get install --no-install-recommends)…"
"${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive apt-get "${ATTENTE[@]}" install -y -q \
    --no-install-recommends "${manquants[@]}"

if ! command -v soffice >/dev/null 2>&1; then
    dit "ERREUR : soffice reste introuvable après l'installation." >&2
    exit 1
fi
dit "LibreOffice est installé : $(command -v soffice)"
