"""Build ``templates/base.docx`` and ``templates/**/*.docx`` from ``templates_src/**/*.txt``.

    python tools/build_templates.py          # write the .docx files
    python tools/build_templates.py --check  # exit 1 and list the stale files
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from cctp_builder.render.markup import MarkupError, build_base, build_fragment  # noqa: E402


def targets(src: Path, out: Path) -> dict[Path, bytes]:
    """Every output file and its expected bytes."""
    result = {out / "base.docx": build_base()}
    for txt in sorted(src.rglob("*.txt")):
        rel = txt.relative_to(src).with_suffix(".docx")
        try:
            result[out / rel] = build_fragment(txt.read_text(encoding="utf-8"))
        except MarkupError as exc:
            raise SystemExit(f"{txt.relative_to(ROOT)} : {exc}") from exc
    return result


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="ne rien écrire ; code 1 si périmé")
    ap.add_argument("--src", type=Path, default=ROOT / "templates_src")
    ap.add_argument("--out", type=Path, default=ROOT / "templates")
    args = ap.parse_args(argv)
    expected = targets(args.src, args.out)
    stale = [p for p, data in expected.items() if not p.is_file() or p.read_bytes() != data]
    orphans = sorted(set(args.out.rglob("*.docx")) - set(expected)) if args.out.is_dir() else []
    for p in orphans:
        print(f"sans source : {p.relative_to(args.out)}", file=sys.stderr)
    if args.check:
        for p in stale:
            print(f"périmé : {p.relative_to(args.out)}")
        return 1 if stale else 0
    for p in stale:
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_bytes(expected[p])
        print(f"écrit : {p.relative_to(args.out)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
