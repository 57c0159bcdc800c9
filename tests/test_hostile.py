"""Hostile and broken input: every case is refused with its error, or shown as plain text.

Catalogs come from volunteers and agencies and content from many editors; CI builds
them unattended. None of it may read a local file, reach the network or inject markup.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import replace

import pytest
from babel.messages.pofile import read_po, write_po
from pypdf import PdfReader

from brochurekit.build import BuildOptions, build
from brochurekit.catalogs import catalog_path, languages, load_translator
from brochurekit.cli import EXIT_INPUT, main
from brochurekit.content import parse_topic
from brochurekit.errors import CatalogError, ContentError

PO = "locales/es/LC_MESSAGES/brochures.po"


def replace_line(text: str, starts: str, new: str) -> tuple[str, int]:
    """Replace the first line that starts with `starts`; return the text and its line."""
    lines = text.splitlines()
    number = next(i for i, line in enumerate(lines) if line.startswith(starts))
    lines[number] = new
    return "\n".join(lines) + "\n", number + 1


BROKEN_CATALOGS = {
    "unterminated string": (
        lambda t: replace_line(t, 'msgstr "Referencias"', 'msgstr "Referencias'),
        r":{line}: msgfmt: end-of-line within string$"),
    "unquoted msgstr": (
        lambda t: replace_line(t, 'msgstr "Referencias"', "msgstr Referencias"),
        r":{line}: msgfmt: "),
    "broken plural header": (
        lambda t: replace_line(t, '"Plural-Forms:', r'"Plural-Forms: nplurals=2; plural=(n!=;\n"'),
        r":\d+: msgfmt: invalid plural expression$"),  # msgfmt points at the header entry
    "wrong Language header": (
        lambda t: replace_line(t, '"Language: es', '"Language: fr\\n"'),
        r":{line}: the Language header says 'fr' but the catalog is in the 'es' folder$"),
}


@pytest.mark.parametrize("case", BROKEN_CATALOGS)
def test_broken_catalog_is_refused_with_file_and_line(project, case):
    mutate, expected = BROKEN_CATALOGS[case]
    path = catalog_path(project, "es")
    text, line = mutate(path.read_text(encoding="utf-8"))
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CatalogError) as caught:
        load_translator(project, "es")
    assert re.search("^" + re.escape(PO) + expected.format(line=line), str(caught.value)), \
        str(caught.value)


@pytest.mark.parametrize("placeholder", ["%(fecha)s", "%(date)s %(__class__)s"])
def test_a_changed_placeholder_is_withdrawn_not_formatted(project, placeholder):
    """msgfmt no longer judges formats: the entry rule withdraws it, so the brochures that
    print it are withheld and named (tests/test_translation_safety.py) and nothing formats
    an argument the English does not pass."""
    path = catalog_path(project, "es")
    old = 'msgstr "Última revisión: %(date)s"'
    text, line = replace_line(path.read_text(encoding="utf-8"), old,
                              old.replace("%(date)s", placeholder))
    path.write_text(text, encoding="utf-8")
    translator = load_translator(project, "es")
    reason = translator.rejected[(None, "Last reviewed: %(date)s")]
    assert reason.startswith(f"{PO}:{line - 1}: [invariants]")
    assert translator.pgettext(None, "Last reviewed: %(date)s") == "Last reviewed: %(date)s"


def test_catalog_in_another_encoding_is_refused(project):
    path = catalog_path(project, "es")
    path.write_bytes(path.read_text(encoding="utf-8").encode("latin-1", "replace"))
    with pytest.raises(CatalogError, match=rf"^{PO}:\d+: not valid UTF-8"):
        load_translator(project, "es")


def test_oversized_catalog_is_refused_before_reading(project):
    path = catalog_path(project, "es")
    path.write_text(path.read_text() + "#" * 5_000_001)
    with pytest.raises(CatalogError, match=f"^{PO}: file is larger than"):
        load_translator(project, "es")


@pytest.mark.parametrize("code", ["../../etc", "es/../fr", "x" * 40, "es;rm", "EN", ""])
def test_language_codes_that_are_not_locales_are_refused(project, code, caplog):
    assert main(["--root", str(project), "build", "--lang", code,
                 "--out", str(project / "out")]) == EXIT_INPUT
    assert "is not a language code" in caplog.text
    assert not (project / "out").exists()


def test_catalog_folder_that_is_not_a_locale_is_refused(project):
    shutil.copytree(project / "locales" / "es", project / "locales" / "es..evil")
    with pytest.raises(CatalogError, match=r"^locales/es\.\.evil/LC_MESSAGES/brochures\.po: "):
        languages(project)


YAML_HEADER = """id: hostile
title: A title
summary: A summary.
sources: [acs-treating-anal-cancer]
review: {last_reviewed: 2026-01-01, next_review_due: 2027-01-01}
references: []
"""


@pytest.mark.parametrize(("yaml_text", "expected"), [
    ("sections: !!python/object/apply:os.system [id]\n",
     r"hostile\.yaml:7: YAML tag 'tag:yaml.org,2002:python/object/apply:os.system' is not"),
    ("sections:\n  - id: a\n    heading: !!python/name:os.system ''\n    content: []\n",
     r"hostile\.yaml:9: YAML tag 'tag:yaml.org,2002:python/name:os.system' is not allowed"),
    ("sections:\n  - !include /etc/passwd\n", r"hostile\.yaml:8: YAML tag '!include' is not"),
    ("sections:\n  - id: ../../etc\n    heading: H\n    content: [{paragraph: p}]\n",
     r"hostile\.yaml:8: sections\[0\]\.id: '\.\./\.\./etc' is not a plain slug"),
    ("sections: [*undefined]\n", r"hostile\.yaml:7: YAML aliases \(\*name\) are not allowed"),
])
def test_hostile_yaml_is_refused(yaml_text, expected):
    with pytest.raises(ContentError, match=expected):
        parse_topic(YAML_HEADER + yaml_text, "brochures/hostile.yaml")


PAYLOADS = [
    '<script>alert("x")</script>',
    '<img src="file:///etc/passwd">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<p style="background:url(http://127.0.0.1:9/x)">',
    '"><img src=x onerror=alert(1)><a href="',
    '</style><style>body{display:none}</style>',
    '<base href="http://evil.example/">',
    "{{ 7*7 }} {% include '/etc/passwd' %}",
]


def test_hostile_translations_print_as_text_and_reach_nothing(project, tmp_path, caplog,
                                                              monkeypatch):
    """Every Spanish unit carries a payload; the PDF shows it as text and fetches nothing.

    The gate withholds such a brochure (checked at the end); this test switches the gate
    off to try the renderer's own defences behind it."""
    path = catalog_path(project, "es")
    with path.open("rb") as handle:
        catalog = read_po(handle)
    for number, message in enumerate(m for m in catalog if m.id):
        # A bare % in a python-format entry is refused by msgfmt, so those get no "{%".
        payload = PAYLOADS[0 if "python-format" in message.flags else number % len(PAYLOADS)]
        message.string = f"{payload} {message.string}"
    with path.open("wb") as handle:
        write_po(handle, catalog, width=76)

    out = tmp_path / "out"
    options = BuildOptions(out=out, languages=("es",), topics=("treating-anal-cancer",))
    with monkeypatch.context() as patched:
        patched.setattr("brochurekit.build.enforce_rules",
                        lambda root, translator, content: translator)
        (result,) = build(project, options)
    assert result.error is None, result.error
    assert "refused to fetch" not in caplog.text
    reader = PdfReader(result.path)
    shown = "".join(page.extract_text() for page in reader.pages)
    assert '<script>alert("x")</script>' in shown and "{{ 7*7 }}" in shown
    assert "49" not in shown.split("{{ 7*7 }}")[0][-5:]
    # One drawing, the cover's own (styles/cover.svg), listed in the resources every page
    # shares; nothing a translation fetched.
    drawings = {(xobject.idnum, xobject.get_object()["/Subtype"]) for page in reader.pages
                for xobject in (page["/Resources"].get("/XObject") or {}).values()}
    assert len(drawings) == 1 and next(iter(drawings))[1] == "/Form", drawings
    uris = {annotation.get_object()["/A"]["/URI"] for page in reader.pages
            for annotation in page.get("/Annots", [])}
    assert uris and all(re.match(r"https://(doi\.org|www\.cancer\.gov|www\.nccn\.org)/", u)
                        for u in uris), uris
    assert any(reader.metadata.title.startswith(p) for p in PAYLOADS)  # text there too
    # With the gate on, the same catalog never reaches a PDF.
    (gated,) = build(project, replace(options, out=tmp_path / "gated"))
    assert gated.error is not None and gated.path is None


# --- Issue #15: each traceback case becomes a clear error naming the file or option ----


@pytest.mark.parametrize("value", ["101", "-1", "inf", "nan", "half"])
def test_a_threshold_outside_0_to_100_is_a_usage_error(project, capsys, value):
    for command in ("build", "check"):
        with pytest.raises(SystemExit) as exited:
            main(["--root", str(project), command, "--threshold", value])
        assert exited.value.code == 2
        assert "--threshold" in capsys.readouterr().err


def test_a_source_date_epoch_past_year_9999_is_a_clear_error(project, tmp_path, monkeypatch,
                                                             caplog):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "99999999999999999")
    assert main(["--root", str(project), "build", "--out", str(tmp_path), "--lang", "es"]) \
        == EXIT_INPUT
    assert "SOURCE_DATE_EPOCH 99999999999999999 is not a date this build can write" \
        in caplog.text


def test_yaml_nested_100000_deep_is_refused_not_a_crash():
    deep = YAML_HEADER + "sections: " + "[" * 100_000 + "]" * 100_000 + "\n"
    with pytest.raises(ContentError, match=r"hostile\.yaml:7: YAML nested too deeply"):
        parse_topic(deep, "brochures/hostile.yaml")


def test_a_topic_or_catalog_that_is_a_special_file_is_read_within_the_cap(project, caplog):
    topic = project / "brochures" / "endless.yaml"
    topic.symlink_to("/dev/zero")
    assert main(["--root", str(project), "check"]) == EXIT_INPUT
    assert "brochures/endless.yaml: file is larger than 1000000 bytes" in caplog.text
    topic.unlink()
    catalog = catalog_path(project, "es")
    catalog.unlink()
    catalog.symlink_to("/dev/zero")
    with pytest.raises(CatalogError, match="file is larger than"):
        load_translator(project, "es")


def shard_with(tmp_path, entries) -> str:
    """Write a fake shard whose manifest lists `entries` (each file written as given)."""
    import json

    folder = tmp_path / "shard"
    (folder / "es").mkdir(parents=True)
    (folder / "es" / "a.pdf").write_bytes(b"%PDF-1.7 fake")
    (folder / "manifest.json").write_text(json.dumps(
        {"source_version": "v1", "brochures": entries}))
    return str(folder)


GOOD = {"topic": "a", "language": "es", "file": "es/a.pdf", "web_page": "es/a.html",
        "sha256": "0" * 64, "web_page_sha256": "0" * 64}


@pytest.mark.parametrize(("entries", "expected"), [
    ({"brochures": 1}, "not a release manifest: no list of brochures"),
    ([[1]], r"brochures\[1\]: expected an object"),
    ([{**GOOD, "sha256": 7}], r"brochures\[1\]: sha256 must be text"),
    ([{k: v for k, v in GOOD.items() if k != "file"}], r"brochures\[1\]: file must be text"),
    ([{**GOOD, "file": "../../outside.pdf"}], r"file '\.\./\.\./outside\.pdf' is not"),
    ([{**GOOD, "file": "/etc/passwd"}], r"file '/etc/passwd' is not <language>/<file>"),
    ([{**GOOD, "web_page": "javascript:alert(1)"}], r"web_page 'javascript:alert\(1\)' is not"),
    ([{**GOOD, "file": "es/missing.pdf"}], r"es/missing\.pdf: is in its shard's manifest but "
                                           "missing"),
    ([GOOD], r"es/a\.pdf: does not match its manifest's sha256"),
])
def test_merge_refuses_a_manifest_that_is_not_what_release_writes(project, tmp_path, caplog,
                                                                   entries, expected):
    import json

    folder = shard_with(tmp_path, entries if isinstance(entries, list) else [])
    if isinstance(entries, dict):
        (tmp_path / "shard" / "manifest.json").write_text(json.dumps(entries))
    assert main(["--root", str(project), "merge", folder, "--out",
                 str(tmp_path / "merged")]) == EXIT_INPUT
    assert re.search(expected, caplog.text), caplog.text
    assert not (tmp_path / "merged").exists()


def test_a_shard_with_no_brochure_in_it_is_written_empty(project, tmp_path, caplog):
    import json

    out = tmp_path / "shard"
    assert main(["--root", str(project), "release", "--shard", "60/60", "--out", str(out),
                 "--cache", str(tmp_path / "cache")]) == 0
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["shard"] == "60/60" and manifest["brochures"] == []
    assert "shard 60/60 holds none of the brochures" in caplog.text
    assert not (tmp_path / "cache").exists()  # nothing was built


def test_build_out_a_file_or_an_unwritable_place_is_named(project, tmp_path, caplog):
    afile = tmp_path / "afile"
    afile.write_text("keep me")
    assert main(["--root", str(project), "build", "--out", str(afile), "--lang", "es"]) \
        == EXIT_INPUT
    assert f"{afile}: is a file; --out must be a folder" in caplog.text
    assert afile.read_text() == "keep me"
    caplog.clear()  # /proc refuses new folders, even to root: each brochure fails, named
    assert main(["--root", str(project), "build", "--out", "/proc/brochures", "--lang", "es",
                 "--topic", "stage-4-anal-cancer"]) == 1
    assert "/proc/brochures/es/stage-4-anal-cancer.pdf: cannot be written" in caplog.text
    assert "Traceback" not in caplog.text


def test_release_out_the_filesystem_root_is_refused(project, caplog):
    assert main(["--root", str(project), "release", "--out", "/"]) == EXIT_INPUT
    assert "would replace" in caplog.text


@pytest.mark.parametrize("written", ["0x10", "0b11", "0o7", "1_0", "+6", "6.0", "1e3",
                                     "99999999999999999999", "'6'"])
def test_a_page_budget_in_any_other_form_than_digits_is_refused(written):
    text = YAML_HEADER + f"page_budget: {written}\n" + (
        "sections:\n  - id: a\n    heading: H\n    content: [{paragraph: p}]\n")
    with pytest.raises(ContentError, match=r"hostile\.yaml:7: page_budget: expected a whole "
                                           r"number in digits, such as 6, got"):
        parse_topic(text, "brochures/hostile.yaml")


def test_a_release_clears_what_an_interrupted_release_left_and_nothing_else(tmp_path):
    from brochurekit.release import clear_leftovers

    out = tmp_path / "dist"
    for name in (".dist.k3j_9zq0", ".dist.old", ".dist.notes", ".distant", "dist-keep"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "a.pdf").write_bytes(b"%PDF")
    clear_leftovers(out)
    assert sorted(p.name for p in tmp_path.iterdir()) == [".dist.notes", ".distant",
                                                          "dist-keep"]
