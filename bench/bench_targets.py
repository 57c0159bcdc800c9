#!/usr/bin/env python3
"""Measure every speed and size target of issue #17, in one run, as ratios.

    .venv/bin/python bench/bench_targets.py [--repeat 3] [--large 200]

Works on throw-away copies of HEAD (bench_incremental.copy_tree). Each timing is the wall
time of a fresh process (the interpreter and its imports included, as a user waits for
it); timings that are compared are taken in interleaved runs, so that a busy machine slows
both sides alike; figures are medians of --repeat runs.

- small: 5 languages (en, es, fr, ar, zh_Hans) x 4 topics = 20 brochures, each on the
  paper the build gives its language.
- large: the topics copied under new ids until there are about --large brochures in all 14
  languages (and about 320 for the no-op build), each catalog's entries copied for them.
- floor: the same final HTML (captured from a build) rendered and written by one warm
  process with the project's PdfWriter: what WeasyPrint itself costs. "floor with those
  layouts" also lays out the HTML of each measuring pass the build made (fit.py lays a
  brochure out again when it tightens it, and again from its last page of text when it
  adds ruled lines for notes, relayout.py): what is left over is the build's own cost.
  The floor writes each final HTML from a whole layout, so once notes are laid out from
  a page, "floor with those layouts" counts more than the build does.
- weasyprint command: `weasyprint --pdf-variant pdf/ua-1` once per brochure on that HTML
  with the stylesheets linked; on two cores, two commands at a time.
- builds run as any build after the first in a checkout does: each catalog read and the
  translation rules' verdict on it kept in build/catalog-cache. "rules run" builds remove
  the verdicts first, as a build after every catalog changed (or a fresh checkout) runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT / "bench"), str(ROOT)]
from bench_incremental import EDIT, copy_tree  # noqa: E402

PYTHON = str(ROOT / ".venv" / "bin" / "python")
SMALL = ("en", "es", "fr", "ar", "zh_Hans")
EPOCH = {"SOURCE_DATE_EPOCH": "1790000000"}

# Run in the project: build with --jobs 1, and keep each brochure's final HTML (the one
# its PDF was written from) in the folder argv[1].
CAPTURE = """
import sys
from pathlib import Path
from brochurekit import pdf
from brochurekit.build import BuildOptions, build
folder, langs = Path(sys.argv[1]), tuple(sys.argv[2:])
original = pdf.PdfWriter.render_fitted
def render_fitted(self, remake, where, *args, **kwargs):
    laid, resumed = [], []
    layout = self.layout
    def watched(html, after=None):
        laid.append(html)
        resumed.append(after is not None)
        return layout(html, after)
    self.layout = watched
    try:
        return original(self, remake, where, *args, **kwargs)
    finally:
        del self.layout
        name = where.replace("/", "--")
        (folder / (name + ".html")).write_text(laid[-1], encoding="utf-8")
        if resumed[-1]:  # its notes laid out from its last page of text (relayout.py)
            (passes / f"{name}.resumed").touch()
        for number, html in enumerate(laid[:-1], 1):  # the layouts that only measured
            (passes / f"{name}.{number}.html").write_text(html, encoding="utf-8")
pdf.PdfWriter.render_fitted = render_fitted
passes = folder.parent / "passes"
passes.mkdir(parents=True, exist_ok=True)
folder.mkdir(parents=True, exist_ok=True)
build(Path("."), BuildOptions(out=Path("capture-out"), languages=langs, jobs=1, force=True))
"""
# Run in the project: the floor, one warm process writing each captured HTML as a PDF.
FLOOR = """
import sys
from pathlib import Path
from brochurekit.pdf import PdfWriter
writer = PdfWriter(Path("."))
out = Path(sys.argv[2]); out.mkdir(parents=True, exist_ok=True)
for html in sorted(Path(sys.argv[1]).glob("*.html")):
    writer.write(html.read_text(encoding="utf-8"), out / (html.stem + ".pdf"), html.stem)
"""
# Run in the project: the floor with the build's layouts, the same warm process laying out
# each brochure's measuring passes (argv[2]) before writing its final HTML.
FLOOR_FIT = """
import sys
from pathlib import Path
from brochurekit.pdf import PdfWriter
writer = PdfWriter(Path("."))
passes, out = Path(sys.argv[2]), Path(sys.argv[3]); out.mkdir(parents=True, exist_ok=True)
for html in sorted(Path(sys.argv[1]).glob("*.html")):
    for measured in sorted(passes.glob(html.stem + ".*.html")):
        writer.layout(measured.read_text(encoding="utf-8"))
    writer.write(html.read_text(encoding="utf-8"), out / (html.stem + ".pdf"), html.stem)
"""
# Run in the project: a no-op build timed inside the process (what the build itself costs).
NOOP = """
import sys, time
from pathlib import Path
started = time.perf_counter()
from brochurekit.build import BuildOptions, build
imported = time.perf_counter()
results = build(Path("."), BuildOptions(out=Path(sys.argv[1]), languages=tuple(sys.argv[2:])))
assert not any(r.fresh for r in results), "not a no-op"
print(time.perf_counter() - imported)
"""
SUMMARY = re.compile(r"\[3/3\] (\d+) built")


def run(command: list[str], cwd: Path) -> float:
    """Run a command; return its wall time; fail loudly if it fails."""
    started = time.perf_counter()
    done = subprocess.run(command, cwd=cwd, capture_output=True, text=True,
                          env={**os.environ, **EPOCH})
    if done.returncode:
        sys.exit(f"failed: {' '.join(command)}\n{done.stderr[-3000:]}")
    return time.perf_counter() - started


def build(project: Path, out: str, langs: tuple[str, ...] = (), jobs: int = 2,
          extra: tuple[str, ...] = ()) -> float:
    flags = [arg for lang in langs for arg in ("--lang", lang)]
    return run([PYTHON, "make_brochures.py", "-q", "build", "--out", out, "--jobs", str(jobs),
                *flags, *extra], project)


def forget_rules(project: Path) -> None:
    """Remove the translation rules' kept verdicts: the next build runs them again."""
    for kept in (project / "build" / "catalog-cache").glob("*.rules.json"):
        kept.unlink()


def built_count(project: Path, out: str) -> int:
    done = subprocess.run([PYTHON, "make_brochures.py", "build", "--out", out], cwd=project,
                          capture_output=True, text=True, env={**os.environ, **EPOCH})
    return int(SUMMARY.search(done.stdout + done.stderr)[1])


def weasyprint_commands(project: Path, html_dir: Path, out: Path, jobs: int) -> float:
    """The obvious alternative: the `weasyprint` command once per brochure."""
    from brochurekit.pdf import STYLESHEETS

    linked = html_dir.parent / "linked"
    if not linked.exists():
        linked.mkdir()
        links = "".join(f'<link rel="stylesheet" href="styles/{name}">' for name in STYLESHEETS)
        for html in html_dir.glob("*.html"):  # beside styles/, so relative URLs resolve
            text = html.read_text(encoding="utf-8").replace("<style>", links + "<style>", 1)
            (project / f"_{html.name}").write_text(text, encoding="utf-8")
            (linked / html.name).touch()
    out.mkdir(parents=True, exist_ok=True)
    weasyprint = str(Path(PYTHON).with_name("weasyprint"))
    commands = [[weasyprint, "-q", "--pdf-variant", "pdf/ua-1", f"_{name.name}",
                 str(out / name.with_suffix(".pdf").name)] for name in sorted(linked.iterdir())]
    started = time.perf_counter()
    with ThreadPoolExecutor(jobs) as pool:
        for done in pool.map(lambda c: subprocess.run(c, cwd=project, capture_output=True),
                             commands):
            if done.returncode:
                sys.exit(f"weasyprint failed: {done.stderr[-2000:]}")
    return time.perf_counter() - started


def enlarge(project: Path, topics: int) -> None:
    """Copy the topics under new ids until the project has `topics` topics, and each
    catalog's entries for a topic to its copies (the context names the topic: "id/...")."""
    from babel.messages.pofile import read_po, write_po

    originals = sorted(p for p in (project / "brochures").glob("*.yaml")
                       if not p.name.startswith("_") and "-copy" not in p.stem)
    count = len(list((project / "brochures").glob("[!_]*.yaml")))
    copies: dict[str, list[str]] = {}
    copy = 1
    while count < topics:
        for path in originals:
            new_id = f"{path.stem}-copy{copy}"
            target = project / "brochures" / f"{new_id}.yaml"
            if count >= topics:
                break
            if target.exists():
                continue
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"^id: .*$", f"id: {new_id}", text, count=1, flags=re.MULTILINE)
            target.write_text(text, encoding="utf-8")
            copies.setdefault(path.stem, []).append(new_id)
            count += 1
        copy += 1
    for po in (project / "locales").glob("*/LC_MESSAGES/brochures.po"):
        with po.open("rb") as stream:
            catalog = read_po(stream)
        for message in list(catalog):
            topic = (message.context or "").split("/", 1)[0]
            for new_id in copies.get(topic, ()):
                catalog.add(message.id, message.string, flags=message.flags,
                            auto_comments=message.auto_comments,
                            user_comments=message.user_comments,
                            context=new_id + message.context[len(topic):])
        with po.open("wb") as stream:
            write_po(stream, catalog, width=0)


def median(values: list[float]) -> float:
    return statistics.median(values)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing")
    parser.add_argument("--large", type=int, default=200,
                        help="brochures in the large build (0: skip the --jobs scaling runs)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        small = copy_tree("HEAD", Path(folder) / "small")
        html_dir = Path(folder) / "html"
        run([PYTHON, "-c", CAPTURE, str(html_dir), *SMALL], small)
        passes = Path(folder) / "passes"
        brochures = len(list(html_dir.glob("*.html")))
        layouts = (brochures + len(list(passes.glob("*.html")))) / brochures
        resumed = len(list(passes.glob("*.resumed")))  # of those, laid out from a page
        t: dict[str, list[float]] = {k: [] for k in (
            "j1", "j2", "j1_rules", "j2_rules", "floor", "floor_fit", "cmd1", "cmd2", "noop20",
            "noop20_inner", "release", "noop_all")}
        build(small, "warm", SMALL)  # the no-op builds' folder
        for i in range(args.repeat):  # interleaved
            t["j1"].append(build(small, f"j1-{i}", SMALL, jobs=1))
            t["floor"].append(run([PYTHON, "-c", FLOOR, str(html_dir), f"floor-{i}"], small))
            t["floor_fit"].append(run([PYTHON, "-c", FLOOR_FIT, str(html_dir), str(passes),
                                       f"floor-fit-{i}"], small))
            t["cmd1"].append(weasyprint_commands(small, html_dir, Path(folder) / f"c1-{i}", 1))
            t["j2"].append(build(small, f"j2-{i}", SMALL, jobs=2))
            forget_rules(small)
            t["j1_rules"].append(build(small, f"j1r-{i}", SMALL, jobs=1))
            forget_rules(small)
            t["j2_rules"].append(build(small, f"j2r-{i}", SMALL, jobs=2))
            t["cmd2"].append(weasyprint_commands(small, html_dir, Path(folder) / f"c2-{i}", 2))
            t["noop20"].append(build(small, "warm", SMALL))
            done = subprocess.run([PYTHON, "-c", NOOP, "warm", *SMALL], cwd=small, check=True,
                                  capture_output=True, text=True, env={**os.environ, **EPOCH})
            t["noop20_inner"].append(float(done.stdout.split()[-1]))
        # release with an up-to-date cache, against a no-op build of the same brochures
        run([PYTHON, "make_brochures.py", "-q", "release", "--out", "dist", "--cache", "rc"],
            small)
        for _ in range(args.repeat):
            t["release"].append(run([PYTHON, "make_brochures.py", "-q", "release", "--out",
                                     "dist", "--cache", "rc"], small))
            t["noop_all"].append(build(small, "rc"))
        # what an edit rebuilds
        po = small / "locales" / "fr" / "LC_MESSAGES" / "brochures.po"
        original = po.read_text(encoding="utf-8")
        po.write_text(original.replace(*EDIT), encoding="utf-8")
        edited = built_count(small, "rc")
        po.write_text(original, encoding="utf-8")
        built_count(small, "rc")
        run([PYTHON, "make_brochures.py", "-q", "extract"], small)
        run([PYTHON, "make_brochures.py", "-q", "update"], small)
        updated = built_count(small, "rc")
        sizes = {p.name: p.stat().st_size for p in (small / "j1-0" / "zh_Hans").glob("*.pdf")}
        build(small, "ps", ("zh_Hans",), extra=("--edition", "print-shop"))
        print_shop = max(p.stat().st_size for p in (small / "ps").rglob("*.pdf"))

        # large: --jobs 2 against --jobs 1, and the no-op build at about 320
        large = copy_tree("HEAD", Path(folder) / "large")
        langs = len([p for p in (large / "locales").iterdir() if p.is_dir()]) + 1
        enlarge(large, -(-args.large // langs))
        t.update(lj1=[], lj2=[], noop320=[])
        count = len(list((large / "brochures").glob("[!_]*.yaml"))) * langs
        for i in range(args.repeat if args.large else 0):  # --large 0: no scaling runs
            forget_rules(large)  # as a build after the catalogs changed: the rules run
            t["lj1"].append(build(large, f"lj1-{i}", jobs=1))
            forget_rules(large)
            t["lj2"].append(build(large, f"lj2-{i}", jobs=2))
        enlarge(large, -(-320 // langs))
        noop_count = len(list((large / "brochures").glob("[!_]*.yaml"))) * langs
        build(large, "warm")
        for _ in range(args.repeat):
            done = subprocess.run([PYTHON, "-c", NOOP, "warm"], cwd=large, check=True,
                                  capture_output=True, text=True, env={**os.environ, **EPOCH})
            t["noop320"].append(float(done.stdout.split()[-1]))

    m = {key: median(values) for key, values in t.items() if values}
    rows = [
        ("one fr entry edited: brochures rebuilt", f"{edited}", "1 (only fr/stage-4 prints it)"),
        ("extract && update, no change: rebuilt", f"{updated}", "0"),
        ("no-op build, 20 brochures (in process)", f"{m['noop20_inner']:.2f} s", "<= 0.3 s"),
        ("no-op build, 20 brochures (command)", f"{m['noop20']:.2f} s", "-"),
        (f"no-op build, {noop_count} brochures (in process)", f"{m['noop320']:.2f} s",
         "<= 0.6 s"),
        ("release up to date / no-op build", f"{m['release'] / m['noop_all']:.2f}x",
         "<= 1.5x"),
        ("--jobs 1 / --jobs 2, 20 brochures", f"{m['j1'] / m['j2']:.2f}x", ">= 1.7x"),
        ("  the same, the rules run", f"{m['j1_rules'] / m['j2_rules']:.2f}x", "-"),
        (f"--jobs 1 / --jobs 2, {count} brochures, the rules run",
         f"{m['lj1'] / m['lj2']:.2f}x" if "lj1" in m else "not run", ">= 1.9x"),
        ("build --jobs 1 / floor, 20 brochures", f"{m['j1'] / m['floor']:.2f}x", "<= 1.15x"),
        ("  the same, the rules run", f"{m['j1_rules'] / m['floor']:.2f}x", "-"),
        ("  layouts per brochure (fitting measures)", f"{layouts:.2f}", "-"),
        ("  of them, notes laid out from the last page of text", f"{resumed / brochures:.2f}",
         "-"),
        ("  build --jobs 1 / floor with those layouts", f"{m['j1'] / m['floor_fit']:.2f}x", "-"),
        ("weasyprint command / build, one core", f"{m['cmd1'] / m['j1']:.2f}x", ">= 3x"),
        ("weasyprint command / build, two cores", f"{m['cmd2'] / m['j2']:.2f}x", ">= 3.5x"),
        ("  weasyprint command / floor, one core", f"{m['cmd1'] / m['floor']:.2f}x",
         "- (the most any build could reach)"),
        ("largest standard zh_Hans PDF", f"{max(sizes.values()) / 1000:.0f} KB", "<= 200 KB"),
        ("print-shop zh_Hans PDF", f"{print_shop / 1e6:.2f} MB", "<= 2 MB"),
    ]
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}, "
          f"Python {platform.python_version()}; medians of {args.repeat} interleaved runs")
    print(json.dumps({k: round(v, 3) for k, v in m.items()}))
    for name, value, target in rows:
        print(f"  {name:44} {value:>10}   target {target}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
