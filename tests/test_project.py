"""The project's settings, read and checked once (brochurekit/project.py)."""

from __future__ import annotations

import shutil

import pytest

from brochurekit.errors import BrochureError
from brochurekit.project import load_project
from conftest import ROOT


@pytest.fixture
def config(tmp_path):
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path / "pyproject.toml"


def line_of(config, start: str) -> int:
    return next(number for number, text in enumerate(config.read_text().splitlines(), 1)
                if text.startswith(start))


def test_the_settings_as_the_project_gives_them():
    project = load_project(ROOT)
    assert project.paper_for("en") == "letter" and project.paper_for("fr") == "a4"
    assert project.paper_for("fr", booklet=True) == "a5"
    assert project.paper_for("fr", paper="letter") == "letter"
    assert project.base_url is None and project.online_url("fr", "x") is None
    assert load_project(ROOT) is project  # read once while the file is unchanged


def test_a_changed_file_is_read_again(config):
    first = load_project(config.parent)
    config.write_text(config.read_text().replace(
        'base_url = ""', 'base_url = "https://clinic.example.org/brochures/"'))
    project = load_project(config.parent)
    assert project is not first
    assert project.online_url("ar", "stage-4") == \
        "https://clinic.example.org/brochures/ar/stage-4.html"


@pytest.mark.parametrize(("old", "new", "start", "message"), [
    ('base_url = ""', 'base_url = ""\nbase_ur1 = "x"', "base_ur1",
     r"base_ur1: unknown setting \(known: base_url, in_progress, print_profile, paper\)"),
    ('base_url = ""', 'base_url = "http://clinic.example.org"', "base_url",
     "base_url: must start with https://"),
    ('fa = "letter"', 'fa = "legal"', "fa =", r"\[tool.brochurekit.paper\] fa = 'legal': "
     "choose from letter, a4"),
    ("in_progress = []", "in_progress = 3", "in_progress", "in_progress: must be a list"),
])
def test_a_bad_setting_is_refused_with_its_line(config, old, new, start, message):
    config.write_text(config.read_text().replace(old, new, 1))
    with pytest.raises(BrochureError, match=message) as raised:
        load_project(config.parent)
    assert (raised.value.file, raised.value.line) == ("pyproject.toml", line_of(config, start))
