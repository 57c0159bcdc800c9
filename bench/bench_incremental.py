"""Measure incremental builds: what a no-op build costs, and what one edit rebuilds.

Run from the project root (it works on a copy, in a temporary folder):

    .venv/bin/python bench/bench_incremental.py [--repeat 5] [--rev COMMIT]

With --rev, the same steps run on that commit too, interleaved, for a like-for-like ratio.
Each step is one `make_brochures.py build` in a fresh process; its time is the build's own
("[3/3] ... in X s"), so the interpreter's start-up is left out. Medians of --repeat runs.
"""

from __future__ import annotations

import argparse
import re
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
SUMMARY = re.compile(r"\[3/3\] (\d+) built, (\d+) up to date, (\d+) failed, in ([0-9.]+) s")
EDIT = ('msgstr "Chimiothérapie"', 'msgstr "La chimiothérapie"')  # stage 4's figure, in fr


def copy_tree(rev: str, target: Path) -> Path:
    """Export a commit ("HEAD" or another) into `target`, as a git repository of its own
    (the build dates PDFs from the last commit)."""
    target.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", rev], cwd=ROOT, check=True,
                             capture_output=True).stdout
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive, check=True)
    for command in (["init", "-q"], ["add", "-A"],
                    ["-c", "user.name=bench", "-c", "user.email=bench@example.org",
                     "commit", "-q", "-m", "bench", "--date", "2026-01-01T00:00:00Z"]):
        subprocess.run(["git", *command], cwd=target, check=True)
    return target


def build(project: Path) -> tuple[int, int, float]:
    """Build into the project's dist/; return (built, failed, seconds)."""
    done = subprocess.run([str(PYTHON), "make_brochures.py", "build", "--out", "dist"],
                          cwd=project, capture_output=True, text=True)
    found = SUMMARY.search(done.stdout + done.stderr)
    if found is None:
        sys.exit(f"no build summary from {project}:\n{done.stderr[-2000:]}")
    return int(found[1]), int(found[3]), float(found[4])


def one_round(project: Path, found: dict[str, list], built: dict[str, int]) -> None:
    """Time each step once on a project that is up to date, and leave it so."""
    po = project / "locales" / "fr" / "LC_MESSAGES" / "brochures.po"
    original = po.read_text(encoding="utf-8")
    built["no-op"], _, seconds = build(project)
    found["no-op"].append(seconds)
    po.write_text(original.replace(*EDIT), encoding="utf-8")
    built["one entry edited"], _, seconds = build(project)
    found["one entry edited"].append(seconds)
    po.write_text(original, encoding="utf-8")
    build(project)
    header = re.sub(r'"POT-Creation-Date: [^"]*"',
                    lambda _: '"POT-Creation-Date: 2031-01-01 00:00+0000\\n"', original)
    po.write_text(header, encoding="utf-8")
    built["update, nothing changed"], _, seconds = build(project)
    found["update, nothing changed"].append(seconds)
    po.write_text(original, encoding="utf-8")
    build(project)


STEPS = ("no-op", "one entry edited", "update, nothing changed")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="runs per step")
    parser.add_argument("--rev", help="an earlier commit to compare with")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        projects = {"now": copy_tree("HEAD", Path(folder) / "now")}
        if args.rev:
            projects["then"] = copy_tree(args.rev, Path(folder) / "then")
        times = {name: {step: [] for step in STEPS} for name in projects}
        counts: dict[str, dict[str, int]] = {name: {} for name in projects}
        for project in projects.values():
            build(project)  # the full build both start from
        for _ in range(args.repeat):  # interleaved: the machine's load falls on both
            for name, project in projects.items():
                one_round(project, times[name], counts[name])
    now = {step: (counts["now"][step], statistics.median(times["now"][step]))
           for step in STEPS}
    then = {step: (counts["then"][step], statistics.median(times["then"][step]))
            for step in STEPS} if args.rev else None
    print(f"{'step':<26} {'built':>6} {'median s':>9}" + (
        f" | {args.rev[:10]:>10} built {'median s':>9} {'ratio':>6}" if then else ""))
    for step, (count, seconds) in now.items():
        line = f"{step:<26} {count:>6} {seconds:>9.2f}"
        if then:
            old_count, old_seconds = then[step]
            line += f" | {old_count:>16} {old_seconds:>9.2f} {seconds / old_seconds:>6.2f}"
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
