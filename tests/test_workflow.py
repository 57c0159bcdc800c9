"""The translators' workflow: extract content and templates, update catalogs, keep work."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import polib
import pytest
from babel.messages.pofile import read_po

from brochurekit import catalogs
from brochurekit.errors import CatalogError
from conftest import ROOT, TRANSLATED


def read(path: Path):
    with path.open("rb") as handle:
        return read_po(handle)


@pytest.fixture(scope="module")
def fresh_template(tmp_path_factory) -> Path:
    """Extract the template from the real project into a throw-away copy."""
    copy = tmp_path_factory.mktemp("extract")
    for part in ("brochures", "sites", "templates", "brochurekit", "babel.cfg"):
        source = ROOT / part
        (subprocess.run(["cp", "-r", str(source), str(copy / part)], check=True))
    return catalogs.extract(copy)


def test_extract_collects_content_with_context_location_and_comment(fresh_template):
    template = read(fresh_template)
    message = template.get("Radiation, Monday to Friday",
                           context="treating-anal-cancer/stages-1-3")
    assert message is not None
    ((file, line),) = message.locations
    assert file == "brochures/treating-anal-cancer.yaml"
    text = (ROOT / file).read_text().splitlines()[line - 1]
    assert "Monday to Friday" in text
    assert message.auto_comments[0].startswith("Short label inside a figure")
    bullet = template.get("Radiation: on weekdays (Monday to Friday), for 5 to 7 weeks.",
                          context="shared/chemoradiation")
    assert bullet.auto_comments[0].startswith("Item of a bulleted list.")  # kind first
    shared = template.get("Clinical trials", context="shared/clinical-trials")
    assert shared.locations[0][0] == "brochures/_shared.yaml"
    assert shared.auto_comments == ["Section heading."]


def test_extract_collects_template_and_code_strings(fresh_template):
    template = read(fresh_template)
    references = template.get("References")
    assert references.locations[0][0] == "templates/brochure.html.j2"
    review = template.get("Last reviewed: %(date)s")
    assert "python-format" in review.flags
    assert any("date" in c for c in review.auto_comments)
    footer = template.get("Page %(page)s of %(pages)s", context="page footer")
    assert footer.locations[0][0] == "brochurekit/render.py"


def test_committed_template_is_current(fresh_template):
    def entries(path):
        return {(m.context, m.id, tuple(m.locations)) for m in read(path) if m.id}

    assert entries(fresh_template) == entries(catalogs.template_path(ROOT)), (
        "locales/brochures.pot is stale: run `make_brochures.py extract` and `update`")


def test_pybabel_command_line_uses_the_registered_extractor(tmp_path):
    out = tmp_path / "cli.pot"
    subprocess.run(
        [str(Path(sys.executable).parent / "pybabel"), "-q", "extract", "-F", "babel.cfg",
         "-o", str(out), "."],
        cwd=ROOT, check=True,
    )
    assert read(out).get("Treating anal cancer", context="treating-anal-cancer/title")


def test_update_keeps_a_changed_translation_as_fuzzy_with_previous_text(project):
    yaml_file = project / "brochures" / "treating-anal-cancer.yaml"
    old = "Being older is not, on its own, a reason to skip treatment."
    assert old in yaml_file.read_text()
    yaml_file.write_text(yaml_file.read_text().replace(old, old.replace("not", "never")))
    before = read(catalogs.catalog_path(project, "fr"))
    context = "treating-anal-cancer/decisions"
    old_entry = next(m for m in before if m.context == context and "Being older" in m.id)

    catalogs.extract(project)
    assert catalogs.update(project) == TRANSLATED

    path = catalogs.catalog_path(project, "fr")
    entry = next(m for m in read(path) if m.context == context and "never, on its own" in m.id)
    assert entry.fuzzy
    assert entry.string == old_entry.string
    assert '#| msgid ""\n#| "' in path.read_text()  # laid out as msgmerge does
    (polib_entry,) = [e for e in polib.pofile(str(path)) if e.msgid == entry.id]
    assert polib_entry.previous_msgid == old_entry.id  # what Poedit shows as "old source"
    # A second update keeps the previous text.
    catalogs.update(project)
    (polib_entry,) = [e for e in polib.pofile(str(path)) if e.msgid == entry.id]
    assert polib_entry.fuzzy and polib_entry.previous_msgid == old_entry.id
    assert subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(path)]).returncode == 0
    # The fuzzy entry no longer reaches a brochure.
    translator = catalogs.load_translator(project, "fr")
    assert translator.pgettext(context, entry.id) == entry.id
    reading = translator.reading()
    assert reading.pgettext(context, entry.id) == entry.id
    assert reading.missing == {(context, entry.id)} and reading.percent == 0


def test_template_syntax_error_fails_extraction(project):
    template = project / "templates" / "brochure.html.j2"
    template.write_text(template.read_text() + "\n{% if %}\n")
    expected = r"^templates/brochure.html.j2:\d+: template syntax error"
    with pytest.raises(CatalogError, match=expected):
        catalogs.extract(project)
