"""The command line: parse arguments, call the stage, report, return an exit code.

Exit codes: 0 success; 1 some brochures failed; 2 bad input (content, catalogs, options).
"""

from __future__ import annotations

import argparse
import logging
import sys
from collections.abc import Callable
from pathlib import Path

from . import catalogs
from .build import BuildOptions, build
from .errors import BrochureError
from .render import PAPER_SIZES

log = logging.getLogger("brochurekit")

EXIT_OK, EXIT_FAILED, EXIT_INPUT = 0, 1, 2


def _extract(args: argparse.Namespace) -> int:
    """Collect every translatable string into locales/brochures.pot."""
    path = catalogs.extract(args.root)
    log.info("wrote %s", path.relative_to(args.root))
    return EXIT_OK


def _update(args: argparse.Namespace) -> int:
    """Merge the template into every catalog; changed entries become fuzzy."""
    updated = catalogs.update(args.root)
    log.info("updated %d catalogs: %s", len(updated), ", ".join(updated))
    return EXIT_OK


def _compile(args: argparse.Namespace) -> int:
    """Write .mo files beside the catalogs (the build itself reads .po files)."""
    catalogs.compile_catalogs(args.root)
    return EXIT_OK


def _build(args: argparse.Namespace) -> int:
    """Build the PDFs and report each failure; exit 1 if any brochure failed."""
    options = BuildOptions(
        out=args.out if args.out.is_absolute() else args.root / args.out,
        paper=args.paper,
        languages=tuple(args.lang or ()),
        topics=tuple(args.topic or ()),
    )
    results = build(args.root, options)
    return EXIT_FAILED if any(r.error for r in results) else EXIT_OK


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "extract": _extract,
    "update": _update,
    "compile": _compile,
    "build": _build,
}


def make_parser() -> argparse.ArgumentParser:
    """Describe the command line."""
    parser = argparse.ArgumentParser(
        prog="make_brochures.py",
        description="Build patient-education brochures in many languages as PDFs.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    parser.add_argument("--root", type=Path, default=Path(__file__).resolve().parent.parent,
                        help="project folder (holds brochures/, locales/, templates/, styles/)")
    parser.add_argument("-q", "--quiet", action="store_true", help="print errors only")
    parser.add_argument("--debug", action="store_true", help="show tracebacks")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, function in COMMANDS.items():
        sub = commands.add_parser(name, help=function.__doc__,
                                  formatter_class=argparse.ArgumentDefaultsHelpFormatter)
        if name == "build":
            sub.add_argument("--out", type=Path, default=Path("dist"),
                             help="output folder; PDFs go to OUT/<lang>/<topic>.pdf")
            sub.add_argument("--paper", choices=sorted(PAPER_SIZES), default="letter",
                             help="paper size")
            sub.add_argument("--lang", action="append", metavar="LANG",
                             help="build only this language (repeatable; default: all)")
            sub.add_argument("--topic", action="append", metavar="TOPIC",
                             help="build only this topic (repeatable; default: all)")
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run one command and return its exit code."""
    args = make_parser().parse_args(argv)
    args.root = args.root.resolve()
    logging.basicConfig(
        level=logging.ERROR if args.quiet else logging.INFO,
        format="%(levelname)s: %(message)s" if args.debug else "%(message)s",
        stream=sys.stderr,
    )
    logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    try:
        return COMMANDS[args.command](args)
    except BrochureError as error:
        if args.debug:
            raise
        for line in str(error).splitlines():
            log.error("error: %s", line)
        return EXIT_INPUT
