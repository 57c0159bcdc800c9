#!/usr/bin/env python3
"""Benchmark the build, on a throw-away copy of the project. Prints medians and ratios.

    .venv/bin/python bench/bench_build.py [--repeat 3]

Measured, in the same run:
- cold: every brochure from an empty folder (`build --jobs N`), and with one worker;
- warm: a second build with nothing changed;
- one catalog: a build after one .po file changed;
- the obvious alternative: the `weasyprint` command once per brochure on the same HTML;
- per-PDF render time by language, in one warm process (CJK font subsetting included).
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PARTS = ("brochures", "locales", "templates", "styles", "brochurekit", "babel.cfg",
         "pyproject.toml", "make_brochures.py")


def timed(command: list[str], cwd: Path) -> float:
    """Run a command and return its wall time in seconds; fail loudly if it fails."""
    started = time.perf_counter()
    subprocess.run(command, cwd=cwd, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per measurement")
    args = parser.parse_args()
    python = sys.executable
    jobs = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as scratch:
        project = Path(scratch) / "project"
        for part in PARTS:
            source = ROOT / part
            (shutil.copytree if source.is_dir() else shutil.copy)(source, project / part)
        env_epoch = {"SOURCE_DATE_EPOCH": "1790000000"}
        os.environ.update(env_epoch)
        build = [python, "make_brochures.py", "-q", "build"]

        cold, serial = [], []
        for i in range(args.repeat):
            cold.append(timed([*build, "--jobs", str(jobs), "--out", f"cold{i}"], project))
            serial.append(timed([*build, "--jobs", "1", "--out", f"serial{i}"], project))
        warm = [timed([*build, "--out", "cold0"], project) for _ in range(args.repeat + 2)]
        one = []
        po = project / "locales" / "fr" / "LC_MESSAGES" / "brochures.po"
        for i in range(args.repeat):
            po.write_text(po.read_text() + f"\n# bench change {i}\n")
            one.append(timed([*build, "--out", "cold0"], project))
        pages = sorted((project / "cold0").glob("*/*.pdf"))

        html_dir = Path(scratch) / "html"
        write_html(project, html_dir)
        weasyprint = str(Path(python).with_name("weasyprint"))
        alternative = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            for html in sorted(html_dir.glob("*.html")):
                subprocess.run([weasyprint, "-q", str(html), str(html.with_suffix(".pdf"))],
                               check=True, cwd=project)
            alternative.append(time.perf_counter() - started)
        per_language = render_times(project, args.repeat)

    report(args.repeat, jobs, len(pages), cold, serial, warm, one, alternative, per_language)
    return 0


def write_html(project: Path, folder: Path) -> None:
    """Write each brochure's HTML with links to the stylesheets, for the weasyprint command."""
    from brochurekit.catalogs import languages, load_translator
    from brochurekit.content import load_content
    from brochurekit.pdf import STYLESHEETS
    from brochurekit.render import make_environment, render_html

    folder.mkdir()
    env = make_environment(project / "templates")
    links = "".join(f'<link rel="stylesheet" href="{(project / "styles" / n).as_uri()}">'
                    for n in STYLESHEETS)
    for lang in languages(project):
        translator = load_translator(project, lang)
        for topic in load_content(project).topics:
            html = render_html(env, topic, translator, "letter").html
            (folder / f"{lang}-{topic.id}.html").write_text(
                html.replace("<style>", links + "<style>", 1), encoding="utf-8")


def render_times(project: Path, repeat: int, only: list[str] | None = None) -> dict[str, float]:
    """Return the median seconds to render one brochure per language (or those named), in
    a warm process, with the brochurekit first on sys.path."""
    from brochurekit.catalogs import languages, load_translator
    from brochurekit.content import load_content
    from brochurekit.pdf import PdfWriter
    from brochurekit.render import make_environment, render_html

    env, writer = make_environment(project / "templates"), PdfWriter(project)
    topic = load_content(project).topic("treating-anal-cancer")
    times = {}
    for lang in only or languages(project):
        html = render_html(env, topic, load_translator(project, lang), "letter").html
        writer.render(html, "warm-up")
        samples = []
        for _ in range(repeat):
            started = time.perf_counter()
            writer.render(html, lang)
            samples.append(time.perf_counter() - started)
        times[lang] = median(samples)
    return times


def report(repeat, jobs, count, cold, serial, warm, one, alternative, per_language) -> None:
    """Print the figures: medians of `repeat` runs, and ratios against the alternatives."""
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
          f"Python {platform.python_version()}; {count} brochures; medians of {repeat} runs")
    rows = [
        (f"cold build, --jobs {jobs}", median(cold)),
        ("cold build, --jobs 1", median(serial)),
        ("warm build, nothing changed", median(warm)),
        ("one catalog changed (fr)", median(one)),
        ("weasyprint command per brochure", median(alternative)),
    ]
    for name, seconds in rows:
        print(f"  {name:34} {seconds:7.2f} s")
    print(f"  weasyprint command / cold build:   {median(alternative) / median(cold):5.1f}x")
    print(f"  --jobs 1 / --jobs {jobs}:                {median(serial) / median(cold):5.1f}x")
    print(f"  cold / warm no-op:                {median(cold) / median(warm):6.1f}x")
    print("  one brochure (treating-anal-cancer), warm process: " + ", ".join(
        f"{lang} {seconds:.2f} s" for lang, seconds in per_language.items()))


if __name__ == "__main__":
    sys.exit(main())
