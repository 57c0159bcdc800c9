#!/usr/bin/env python3
"""Compare the build time per brochure of an earlier commit with the working tree's.

    .venv/bin/python bench/bench_compare.py REV [--repeat 3] [--jobs 2]

Both are built cold (`build --jobs N` into an empty folder) from throw-away copies, in
interleaved runs so that a busy machine slows both alike; each brochure is also rendered
in one warm process per language the two share. Prints medians and after/before ratios
per brochure, since the two may ship different numbers of languages.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PARTS = ("brochures", "locales", "templates", "styles", "brochurekit", "babel.cfg",
         "pyproject.toml", "make_brochures.py")
# bench_build.render_times, run in the copy: "." goes first on sys.path after bench_build
# put this checkout there, so that the copy's own brochurekit is the one measured.
WARM = f"""
import sys
sys.path.insert(0, {str(ROOT / "bench")!r})
import bench_build
sys.path.insert(0, ".")
from pathlib import Path
for lang, seconds in bench_build.render_times(Path("."), int(sys.argv[1]), sys.argv[2:]).items():
    print(lang, seconds)
"""


def copy_tree(rev: str | None, target: Path) -> Path:
    """Copy the project's inputs at a commit (None: the working tree) into target."""
    target.mkdir(parents=True)
    if rev is None:
        for part in PARTS:
            source = ROOT / part
            (shutil.copytree if source.is_dir() else shutil.copy)(source, target / part)
    else:
        archive = subprocess.run(["git", "archive", rev, *PARTS], cwd=ROOT, check=True,
                                 capture_output=True).stdout
        subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    return target


def cold(project: Path, jobs: int, out: str) -> tuple[float, int]:
    """Build every brochure into an empty folder; return seconds and brochure count."""
    started = time.perf_counter()
    subprocess.run([sys.executable, "make_brochures.py", "-q", "build", "--jobs", str(jobs),
                    "--out", out], cwd=project, check=True, stdout=subprocess.DEVNULL,
                   stderr=subprocess.DEVNULL)
    seconds = time.perf_counter() - started
    return seconds, len(list((project / out).glob("*/*.pdf")))


def warm(project: Path, repeat: int, langs: list[str]) -> dict[str, float]:
    result = subprocess.run([sys.executable, "-c", WARM, str(repeat), *langs], cwd=project,
                            check=True, capture_output=True, text=True)
    return {lang: float(s) for lang, s in (line.split() for line in result.stdout.split("\n")
                                           if line.strip())}


def languages(project: Path) -> set[str]:
    return {p.name for p in (project / "locales").iterdir() if (p / "LC_MESSAGES").is_dir()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("rev", help="the earlier commit")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    args = parser.parse_args()
    os.environ["SOURCE_DATE_EPOCH"] = "1790000000"
    with tempfile.TemporaryDirectory() as scratch:
        trees = {"before": copy_tree(args.rev, Path(scratch) / "before"),
                 "after": copy_tree(None, Path(scratch) / "after")}
        shared = sorted((languages(trees["before"]) & languages(trees["after"])) | {"en"})
        per_brochure = {name: [] for name in trees}
        counts = {}
        per_language = {name: {lang: [] for lang in shared} for name in trees}
        for i in range(args.repeat):
            for name, tree in trees.items():
                seconds, counts[name] = cold(tree, args.jobs, f"cold{i}")
                per_brochure[name].append(seconds / counts[name])
                for lang, seconds in warm(tree, 3, shared).items():
                    per_language[name][lang].append(seconds)
    print(f"{args.rev} ({counts['before']} brochures) against the working tree "
          f"({counts['after']}); cold builds with --jobs {args.jobs}; medians of "
          f"{args.repeat} interleaved runs")
    before, after = (statistics.median(per_brochure[n]) for n in ("before", "after"))
    print(f"  cold build, per brochure: before {before:.3f} s, after {after:.3f} s, "
          f"ratio {after / before:.2f}")
    for lang in shared:
        b, a = (statistics.median(per_language[n][lang]) for n in ("before", "after"))
        print(f"  treating-anal-cancer, warm process, {lang:8} before {b:.2f} s, "
              f"after {a:.2f} s, ratio {a / b:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
