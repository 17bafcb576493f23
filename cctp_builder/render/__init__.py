"""Rendering engine: French filters, sandboxed jinja environment, template sets with a
compile-once cache, assembly of a piece into deterministic .docx bytes, the authoring
markup and the template linter.

Public API::

    make_environment() -> ImmutableSandboxedEnvironment
    TemplateSet.get(override_dir=None, *, builtin_dir=None) -> TemplateSet
    render_docx(ts, fragments, context, *, core_properties=None, date_time=...) -> bytes
    build_fragment(text) -> bytes ; build_base() -> bytes ; docx_to_text(source) -> str
    lint_templates(directory, noms_connus, styles_base=None) -> list[Constat]
    base_style_ids(source=None) -> set[str]
"""

from .dump import docx_to_text
from .engine import TemplateSet, builtin_templates_dir, render_body_text, render_docx
from .environment import make_environment
from .filters import FILTERS, ACompleter, FiltreInvalide
from .lint import base_style_ids, lint_templates
from .markup import MarkupError, build_base, build_fragment

__all__ = [
    "FILTERS",
    "ACompleter",
    "FiltreInvalide",
    "MarkupError",
    "TemplateSet",
    "base_style_ids",
    "build_base",
    "build_fragment",
    "builtin_templates_dir",
    "docx_to_text",
    "lint_templates",
    "make_environment",
    "render_body_text",
    "render_docx",
]
