"""Template sets (built-in + override folder, cached and invalidated on file change) and
the assembly of a piece: base + rendered fragments → deterministic .docx bytes."""

from __future__ import annotations

import importlib.resources
import os
import re
import threading
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from docxtpl import DocxTemplate
from lxml import etree

from ..errors import ModeleInvalide
from .compiler import CompiledBase, CompiledFragment, compile_base, compile_fragment
from .diagnostics import to_modele_invalide
from .ooxml import (
    CORE_PART,
    DOCUMENT_PART,
    DOCUMENT_RELS,
    NUMBERING_PART,
    REL_HYPERLINK,
    SETTINGS_PART,
    parser,
    tostring,
)
from .package import DEFAULT_DATE_TIME, Member, core_xml, write_zip
from .xmlpost import (
    Facts,
    Outcome,
    numbering_with,
    postprocess,
    settings_with_update_fields,
    split_special_runs,
    text_controls,
)

BASE = "base"
DECL = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_PARSER = parser()
_COMPILED: OrderedDict[tuple[Any, ...], CompiledFragment] = OrderedDict()
_COMPILED_MAX = 512
_VERROU = threading.RLock()
_SETS: dict[tuple[Path, Path | None], tuple[tuple[Any, ...], TemplateSet]] = {}

FileInfo = tuple[str, int, int]  # path, mtime_ns, size


def builtin_templates_dir() -> Path:
    """``cctp_builder/templates`` in an installed wheel, else the repository's ``templates/``."""
    try:
        packaged = importlib.resources.files("cctp_builder") / "templates"
        if packaged.is_dir():
            return Path(str(packaged))
    except (ModuleNotFoundError, TypeError):
        pass
    return Path(__file__).resolve().parents[2] / "templates"


def _scan(directory: Path | None) -> dict[str, FileInfo]:
    """Every .docx under ``directory``: relative name without extension → (path, mtime, size)."""
    found: dict[str, FileInfo] = {}
    if directory is None or not directory.is_dir():
        return found
    stack = [(str(directory), "")]
    while stack:
        folder, prefix = stack.pop()
        with os.scandir(folder) as entries:
            for e in entries:
                if e.name.startswith((".", "~$")):
                    continue
                if e.is_dir():
                    stack.append((e.path, f"{prefix}{e.name}/"))
                elif e.name.endswith(".docx"):
                    st = e.stat()
                    found[prefix + e.name[:-5]] = (e.path, st.st_mtime_ns, st.st_size)
    return found


def normalise(name: str) -> str:
    name = name.replace("\\", "/").strip("/")
    return name[:-5] if name.endswith(".docx") else name


class TemplateSet:
    """The templates visible to a render: built-ins, overridden by an optional folder."""

    def __init__(self, builtin_dir: Path, override_dir: Path | None,
                 files: dict[str, FileInfo]) -> None:
        self.builtin_dir = builtin_dir
        self.override_dir = override_dir
        self._files = files
        self._fragments: dict[str, CompiledFragment] = {}
        self._base: CompiledBase | None = None
        self._members: dict[str, Member] = {}
        self.part_cache: dict[tuple[str, str], Member] = {}

    @classmethod
    def get(cls, override_dir: Path | None = None, *,
            builtin_dir: Path | None = None) -> TemplateSet:
        """The cached set for these folders, rebuilt when a file's (mtime_ns, size) changed."""
        builtin = (builtin_dir or builtin_templates_dir()).resolve()
        override = Path(override_dir).resolve() if override_dir is not None else None
        if override is not None and not override.is_dir():
            raise ModeleInvalide(f"dossier de modèles introuvable : {override_dir}")
        files = _scan(builtin)
        files.update(_scan(override))
        signature = tuple(sorted((k, v[1], v[2], v[0]) for k, v in files.items()))
        with _VERROU:
            cached = _SETS.get((builtin, override))
            if cached is not None and cached[0] == signature:
                return cached[1]
            ts = cls(builtin, override, files)
            _SETS[(builtin, override)] = (signature, ts)
            return ts

    def names(self) -> list[str]:
        return sorted(self._files)

    def has(self, name: str) -> bool:
        return normalise(name) in self._files

    def source(self, name: str) -> Path:
        info = self._files.get(normalise(name))
        if info is None:
            raise ModeleInvalide(
                "modèle introuvable (ni dans le dossier de surcharge, ni parmi les modèles "
                "fournis)", modele=normalise(name))
        return Path(info[0])

    def base(self) -> CompiledBase:
        if self._base is None:
            with _VERROU:
                if self._base is None:
                    self.source(BASE)
                    self._base = compile_base(Path(self._files[BASE][0]))
        return self._base

    def fragment(self, name: str) -> CompiledFragment:
        """The compiled fragment ``name`` (compiled once per file version)."""
        name = normalise(name)
        frag = self._fragments.get(name)
        if frag is not None:
            return frag
        path = self.source(name)
        _, mtime, size = self._files[name]
        style_ids = self.base().style_ids
        # Only the templates shipped with the package are trusted outside the sandbox.
        reel = path.resolve()
        fourni = self.builtin_dir == builtin_templates_dir().resolve() and reel.is_relative_to(
            self.builtin_dir) and (
            self.override_dir is None or not reel.is_relative_to(self.override_dir))
        key = (str(path), mtime, size, name, style_ids, fourni)  # the base may change
        with _VERROU:  # threads share the caches: compile each fragment once, safely
            frag = _COMPILED.get(key)
            if frag is None:
                frag = compile_fragment(path, name, style_ids, sandbox=not fourni)
                _COMPILED[key] = frag
            while len(_COMPILED) > _COMPILED_MAX:
                _COMPILED.popitem(last=False)
        self._fragments[name] = frag
        return frag

    def member(self, name: str, data: bytes) -> Member:
        """A pre-compressed member for dynamic parts whose content repeats (settings…)."""
        key = f"{name}:{hash(data)}"
        m = self._members.get(key)
        if m is None or m.size != len(data):
            m = self._members[key] = Member.of(name, data)
        return m


def render_body(frag: CompiledFragment, context: Mapping[str, Any]) -> str:
    """Render one compiled fragment; every failure becomes ``ModeleInvalide``."""
    try:
        xml = frag.template.render(context)
    except ModeleInvalide:
        raise
    except Exception as exc:  # jinja, sandbox, filters, user objects
        raise to_modele_invalide(exc, modele=frag.name, source=frag.source,
                                 filename=frag.filename) from exc
    xml = xml.replace("\n<", "<")  # the line structure added by compiler.patch
    if "{_" in xml or "_}" in xml:  # docxtpl's escapes for literal braces
        xml = (xml.replace("{_{", "{{").replace("}_}", "}}").replace("{_%", "{%")
               .replace("%_}", "%}"))
    return xml


def _doc_open(base: CompiledBase, frags: Sequence[CompiledFragment]) -> str:
    extra: dict[str, str] = {}
    for frag in frags:
        for prefix, uri in frag.namespaces.items():
            known = base.namespaces.get(prefix, extra.get(prefix))
            if known is None:
                extra[prefix] = uri
            elif known != uri:
                raise ModeleInvalide(f"préfixe XML « {prefix} » incompatible avec le modèle "
                                     "de base", modele=frag.name)
    if not extra:
        return base.doc_open
    decls = "".join(f' xmlns:{p}="{u}"' for p, u in sorted(extra.items()))
    head = base.doc_open.index(" ")
    return base.doc_open[:head] + decls + base.doc_open[head:]


def _blame(doc_open: str, rendered: list[tuple[CompiledFragment, str]],
           exc: etree.XMLSyntaxError) -> ModeleInvalide:
    """Find which fragment produced malformed XML (only on the error path)."""
    for frag, xml in rendered:
        try:
            etree.fromstring((doc_open + xml + "</w:body></w:document>").encode(), _PARSER)
        except etree.XMLSyntaxError as err:
            if "Char" in str(err):
                return ModeleInvalide(f"caractère interdit dans le document ({err})",
                                      modele=frag.name)
            col = max(err.position[1] - len(doc_open), 0) if err.position else 0
            window = re.sub(r"<[^>]+>", " ", xml[max(col - 300, 0): col + 100])
            return ModeleInvalide(
                "le rendu produit un document Word invalide (XML mal formé) ; une balise "
                "{% if %} ou {% for %} qui couvre plusieurs paragraphes doit s'écrire "
                "{%p … %}, et une ligne de tableau {%tr … %}",
                modele=frag.name, extrait=" ".join(window.split())[-200:])
    return ModeleInvalide(f"le rendu produit un document Word invalide ({exc})")


def _render_part(ts: TemplateSet, base: CompiledBase, part: str,
                 context: Mapping[str, Any]) -> Member:
    """A rendered header or footer (same text as last time → same compressed member)."""
    template, source, filename = base.parts[part]
    label = f"{base.name} ({'en-tête' if 'header' in part else 'pied de page'})"
    frag = CompiledFragment(label, Path(part), template, source, filename, {})
    xml = text_controls(render_body(frag, context))
    cached = ts.part_cache.get((part, xml))
    if cached is not None:
        return cached
    data = xml.encode("utf-8")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise ModeleInvalide(f"le rendu produit un XML invalide ({exc})", modele=label) from exc
    member = Member.of(part, tostring(root) if split_special_runs(root) else DECL + data)
    if len(ts.part_cache) > 64:
        ts.part_cache.clear()
    ts.part_cache[(part, xml)] = member
    return member


def _default_properties(context: Mapping[str, Any]) -> dict[str, object]:
    doc = context.get("doc")
    titre = doc.get("titre") if isinstance(doc, Mapping) else getattr(doc, "titre", None)
    return {"title": titre} if titre else {}


def render_docx(ts: TemplateSet, fragments: Sequence[tuple[str, Mapping[str, Any] | None]],
                context: Mapping[str, Any], *,
                core_properties: Mapping[str, object] | None = None,
                date_time: tuple[int, int, int, int, int, int] = DEFAULT_DATE_TIME) -> bytes:
    """Render ``fragments`` (name, extra variables) into the base; return the .docx bytes."""
    base = ts.base()
    rendered: list[tuple[CompiledFragment, str]] = []
    if base.body is not None:
        rendered.append((base.body, render_body(base.body, context)))
    for name, extra in fragments:
        frag = ts.fragment(name)
        ctx = {**context, **extra} if extra else context
        rendered.append((frag, render_body(frag, ctx)))
    doc_open = _doc_open(base, [f for f, _ in rendered])
    body = text_controls("".join(x for _, x in rendered))
    data = (doc_open + body + base.doc_close).encode("utf-8")
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        raise _blame(doc_open, rendered, exc) from exc
    facts = Facts(headings=base.headings, numbered=base.numbered,
                  next_num_id=max(base.max_num_id + 1, 100))
    if any(f.has_tc for f, _ in rendered):
        root = DocxTemplate.fix_tables(None, etree.tostring(root))
        outcome = postprocess(root, facts, body)
        outcome.modified = True
    else:
        outcome = postprocess(root, facts, body)
    document = tostring(root) if outcome.modified else DECL + data
    members = list(base.static)
    members.append(Member.of(DOCUMENT_PART, document))
    members.extend(_render_part(ts, base, part, context) for part in base.parts)
    members.append(Member.of(CORE_PART, core_xml(
        core_properties if core_properties is not None else _default_properties(context),
        date_time)))
    members.extend(_package_parts(ts, base, outcome, rendered))
    return write_zip(members, date_time)


def _package_parts(ts: TemplateSet, base: CompiledBase, outcome: Outcome,
                   rendered: list[tuple[CompiledFragment, str]]) -> list[Member]:
    """settings (field refresh when there is a TOC), numbering (restarted lists) and the
    document relationships (hyperlinks of the fragments); unchanged ones are reused."""
    out = []
    if base.settings is not None:
        settings = base.settings
        if outcome.has_toc:
            settings = base.settings_toc = (base.settings_toc
                                            or settings_with_update_fields(settings))
        out.append(ts.member(SETTINGS_PART, settings))
    if base.numbering is not None:
        if outcome.new_nums:
            out.append(Member.of(NUMBERING_PART,
                                 numbering_with(base.numbering, outcome.new_nums).encode()))
        else:
            out.append(ts.member(NUMBERING_PART, base.numbering.encode()))
    links = dict(link for f, _ in rendered for link in f.hyperlinks)
    if links:
        items = "".join(f'<Relationship Id="{i}" Type="{REL_HYPERLINK}" Target="{_attr(u)}" '
                        'TargetMode="External"/>' for i, u in sorted(links.items()))
        cut = base.rels.rindex("</Relationships>")
        out.append(Member.of(DOCUMENT_RELS, (base.rels[:cut] + items + base.rels[cut:]).encode()))
    else:
        out.append(ts.member(DOCUMENT_RELS, base.rels.encode()))
    return out


def _attr(value: str) -> str:
    return (value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")
            .replace(">", "&gt;"))
