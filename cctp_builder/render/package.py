"""The .docx container: guarded reading of untrusted zips and a deterministic writer.

The writer is a minimal ZIP implementation (stored names, deflate level 3, fixed
timestamps, no extra fields) so that the same members give byte-identical files and
static members can be compressed once and reused as is.
"""

from __future__ import annotations

import io
import re
import struct
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from ..errors import ModeleInvalide

MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_RATIO = 200
MAX_MEMBERS = 2000
DEFAULT_DATE_TIME = (2026, 1, 1, 0, 0, 0)
_ILLEGAL_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def read_docx(source: bytes | Path, *, modele: str | None = None) -> dict[str, bytes]:
    """Read every member of a .docx after the safety checks (size, bomb, member count).

    Raises ``ModeleInvalide`` with a French message when the file is not acceptable.
    """
    if isinstance(source, Path):
        try:
            size = source.stat().st_size
        except OSError as exc:
            raise ModeleInvalide(f"fichier illisible ({exc.strerror})", modele=modele) from exc
        if size > MAX_FILE_BYTES:
            raise ModeleInvalide(
                f"fichier trop volumineux ({size // (1024 * 1024)} Mo, maximum 20 Mo)",
                modele=modele)
        data = source.read_bytes()
    else:
        data = bytes(source)
        if len(data) > MAX_FILE_BYTES:
            raise ModeleInvalide("fichier trop volumineux (maximum 20 Mo)", modele=modele)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            infos = zf.infolist()
            _check_members(infos, modele)
            members = {i.filename: zf.read(i) for i in infos if not i.is_dir()}
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, ValueError,
            NotImplementedError, zlib.error) as exc:
        raise ModeleInvalide(
            "ce n'est pas un fichier Word .docx valide (archive zip illisible)",
            modele=modele) from exc
    if "word/document.xml" not in members:
        raise ModeleInvalide("ce n'est pas un fichier Word .docx (word/document.xml absent)",
                             modele=modele)
    return members


def _check_members(infos: list[zipfile.ZipInfo], modele: str | None) -> None:
    if len(infos) > MAX_MEMBERS:
        raise ModeleInvalide(
            f"archive refusée : {len(infos)} éléments (maximum {MAX_MEMBERS})", modele=modele)
    total = sum(i.file_size for i in infos)
    packed = sum(i.compress_size for i in infos)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise ModeleInvalide(
            "archive refusée : taille décompressée supérieure à 100 Mo", modele=modele)
    if total > 1024 * 1024 and total > MAX_RATIO * max(packed, 1):
        raise ModeleInvalide(
            f"archive refusée : taux de compression suspect ({total // max(packed, 1)} pour 1,"
            f" maximum {MAX_RATIO})", modele=modele)


@dataclass(frozen=True)
class Member:
    """One zip member, compressed once: reusable verbatim in many archives."""

    name: str
    crc: int
    size: int
    payload: bytes  # deflated bytes

    @classmethod
    def of(cls, name: str, data: bytes, level: int = 3) -> Member:
        """Deflate level 3 by default: a quarter of level 6's time for ~15 % larger parts;
        members prepared once (the base's static parts) may ask for more."""
        comp = zlib.compressobj(level, zlib.DEFLATED, -15)
        payload = comp.compress(data) + comp.flush()
        return cls(name, zlib.crc32(data) & 0xFFFFFFFF, len(data), payload)


def _dos_date_time(dt: tuple[int, int, int, int, int, int]) -> tuple[int, int]:
    y, mo, d, h, mi, s = dt
    y = min(max(y, 1980), 2107)  # the range a zip (DOS) date can hold
    return ((y - 1980) << 9) | (mo << 5) | d, (h << 11) | (mi << 5) | (s // 2)


def write_zip(members: Iterable[Member | tuple[str, bytes]],
              date_time: tuple[int, int, int, int, int, int] = DEFAULT_DATE_TIME) -> bytes:
    """Write a deterministic zip: members in name order, fixed time, deflated members."""
    prepared = [m if isinstance(m, Member) else Member.of(*m) for m in members]
    prepared.sort(key=lambda m: m.name)
    ddate, dtime = _dos_date_time(date_time)
    out = io.BytesIO()
    central = []
    for m in prepared:
        name = m.name.encode("utf-8")
        flags = 0x800 if not m.name.isascii() else 0
        offset = out.tell()
        out.write(struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, 8, dtime, ddate,
                              m.crc, len(m.payload), m.size, len(name), 0))
        out.write(name)
        out.write(m.payload)
        central.append(struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, 8,
                                   dtime, ddate, m.crc, len(m.payload), m.size, len(name),
                                   0, 0, 0, 0, 0, offset) + name)
    cd_offset = out.tell()
    for entry in central:
        out.write(entry)
    cd_size = out.tell() - cd_offset
    out.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(central), len(central),
                          cd_size, cd_offset, 0))
    return out.getvalue()


def _iso(value: object, default: str) -> str:
    if value is None or value == "":
        return default
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.replace(microsecond=0).isoformat() + "Z"
    if isinstance(value, date):
        return f"{value.isoformat()}T00:00:00Z"
    text = str(value)
    return text if "T" in text else f"{text}T00:00:00Z"


def core_xml(props: Mapping[str, object] | None,
             date_time: tuple[int, int, int, int, int, int] = DEFAULT_DATE_TIME) -> bytes:
    """docProps/core.xml from ``title``, ``subject``, ``creator``, ``keywords``,
    ``description``, ``created`` and ``modified`` (ISO strings, dates or datetimes)."""
    props = props or {}
    default = "{:04d}-{:02d}-{:02d}T{:02d}:{:02d}:{:02d}Z".format(*date_time)
    created = _iso(props.get("created"), default)
    modified = _iso(props.get("modified"), created)

    def txt(key: str) -> str:
        value = props.get(key)
        return "" if value is None else escape(_ILLEGAL_XML.sub("", str(value)))

    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/'
        'metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/" '
        'xmlns:dcterms="http://purl.org/dc/terms/" '
        'xmlns:dcmitype="http://purl.org/dc/dcmitype/" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">'
        f"<dc:title>{txt('title')}</dc:title><dc:subject>{txt('subject')}</dc:subject>"
        f"<dc:creator>{txt('creator')}</dc:creator>"
        f"<cp:keywords>{txt('keywords')}</cp:keywords>"
        f"<dc:description>{txt('description')}</dc:description>"
        f"<cp:lastModifiedBy>{txt('creator')}</cp:lastModifiedBy>"
        "<dc:language>fr-FR</dc:language>"
        f'<dcterms:created xsi:type="dcterms:W3CDTF">{escape(created)}</dcterms:created>'
        f'<dcterms:modified xsi:type="dcterms:W3CDTF">{escape(modified)}</dcterms:modified>'
        "</cp:coreProperties>"
    ).encode()
