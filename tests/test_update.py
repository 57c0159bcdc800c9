"""`update` and `extract` keep catalogs clean; catalog errors name the file and the right line.

Every test works on a throw-away copy of the project (the `project` fixture).
"""

from __future__ import annotations

import doctest
import re
import shutil
import subprocess
import threading
import urllib.request

import polib
import pytest

from brochurekit import catalogs, preview
from brochurekit.catalogs import catalog_path, template_path
from brochurekit.cli import EXIT_INPUT, main
from brochurekit.errors import CatalogError, CatalogErrors
from conftest import TRANSLATED

LANGS = TRANSLATED
PO = "locales/es/LC_MESSAGES/brochures.po"
DECISIONS = "Making treatment decisions"

pytestmark = pytest.mark.skipif(shutil.which("msgmerge") is None,
                                reason="gettext is installed by scripts/setup.sh")


def snapshot(project) -> dict[str, bytes]:
    """Return the bytes of the template and of every catalog."""
    paths = [template_path(project), *(catalog_path(project, lang) for lang in LANGS)]
    return {path.relative_to(project).as_posix(): path.read_bytes() for path in paths}


def entries(path) -> dict[tuple, tuple]:
    """Return every entry's text and fuzzy flag, keyed as gettext keys them."""
    return {(e.msgctxt, e.msgid, e.obsolete): (e.msgstr, e.fuzzy)
            for e in polib.pofile(str(path))}


def edit(path, old: str, new: str) -> None:
    """Replace the first `old` in a file, which must be there."""
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def line_of(path, text: str) -> int:
    """Return the 1-based number of the first line that is exactly `text`."""
    return path.read_text(encoding="utf-8").splitlines().index(text) + 1


def rename_decisions_section(project) -> None:
    """Rename a section's id: every unit of it gets a new msgctxt, with the same English."""
    edit(project / "brochures" / "treating-anal-cancer.yaml", "  - id: decisions\n",
         "  - id: choosing\n")


# --- update is idempotent -----------------------------------------------------------


def test_update_twice_changes_nothing_the_second_time(project):
    rename_decisions_section(project)  # so that there are fuzzy entries with previous text
    catalogs.extract(project)
    assert catalogs.update(project) == LANGS
    first = snapshot(project)
    assert catalogs.update(project) == LANGS
    assert snapshot(project) == first


def test_update_leaves_catalogs_alone_when_the_template_did_not_change(project):
    catalogs.update(project)  # may lay the catalogs out as msgmerge does, once
    before = snapshot(project)
    catalogs.extract(project)
    catalogs.update(project)
    assert snapshot(project) == before


@pytest.mark.parametrize("resave", [
    ["msgmerge", "--quiet", "--previous", "-o", "{po}", "{po}", "{pot}"],  # width 79
    ["msgcat", "--no-wrap", "-o", "{po}", "{po}"],  # as Poedit saves without wrapping
    ["msgcat", "--width=79", "--sort-output", "-o", "{po}", "{po}"],
])
def test_a_catalog_saved_by_another_tool_is_updated_once_then_left_alone(project, resave):
    rename_decisions_section(project)
    catalogs.extract(project)
    catalogs.update(project)
    po, pot = catalog_path(project, "fr"), template_path(project)
    kept = entries(po)
    subprocess.run([part.format(po=po, pot=pot) for part in resave], check=True)
    catalogs.update(project)
    once = po.read_bytes()
    catalogs.update(project)
    assert po.read_bytes() == once
    assert entries(po) == kept


def test_update_is_stable_with_obsolete_and_previous_entries(project):
    po = catalog_path(project, "es")
    with po.open("a", encoding="utf-8") as handle:  # a fuzzy unit the content no longer has
        handle.write('\n#, fuzzy\n#| msgctxt "old/section"\n#| msgid "Qwerty zxcv"\n'
                     'msgctxt "old/section"\nmsgid "Qwerty zxcvb"\nmsgstr "Qwerty es"\n')
    catalogs.update(project)
    assert ('#, fuzzy\n#~| msgctxt "old/section"\n#~| msgid "Qwerty zxcv"\n'
            '#~ msgctxt "old/section"\n#~ msgid "Qwerty zxcvb"\n#~ msgstr "Qwerty es"\n'
            ) in po.read_text()
    once = snapshot(project)
    catalogs.update(project)
    assert snapshot(project) == once
    catalog = catalogs.read_catalog(po, project, "es")  # Babel's reader refuses `#~|` lines
    assert catalog.obsolete[("Qwerty zxcvb", "old/section")].fuzzy


# --- what update writes -------------------------------------------------------------


def test_a_renamed_section_shows_the_old_context(project):
    rename_decisions_section(project)
    catalogs.extract(project)
    catalogs.update(project)
    po = catalog_path(project, "fr")
    text = po.read_text()
    assert ('#, fuzzy\n#| msgctxt "treating-anal-cancer/decisions"\n'
            f'#| msgid "{DECISIONS}"\n'
            f'msgctxt "treating-anal-cancer/choosing"\nmsgid "{DECISIONS}"\n'
            'msgstr "Prendre des décisions sur le traitement"\n') in text
    assert "# |" not in text
    (entry,) = [e for e in polib.pofile(str(po)) if e.msgid == DECISIONS and not e.obsolete]
    assert entry.fuzzy and entry.previous_msgctxt == "treating-anal-cancer/decisions"
    translator = catalogs.load_translator(project, "fr")
    assert translator.pgettext("treating-anal-cancer/choosing", DECISIONS) == DECISIONS


def test_an_obsolete_entry_keeps_its_fuzzy_flag(project):
    po = catalog_path(project, "es")
    with po.open("a", encoding="utf-8") as handle:
        handle.write('\n#, fuzzy\n#~ msgctxt "old/section"\n#~ msgid "A unit we dropped"\n'
                     '#~ msgstr "Una unidad que quitamos"\n')
    catalogs.update(project)
    assert ('#, fuzzy\n#~ msgctxt "old/section"\n#~ msgid "A unit we dropped"\n'
            '#~ msgstr "Una unidad que quitamos"\n') in po.read_text()
    (entry,) = [e for e in polib.pofile(str(po)) if e.obsolete]
    assert entry.fuzzy


JUNK = """\
# | msgid ""
# | "Your plan depends on your health, what you prefer, and whether you hope "
# | "to have children later. Being older is not, on its own, a reason to skip
# "
# | "treatment."
"""


def test_junk_comments_of_old_updates_are_removed(project):
    po = catalog_path(project, "es")
    text = po.read_text()
    entry = text.index('msgctxt "treating-anal-cancer/decisions"\nmsgid ""')
    start = text.rindex("\n\n", 0, entry) + 2
    po.write_text(text[:start] + "# Keep: a translator's own note.\n" + JUNK + text[start:])
    catalogs.read_catalog(po, project, "es")
    catalogs.update(project)
    merged = po.read_text()
    assert "# |" not in merged and '\n# "\n' not in merged
    assert "# Keep: a translator's own note.\n" in merged


def test_x_header_fields_survive_update(project):
    po = catalog_path(project, "zh_Hans")
    edit(po, '"Generated-By: Babel 2.18.0\\n"\n',
         '"Generated-By: Babel 2.18.0\\n"\n"X-Generator: Poedit 3.4\\n"\n')
    catalogs.update(project)
    assert '"X-Generator: Poedit 3.4\\n"\n' in po.read_text()


def test_update_keeps_every_translation(project):
    before = {lang: entries(catalog_path(project, lang)) for lang in LANGS}
    catalogs.update(project)
    for lang in LANGS:
        assert entries(catalog_path(project, lang)) == before[lang], lang
        result = subprocess.run(["msgfmt", "--check", "-o", "/dev/null",
                                 str(catalog_path(project, lang))], capture_output=True)
        assert result.returncode == 0, result.stderr


def test_update_without_msgmerge_says_how_to_get_it(project, monkeypatch):
    monkeypatch.setattr(catalogs.shutil, "which", lambda name: None)
    before = snapshot(project)
    with pytest.raises(CatalogError, match=r"^msgmerge is missing \(scripts/setup.sh installs "
                                           r"gettext\)$"):
        catalogs.update(project)
    assert snapshot(project) == before


def test_update_refuses_a_broken_catalog_and_writes_none(project):
    po = catalog_path(project, "fr")
    edit(po, 'msgstr "Références"\n', 'msgstr "Références"\nbogus "x"\n')
    line = line_of(po, 'bogus "x"')
    before = snapshot(project)
    with pytest.raises(CatalogError) as caught:
        catalogs.update(project)
    assert str(caught.value) == (f"locales/fr/LC_MESSAGES/brochures.po:{line}: syntax error: "
                                 "Unknown or misformatted keyword: 'bogus \"x\"'")
    assert snapshot(project) == before


# --- reading catalogs ---------------------------------------------------------------


def test_fuzzy_flag_without_a_space_loads_as_fuzzy(project):
    po = catalog_path(project, "es")
    edit(po, 'msgctxt "shared/care-team"\nmsgid "Who is on your care team"\n',
         '#,fuzzy\nmsgctxt "shared/care-team"\nmsgid "Who is on your care team"\n')
    assert subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)]).returncode == 0
    catalog = catalogs.read_catalog(po, project, "es")
    message = catalog.get("Who is on your care team", context="shared/care-team")
    assert message.fuzzy
    catalogs.update(project)
    assert "#,fuzzy" not in po.read_text()
    assert catalogs.read_catalog(po, project, "es").get(
        "Who is on your care team", context="shared/care-team").fuzzy


def test_a_syntax_error_names_the_line_counted_from_one(project):
    po = catalog_path(project, "es")
    edit(po, 'msgstr "Referencias"\n', 'msgstr "Referencias"\nmsgsrt "oops"\n')
    line = line_of(po, 'msgsrt "oops"')
    with pytest.raises(CatalogError) as caught:
        catalogs.read_catalog(po, project, "es")
    assert (caught.value.file, caught.value.line) == (PO, line)
    assert str(caught.value) == (f"{PO}:{line}: syntax error: Unknown or misformatted "
                                 "keyword: 'msgsrt \"oops\"'")


def test_a_missing_msgstr_names_its_msgid_line(project):
    po = catalog_path(project, "es")
    edit(po, 'msgstr "Referencias"\n', "")
    with pytest.raises(CatalogError) as caught:
        catalogs.read_catalog(po, project, "es")
    assert caught.value.line == line_of(po, 'msgid "References"')
    assert "missing msgstr for msgid 'References'" in caught.value.message


# --- msgfmt's errors, all of them ---------------------------------------------------


def drop_last_translator(po) -> None:
    """Remove the Last-Translator header field (msgfmt then warns about the header)."""
    text = po.read_text(encoding="utf-8")
    po.write_text(re.sub(r'^"Last-Translator:.*\n(?:"(?!\w[\w-]*: ).*\n)*', "", text,
                         count=1, flags=re.M), encoding="utf-8")


def test_every_msgfmt_error_is_reported_not_the_header_warning():
    # What msgfmt --check printed for the Spanish catalog without its Last-Translator and
    # with two placeholders renamed: the warning comes first, the errors after it.
    stderr = (
        "es.po:8: warning: header field 'Last-Translator' missing in header\n"
        "es.po:29: a format specification for argument 'pages' doesn't exist in 'msgstr'\n"
        "es.po:2747: a format specification for argument 'date' doesn't exist in 'msgstr'\n"
        "/usr/bin/msgfmt: found 2 fatal errors\n")
    error = catalogs._gettext_errors("msgfmt", stderr, "es.po", PO)
    assert isinstance(error, CatalogErrors)
    assert [(e.file, e.line) for e in error.errors] == [(PO, 29), (PO, 2747)]
    assert str(error) == (
        f"{PO}:29: msgfmt: a format specification for argument 'pages' doesn't exist in "
        f"'msgstr'\n{PO}:2747: msgfmt: a format specification for argument 'date' doesn't "
        "exist in 'msgstr'")


def test_syntax_errors_in_a_catalog_without_last_translator_are_all_reported(project):
    po = catalog_path(project, "es")
    drop_last_translator(po)
    edit(po, 'msgstr "Referencias"\n', 'msgstr "Referencias\n')
    edit(po, 'msgstr "Página %(page)s de %(pages)s"\n', 'msgstr "Página %(page)s de\n')
    lines = sorted([line_of(po, 'msgstr "Referencias'),
                    line_of(po, 'msgstr "Página %(page)s de')])
    with pytest.raises(CatalogErrors) as caught:
        catalogs.load_translator(project, "es")
    assert str(caught.value) == "\n".join(
        f"{PO}:{line}: msgfmt: end-of-line within string" for line in lines)


def test_a_header_error_is_reported_not_the_default_last_translator(project):
    po = catalog_path(project, "es")
    drop_last_translator(po)
    edit(po, '"Language: es\\n"\n',
         '"Last-Translator: FULL NAME <EMAIL@ADDRESS>\\n"\n"Language: es\\n"\n')
    edit(po, '"Plural-Forms: nplurals=2; plural=(n != 1);\\n"',
         '"Plural-Forms: nplurals=2; plural=(n!=;\\n"')
    header = line_of(po, 'msgstr ""')
    warned = subprocess.run(["msgfmt", "--check", "-o", "/dev/null", str(po)],
                            capture_output=True, text=True).stderr
    assert "'Last-Translator' still has the initial default value" in warned
    with pytest.raises(CatalogError) as caught:
        catalogs.load_translator(project, "es")
    assert str(caught.value) == f"{PO}:{header}: msgfmt: invalid plural expression"


def test_header_warnings_are_reported_when_nothing_else_fails(tmp_path):
    stderr = ("x.po:8: warning: header field 'Last-Translator' still has the initial "
              "default value\n/usr/bin/msgfmt: found 0 fatal errors\n")
    error = catalogs._gettext_errors("msgfmt", stderr, "x.po", "x.po")
    assert str(error) == ("x.po:8: msgfmt: warning: header field 'Last-Translator' still "
                          "has the initial default value")


def test_build_and_serve_show_every_msgfmt_error(project, tmp_path, caplog):
    po = catalog_path(project, "es")
    edit(po, 'msgstr "Referencias"\n', 'msgstr "Referencias\n')
    edit(po, 'msgstr "Página %(page)s de %(pages)s"', 'msgstr "Página %(page)s de %(pages)s')
    lines = [line_of(po, 'msgstr "Página %(page)s de %(pages)s'),
             line_of(po, 'msgstr "Referencias')]
    expected = [f"{PO}:{line}: msgfmt: end-of-line within string" for line in sorted(lines)]
    assert main(["--root", str(project), "build", "--lang", "es",
                 "--out", str(tmp_path)]) == EXIT_INPUT
    for message in expected:
        assert f"error: {message}" in caplog.text

    server = preview.make_server(project, port=0)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        host, port = server.server_address[:2]
        url = f"http://{host}:{port}/preview/es/treating-anal-cancer"
        with urllib.request.urlopen(url, timeout=60) as response:
            page = response.read().decode()
    finally:
        server.shutdown()
        server.server_close()
    shown = re.search(r'<pre class="error">(.*?)</pre>', page, re.S)[1]
    assert shown.splitlines() == expected


# --- extract ------------------------------------------------------------------------


def test_extract_twice_keeps_the_template_byte_for_byte(project):
    catalogs.extract(project)
    first = template_path(project).read_bytes()
    catalogs.extract(project)
    assert template_path(project).read_bytes() == first


def test_extract_of_unchanged_sources_keeps_the_committed_template(project):
    before = template_path(project).read_bytes()
    catalogs.extract(project)
    assert template_path(project).read_bytes() == before


def test_moving_a_string_in_the_code_keeps_the_committed_template(project):
    """Strings in the package's Python code are located by file, not line: an edit above
    one (CI failed twice on that) leaves the template, and every catalog, as they are."""
    before = template_path(project).read_bytes()
    code = project / "brochurekit" / "render.py"
    code.write_text("# a comment that moves every line down\n\n" + code.read_text())
    catalogs.extract(project)
    assert template_path(project).read_bytes() == before
    assert b"#: brochurekit/render.py\n" in before


def test_a_changed_template_is_dated_from_source_date_epoch(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1795466259")  # 2026-11-23 20:37:39 UTC
    rename_decisions_section(project)
    catalogs.extract(project)
    text = template_path(project).read_text()
    assert '"POT-Creation-Date: 2026-11-23 20:37+0000\\n"\n' in text
    catalogs.update(project)
    for lang in LANGS:
        assert '"POT-Creation-Date: 2026-11-23 20:37+0000\\n"\n' in \
            catalog_path(project, lang).read_text()


def test_a_changed_template_is_dated_from_the_last_commit(project, monkeypatch):
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    date = "2026-10-02T08:15:00+00:00"
    env = {"GIT_AUTHOR_DATE": date, "GIT_COMMITTER_DATE": date, "GIT_AUTHOR_NAME": "t",
           "GIT_AUTHOR_EMAIL": "t@example.invalid", "GIT_COMMITTER_NAME": "t",
           "GIT_COMMITTER_EMAIL": "t@example.invalid", "PATH": "/usr/bin:/bin"}
    for command in (["git", "init", "-q"], ["git", "add", "babel.cfg"],
                    ["git", "commit", "-q", "-m", "sources"]):
        subprocess.run(command, cwd=project, env=env, check=True)
    rename_decisions_section(project)
    catalogs.extract(project)
    assert '"POT-Creation-Date: 2026-10-02 08:15+0000\\n"\n' in template_path(project).read_text()


def test_a_bad_source_date_epoch_is_refused(project, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "yesterday")
    rename_decisions_section(project)
    with pytest.raises(CatalogError, match="SOURCE_DATE_EPOCH must be whole seconds"):
        catalogs.extract(project)


def test_the_pure_helpers_behave_as_their_docstrings_say():
    assert doctest.testmod(catalogs).failed == 0
