"""The command line: parse arguments, call the stage, report, return an exit code.

Exit codes: 0 success; 1 some brochures failed; 2 bad input (content, catalogs, options).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import sys
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from . import catalogs, fonts, originality
from .build import BuildOptions, build
from .content import SLUG, load_content
from .editions import COMBINATIONS, EDITIONS, STANDARD, check, joined
from .errors import BrochureError
from .files import write_atomically
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


def _init_language(args: argparse.Namespace) -> int:
    """Start a catalog for a new language; no other change is needed to build it."""
    path = catalogs.init_language(args.root, args.language)
    log.info("created %s", path.relative_to(args.root))
    locale = catalogs.validate_language(args.language)
    autonym = locale.get_display_name(locale) or ""
    try:
        fonts.check_coverage(args.root, args.language, autonym, "styles/fonts.css")
    except BrochureError as error:
        log.warning("warning: %s", error)
        log.warning("add a font for this script to styles/fonts.css before building")
    log.info("next: translate it, check it with `make_brochures.py check`, then "
             "`make_brochures.py build --lang %s`", args.language)
    return EXIT_OK


def _serve(args: argparse.Namespace) -> int:
    """Preview every brochure in a browser; pages reload when a source file is saved."""
    from . import preview  # imports WeasyPrint: only the commands that render pay for it

    server = preview.make_server(args.root, args.host, args.port)
    host, port = server.server_address[:2]
    log.info("previewing on http://%s:%d/ (Ctrl+C to stop)", host, port)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return EXIT_OK


def _check(args: argparse.Namespace) -> int:
    """Report translation progress and problems; exit 1 if a rule fails."""
    from . import checks
    sources = originality.load_sources(args.sources) if args.sources else ()
    report = checks.check(args.root, load_content(args.root), args.threshold, args.today,
                          sources, args.words, tuple(args.lang or ()),
                          built if (built := args.built or args.root / "dist").is_dir() else None)
    if args.json:
        print(json.dumps(report.as_json(), ensure_ascii=False, indent=2))
    else:
        print(format_report(report))
    return EXIT_FAILED if report.failed(args.strict) else EXIT_OK


def format_report(report) -> str:  # noqa: ANN001
    """Lay the report out as a table of progress, then the findings, then a summary."""
    from . import checks

    header = ("language", "topic", "translated", "fuzzy", "untranslated", "done")
    rows = [header] + [
        (s.lang, s.topic, f"{s.translated}/{s.total}", str(s.fuzzy), str(s.untranslated),
         f"{s.percent:.0f}%")
        for s in sorted([*report.stats, *report.totals], key=lambda s: s.lang)
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = ["  ".join(cell.ljust(w) if i < 2 else cell.rjust(w)
                       for i, (cell, w) in enumerate(zip(row, widths, strict=True)))
             for row in rows]
    lines.append("obsolete entries: " + ", ".join(
        f"{lang} {count}" for lang, count in report.obsolete.items()))
    lines.append("reading grade (Flesch-Kincaid, target 8 or below): " + ", ".join(
        f"{topic} {grade:.1f}" for topic, grade in report.readability.items()))
    lines.extend(str(finding) for finding in report.findings)
    for total in report.totals:
        mine = [f for f in report.findings if f.file.startswith(f"locales/{total.lang}/")]
        errors = sum(f.level == "error" for f in mine)
        unfinished = sum(f.level == checks.IN_PROGRESS for f in mine)
        lines.append(f"{total.lang}: {total.percent:.0f}% of {total.total} units, "
                     f"{errors} errors, {len(mine) - errors - unfinished} warnings"
                     + (f", {unfinished} findings in progress (they do not fail check)"
                        if unfinished else ""))
    if report.shared_words is not None:
        shared = sum(f.rule == "originality" for f in report.findings)
        lines.append(f"{shared} passages share {report.shared_words}+ words with the sources")
    errors = sum(f.level == "error" for f in report.findings)
    unfinished = sum(f.level == checks.IN_PROGRESS for f in report.findings)
    lines.append(f"{errors} errors, {len(report.findings) - errors - unfinished} warnings"
                 + (f", {unfinished} in languages in progress" if unfinished else ""))
    return "\n".join(lines)


def _review(args: argparse.Namespace) -> int:
    """Record a medical review of every entry of a catalog that passes the checks today."""
    from . import gate, review

    translator = gate.load_translator(args.root, args.lang)
    if args.lang == catalogs.SOURCE_LANGUAGE:
        raise BrochureError("English is the source language: there is no translation to review")
    passed = [digest for key, digest in translator.digests.items()
              if key in translator.entries]
    path = review.record_review(args.root, args.lang, args.reviewer, args.date, passed)
    log.info("recorded a review of %d entries by %s on %s in %s", len(passed), args.reviewer,
             args.date.isoformat(), path.relative_to(args.root))
    if translator.rejected:
        log.warning("%d entries that break a rule were not recorded: run `check --lang %s`",
                    len(translator.rejected), args.lang)
    return EXIT_OK


def _run_length(value: str) -> int:
    """Parse --words: a whole number, at least the shortest run worth comparing."""
    try:
        words = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {value!r}") from None
    if words < originality.MIN_WORDS:
        raise argparse.ArgumentTypeError(
            f"must be {originality.MIN_WORDS} or more, got {words}")
    return words


def _build(args: argparse.Namespace) -> int:
    """Build the PDFs and report each failure; exit 1 if any brochure failed."""
    options = BuildOptions(
        out=_in_root(args, args.out),
        paper=args.paper,
        languages=tuple(args.lang or ()),
        topics=tuple(args.topic or ()),
        threshold=args.threshold,
        draft=args.draft,
        jobs=args.jobs,
        force=args.force,
        editions=tuple(name for name in EDITIONS if getattr(args, name.replace("-", "_"))),
    )
    specs = [spec.strip() for value in args.edition or () for spec in value.split(",")]
    if specs and options.editions:
        raise BrochureError("--edition names every edition to build: leave out "
                            f"--{' --'.join(options.editions)}")
    editions = [options.edition(spec) for spec in specs] or [options]
    for each in editions:  # all checked before any is built
        check(each.editions)
    if args.site:  # each site's brochures in <out>/<site>/, in the site's languages
        editions = [each for options in editions for each in _for_sites(args, options)]
    failed = False
    for each in editions:
        if len(editions) > 1:
            log.info("%s: %s", each.site.id if each.site else "edition",
                     joined(each.editions))
        failed |= any(r.error for r in build(args.root, each))
    return EXIT_FAILED if failed else EXIT_OK


def _for_sites(args: argparse.Namespace, options: BuildOptions) -> list[BuildOptions]:
    """Return the options for each site named with --site: its folder, its languages
    (those of --lang among them), its paper unless --paper says."""
    from .sites import load_sites

    known = load_sites(args.root, tuple(catalogs.languages(args.root)), tuple(PAPER_SIZES))
    chosen = []
    for site_id in dict.fromkeys(args.site):
        if site_id not in known:
            raise BrochureError(f"unknown site {site_id!r} (sites: "
                                f"{', '.join(known) or 'none yet; see init-site'})")
        site = known[site_id]
        langs = tuple(lang for lang in site.languages
                      if not options.languages or lang in options.languages)
        if not langs:
            raise BrochureError(f"site {site_id!r} offers none of the languages asked for "
                                f"(it offers {', '.join(site.languages)})", site.file)
        chosen.append(replace(options, out=options.out / site.id, site=site, languages=langs))
    return chosen


def _init_site(args: argparse.Namespace) -> int:
    """Start a clinic's site profile, sites/<id>.yaml, from a commented template."""
    from .sites import SITES, starter

    if not SLUG.match(args.site):
        raise BrochureError(f"{args.site!r}: a site id is lowercase letters, digits and "
                            "single hyphens, such as riverside-clinic")
    target = args.root / SITES / f"{args.site}.yaml"
    if target.exists():
        raise BrochureError("already exists; edit it, or choose another id",
                            target.relative_to(args.root).as_posix())
    write_atomically(target, starter(args.site).encode("utf-8"))
    log.info("created %s: fill it in, then `make_brochures.py check` and "
             "`make_brochures.py build --site %s`", target.relative_to(args.root), args.site)
    return EXIT_OK


def _release(args: argparse.Namespace) -> int:
    """Build every released brochure into dist/ with manifest, checksums and index."""
    from . import release

    shard = release.Shard.parse(args.shard) if args.shard else None
    failed = release.release(args.root, _in_root(args, args.out), _in_root(args, args.cache),
                             args.jobs, shard, force=args.force,
                             only=tuple(args.lang or ()), strict=args.strict,
                             sites=tuple(args.site) if args.site else None)
    return EXIT_FAILED if failed else EXIT_OK


def _merge(args: argparse.Namespace) -> int:
    """Join the releases of several shards into one."""
    from . import release

    release.merge(args.root, [_in_root(args, p) for p in args.shards], _in_root(args, args.out))
    log.info("merged %d shards into %s", len(args.shards), args.out)
    return EXIT_OK


def _in_root(args: argparse.Namespace, path: Path) -> Path:
    """Resolve a relative path against the project root."""
    return path if path.is_absolute() else args.root / path


COMMANDS: dict[str, Callable[[argparse.Namespace], int]] = {
    "extract": _extract,
    "update": _update,
    "compile": _compile,
    "init-language": _init_language,
    "init-site": _init_site,
    "check": _check,
    "review": _review,
    "build": _build,
    "serve": _serve,
    "release": _release,
    "merge": _merge,
}


def _percent(text: str) -> float:
    """Read a percentage from 0 to 100 (argparse turns the error into a usage message)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not 0 <= value <= 100:  # false for nan too
        raise argparse.ArgumentTypeError(f"must be from 0 to 100, got {text}")
    return value


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
        if name in ("release", "merge"):
            sub.add_argument("--out", type=Path, default=Path("dist"),
                             help="the release folder (replaced only when complete)")
        if name == "release":
            sub.add_argument("--cache", type=Path, default=Path("build") / "release-cache",
                             help="where brochures are built incrementally")
            sub.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                             help="worker processes")
            sub.add_argument("--shard", metavar="I/N",
                             help="build only slice I of N (stable), for a CI matrix")
            sub.add_argument("--force", action="store_true",
                             help="build every brochure again, ignoring the cache")
            sub.add_argument("--lang", action="append", metavar="LANG",
                             help="release only this language (repeatable; default: all "
                                  "but those in progress)")
            sub.add_argument("--strict", action="store_true",
                             help="refuse to release if any topic's review is overdue")
            sub.add_argument("--site", action="append", metavar="ID",
                             help="release this clinic's brochures too (repeatable; default: "
                                  "every site in sites/ not marked as an example)")
        if name == "merge":
            sub.add_argument("shards", nargs="+", type=Path, help="the shards' release folders")
        if name == "serve":
            sub.add_argument("--host", default="127.0.0.1",
                             help="address to listen on (others on the network can see it "
                                  "if you change this)")
            sub.add_argument("--port", type=int, default=8000, help="port to listen on")
        if name == "init-site":
            sub.add_argument("site", help="the site's id, used in file and folder names: "
                                          "lowercase letters, digits and hyphens")
        if name == "init-language":
            sub.add_argument("language", help="a locale code such as pt_BR, de or zh_Hant")
        if name == "review":
            sub.add_argument("--lang", required=True, help="the catalog's language")
            sub.add_argument("--reviewer", required=True,
                             help="who reviewed it, as the back page should name them")
            sub.add_argument("--date", type=dt.date.fromisoformat, default=dt.date.today(),
                             help="when (YYYY-MM-DD)")
        if name == "check":
            sub.add_argument("--json", action="store_true", help="print the report as JSON")
            sub.add_argument("--strict", action="store_true", help="fail on warnings too")
            sub.add_argument("--built", type=Path, default=None, metavar="DIR",
                             help="where the last build wrote its PDFs (default: dist): a "
                                  "standard brochure set over its topic's page budget is a "
                                  "warning")
            sub.add_argument("--lang", action="append", metavar="LANG",
                             help="check only this language's catalog (repeatable)")
            sub.add_argument("--threshold", type=_percent, default=100.0,
                             help="percent of a topic a language must translate to pass")
            sub.add_argument("--today", type=dt.date.fromisoformat, default=dt.date.today(),
                             help="the date review dates are checked against (YYYY-MM-DD)")
            sub.add_argument("--sources", type=Path, metavar="DIR",
                             help="folder of source pages (*.txt): warn of each passage of "
                                  "the English that shares a run of words with one")
            sub.add_argument("--words", type=_run_length, metavar="N",
                             default=originality.DEFAULT_WORDS,
                             help="with --sources: report runs of N or more shared words "
                                  f"(N at least {originality.MIN_WORDS})")
        if name == "build":
            sub.add_argument("--out", type=Path, default=Path("dist"),
                             help="output folder; PDFs go to OUT/<lang>/<topic>.pdf")
            sub.add_argument("--site", action="append", metavar="ID",
                             help="build a clinic's brochures (sites/ID.yaml) in its "
                                  "languages, into OUT/ID/<lang>/<topic>.pdf (repeatable)")
            sub.add_argument("--paper", choices=sorted(PAPER_SIZES), default=None,
                             help="paper size (default: each language's, from "
                                  "[tool.brochurekit.paper] in pyproject.toml)")
            for edition in EDITIONS.values():
                sub.add_argument(f"--{edition.name}", action="store_true", help=edition.help)
            sub.add_argument("--edition", action="append", metavar="LIST",
                             help="editions to build in one run, each as its own PDF, "
                                  f"comma-separated: {STANDARD}, {', '.join(EDITIONS)}, or "
                                  "a combination joined with '+' ("
                                  f"{', '.join(sorted(map(joined, COMBINATIONS)))})")
            sub.add_argument("--lang", action="append", metavar="LANG",
                             help="build only this language (repeatable; default: all)")
            sub.add_argument("--topic", action="append", metavar="TOPIC",
                             help="build only this topic (repeatable; default: all)")
            sub.add_argument("--threshold", type=_percent, default=100.0,
                             help="release a brochure only when this percent of it is "
                                  "translated; missing units then show in English, marked")
            sub.add_argument("--jobs", "-j", type=int, default=os.cpu_count() or 1,
                             help="worker processes")
            sub.add_argument("--force", action="store_true",
                             help="rebuild every brochure, even those already up to date")
            sub.add_argument("--draft", action="store_true",
                             help="build every brochure whatever its completeness, as "
                                  "<topic>.draft.pdf with DRAFT on every page")
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
