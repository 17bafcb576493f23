"""Limits of template rendering (documented in SECURITY.md; a library caller may pass its
own ``Limites`` to ``build_kit``/``render_kit``/``render_piece``)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Limites:
    """What one render of templates from an override folder may use.

    * ``cpu_piece_s``: CPU seconds to render one piece;
    * ``duree_totale_s``: wall-clock seconds for the whole render (every piece);
    * ``memoire_octets``: memory the rendering process may add to what it had at start;
    * ``sortie_fragment_octets`` / ``sortie_document_octets``: rendered XML of one fragment,
      of one document (characters);
    * ``plage_max``: items of one ``range()``;
    * ``texte_max``: length of a text or list built by ``*``, ``+`` or ``replace``;
    * ``entier_bits_max``: size of an integer built by ``**`` or ``*``;
    * ``fichiers_max`` / ``dossier_octets_max``: files and total size of a template folder.
    """

    cpu_piece_s: float = 20.0
    duree_totale_s: float = 45.0
    memoire_octets: int = 512 * 1024 * 1024
    sortie_fragment_octets: int = 8 * 1024 * 1024
    sortie_document_octets: int = 40 * 1024 * 1024
    plage_max: int = 10_000
    texte_max: int = 1_000_000
    entier_bits_max: int = 4096
    fichiers_max: int = 500
    dossier_octets_max: int = 100 * 1024 * 1024


LIMITES = Limites()
"""The limits in force in this process (the isolated renderer sets the caller's)."""


def appliquer(limites: Limites) -> None:
    """Make ``limites`` the limits in force in this process."""
    global LIMITES
    LIMITES = limites
