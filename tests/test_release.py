"""`release` and `merge`: a complete dist/ or none, a manifest, checksums, an index page."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess

import pytest
from playwright.sync_api import expect

from brochurekit.catalogs import catalog_path
from brochurekit.cli import EXIT_FAILED, EXIT_INPUT, EXIT_OK, main
from conftest import CONTENT, LANGUAGES, ROOT, TOPICS, seed_cache


def run(project, *args) -> int:
    return main(["--root", str(project), *args])


@pytest.fixture(scope="module")
def released(tmp_path_factory, built):
    """Release a copy of the project once, as two shards and merged, for every test here
    (from the session's PDFs as cache: the release assembles, it does not render again)."""
    import shutil

    from conftest import PROJECT_PARTS, ROOT

    root = tmp_path_factory.mktemp("release")
    for part in PROJECT_PARTS:
        source = ROOT / part
        (shutil.copytree if source.is_dir() else shutil.copy)(source, root / part)
    with pytest.MonkeyPatch.context() as monkeypatch:
        seed_cache(built, root / "build" / "release-cache", monkeypatch)
        assert run(root, "release", "--out", "dist") == EXIT_OK
        for shard in ("1/2", "2/2"):
            assert run(root, "release", "--shard", shard, "--out",
                       f"shard-{shard[0]}") == EXIT_OK
        assert run(root, "merge", "shard-1", "shard-2", "--out", "merged") == EXIT_OK
    return root


def manifest(folder) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


def test_manifest_describes_every_brochure(released):
    data = manifest(released / "dist")
    entries = data["brochures"]
    assert len(entries) == len(TOPICS) * len(LANGUAGES)
    arabic = next(e for e in entries if (e["language"], e["topic"]) ==
                  ("ar", "stage-4-anal-cancer"))
    assert arabic["title"] == "علاج سرطان الشرج في المرحلة 4"
    assert arabic["direction"] == "rtl" and arabic["completeness"] == 100.0
    assert arabic["next_review_due"] == "2027-11-23" and 4 <= arabic["pages"] <= 16
    for entry in entries:
        pdf = released / "dist" / entry["file"]
        assert hashlib.sha256(pdf.read_bytes()).hexdigest() == entry["sha256"]
        assert pdf.stat().st_size == entry["bytes"]
        assert (released / "dist" / entry["thumbnail"]).read_bytes()[:4] == b"\x89PNG"
    check = subprocess.run(["sha256sum", "--check", "--quiet", "SHA256SUMS"],
                           cwd=released / "dist", capture_output=True, text=True)
    assert check.returncode == 0, check.stdout + check.stderr
    umask = os.umask(0)
    os.umask(umask)  # readable by others, as a web server needs (mkdtemp made it 0700)
    assert (released / "dist").stat().st_mode & 0o777 == 0o777 & ~umask


def test_shards_split_stably_and_merge_into_the_same_release(released):
    one, two = manifest(released / "shard-1"), manifest(released / "shard-2")
    files_one = {e["file"] for e in one["brochures"]}
    files_two = {e["file"] for e in two["brochures"]}
    assert files_one and files_two and not files_one & files_two
    assert one["shard"] == "1/2" and two["shard"] == "2/2"
    whole, merged = manifest(released / "dist"), manifest(released / "merged")
    assert [(e["file"], e["sha256"]) for e in merged["brochures"]] == \
        [(e["file"], e["sha256"]) for e in whole["brochures"]]  # reproducible across shards


def test_merge_refuses_a_file_that_does_not_match_its_manifest(released, tmp_path, caplog):
    import shutil

    shard = tmp_path / "shard"
    shutil.copytree(released / "shard-1", shard)
    entry = manifest(shard)["brochures"][0]
    (shard / entry["file"]).write_bytes(b"%PDF- tampered")
    assert run(released, "merge", str(shard), str(released / "shard-2"), "--out",
               str(tmp_path / "out")) == 2
    assert "does not match its manifest's sha256" in caplog.text
    assert not (tmp_path / "out").exists()


def test_index_page_works_offline_in_every_script(released, browser):
    page = browser.new_page()
    page.goto((released / "dist" / "index.html").as_uri())
    assert page.locator("section").count() == len(LANGUAGES)
    arabic = page.locator("section#ar")
    assert arabic.get_attribute("dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('#ar h2')).direction") \
        == "rtl"
    expect(page.locator("#zh_Hans h3 a").first).to_have_text("复发性肛门癌的治疗")
    images = page.locator("img")
    assert images.count() == len(TOPICS) * len(LANGUAGES)
    widths = page.evaluate("[...document.images].map(i => i.complete && i.naturalWidth)")
    assert all(width and width > 100 for width in widths)  # every thumbnail loaded
    hrefs = page.evaluate("[...document.querySelectorAll('a[href$=\".pdf\"]')]"
                          ".map(a => a.getAttribute('href'))")
    assert len(set(hrefs)) == len(TOPICS) * len(LANGUAGES)
    assert all((released / "dist" / h).exists() for h in hrefs)
    page.close()


def test_a_failed_brochure_leaves_the_previous_release_untouched(project, built, caplog,
                                                                 monkeypatch):
    seed_cache(built, project / "build" / "release-cache", monkeypatch)
    assert run(project, "release", "--out", "dist", "--jobs", "2") == EXIT_OK
    before = (project / "dist" / "manifest.json").read_bytes()
    po = catalog_path(project, "es")
    po.write_text(po.read_text().replace('msgstr "Ensayos clínicos"', 'msgstr ""'))
    assert run(project, "release", "--out", "dist", "--jobs", "2") == EXIT_FAILED
    assert f"release not written: 4 of {len(TOPICS) * len(LANGUAGES)} brochures failed" \
        in caplog.text
    assert (project / "dist" / "manifest.json").read_bytes() == before
    assert not list(project.glob(".dist*"))  # no staging folder left behind


def test_release_never_replaces_the_project_or_a_folder_of_other_files(project, caplog):
    """A release replaces its folder whole: only a missing, empty or released one may go."""
    (project / "notes").mkdir()
    (project / "notes" / "minutes.txt").write_text("keep me")
    (project / "report.pdf").write_bytes(b"%PDF-1.7 mine")
    for out, why in ((".", "which it holds"), ("/", "which it holds"),
                     ("notes", "holds files that are not a release (minutes.txt)"),
                     ("report.pdf", "is a file, not a release folder"),
                     ("build", "which it holds")):  # the cache is inside build/
        caplog.clear()
        assert run(project, "release", "--out", out) == EXIT_INPUT, out
        assert why in caplog.text, (out, caplog.text)
    assert (project / "notes" / "minutes.txt").read_text() == "keep me"
    assert (project / "report.pdf").read_bytes() == b"%PDF-1.7 mine"
    assert (project / "brochures").is_dir() and (project / "pyproject.toml").is_file()
    assert not (project / "build").exists()  # refused before building anything


def test_merge_never_replaces_a_shard_or_other_files(released, caplog):
    assert run(released, "merge", "shard-1", "shard-2", "--out", "shard-1") == EXIT_INPUT
    assert "which it holds" in caplog.text
    assert (released / "shard-1" / "manifest.json").is_file()


def test_a_release_replaces_the_previous_release(released, caplog):
    """What a release writes is marked as one, so the next release may replace it."""
    assert (released / "merged" / ".brochurekit-release").is_file()
    before = {p.name for p in (released / "merged").iterdir()}
    assert run(released, "merge", "shard-1", "shard-2", "--out", "merged") == EXIT_OK
    assert {p.name for p in (released / "merged").iterdir()} == before


# --- The web edition --------------------------------------------------------------------

AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"  # pinned in package-lock.json
WCAG_21_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def test_every_brochure_is_also_a_standalone_web_page(released):
    dist = released / "dist"
    entries = manifest(dist)["brochures"]
    for entry in entries:
        page = dist / entry["web_page"]
        assert page.suffix == ".html" and page.with_suffix(".pdf") == dist / entry["file"]
        assert hashlib.sha256(page.read_bytes()).hexdigest() == entry["web_page_sha256"]
        html = page.read_text(encoding="utf-8")
        lang = entry["language"].replace("_", "-")
        assert f'<html lang="{lang}" dir="{entry["direction"]}" data-script=' in html
        assert "<script" not in html and "<link" not in html  # no code, nothing to fetch
        assert 'name="viewport"' in html and "<style>" in html
        assert not re.search(r"""(src=|url\()\s*["']?(https?:|//)""", html)  # offline
    listed = subprocess.run(["sha256sum", "--check", "SHA256SUMS"], cwd=dist,
                            capture_output=True, text=True, check=True).stdout
    checked = {line.rsplit(":", 1)[0] for line in listed.splitlines()}
    every = {p.relative_to(dist).as_posix() for p in dist.rglob("*") if p.is_file()}
    assert checked == every - {"SHA256SUMS"}  # every file of the release, pages included


@pytest.mark.parametrize("lang", ["ar", "zh_Hans", "ko", "en"])
def test_web_page_prints_every_unit_of_the_pdf(released, browser, translators, lang):
    from brochurekit.render import translate

    page = browser.new_page()
    for topic in TOPICS:
        page.goto((released / "dist" / lang / f"{topic}.html").as_uri())
        text = " ".join(page.locator("body").inner_text().replace("\u2060", "").split())
        for message in CONTENT.topic(topic).messages():
            if message.kind != "figure-alt":
                unit = " ".join(translate(translators[lang], message).split())
                assert unit in text, f"{lang}/{topic}: {message.file}:{message.line}"
        if lang == "ar":
            assert page.evaluate("getComputedStyle(document.body).direction") == "rtl"
        figures = page.locator("[role=img]")
        for index in range(figures.count()):  # each drawing: one image with its alt text
            assert len(figures.nth(index).get_attribute("aria-label")) > 20
    page.close()


def test_web_pages_pass_axe_core_at_wcag_21_aa_offline(released, browser):
    assert AXE.exists(), "run ./scripts/setup.sh: it installs axe-core from package-lock.json"
    page = browser.new_page()
    fetched = []
    page.route("**/*", lambda route: (fetched.append(route.request.url), route.abort())
               if not route.request.url.startswith("file:") else route.continue_())
    for entry in manifest(released / "dist")["brochures"]:
        page.goto((released / "dist" / entry["web_page"]).as_uri())
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("""(tags) => axe.run(document, {runOnly: {type: 'tag',
            values: tags}}).then(r => r.violations.map(v => [v.id, v.nodes.length,
            v.nodes[0].target.join(' ')]))""", WCAG_21_AA)
        assert found == [], (entry["web_page"], found)
    assert fetched == []  # offline: nothing but the page itself
    page.close()


def test_release_index_links_every_web_page(released, browser):
    page = browser.new_page()
    page.goto((released / "dist" / "index.html").as_uri())
    hrefs = page.evaluate("[...document.querySelectorAll('a[href$=\".html\"]')]"
                          ".map(a => a.getAttribute('href'))")
    assert len(set(hrefs)) == len(TOPICS) * len(LANGUAGES)
    assert all((released / "dist" / href).exists() for href in hrefs)
    page.close()


def test_merge_needs_every_shard_once(released, caplog, tmp_path):
    out = str(tmp_path / "merged")
    assert run(released, "merge", "shard-1", "--out", out) == EXIT_INPUT
    assert "a merge needs every shard once; missing: 2/2; given: 1/2" in caplog.text
    assert run(released, "merge", "shard-1", "shard-1", "--out", out) == EXIT_INPUT
    assert run(released, "merge", "shard-1", "dist", "--out", out) == EXIT_INPUT
    assert "is not a shard" in caplog.text or "is in two shards" in caplog.text
    assert not (tmp_path / "merged").exists()


def test_a_release_with_nothing_changed_reuses_its_entries_and_thumbnails(released,
                                                                           monkeypatch):
    """Nothing to rebuild: no catalog is loaded and its rules run again, no web page or
    thumbnail is made again, and the release is the same, file for file (issue #17)."""
    from brochurekit import release
    from brochurekit.build import build_timestamp

    def refuse(*args, **kwargs):
        raise AssertionError("made again though nothing changed")

    created = build_timestamp(ROOT)
    if created is not None:  # as the release fixture built
        monkeypatch.setenv("SOURCE_DATE_EPOCH", str(int(created.timestamp())))
    monkeypatch.setattr(release, "load_translator", refuse)
    monkeypatch.setattr(release, "write_web_pages", lambda *args: [] if not args[3]
                        else refuse())
    monkeypatch.setattr(release, "_render_thumbnail", refuse)
    assert run(released, "release", "--out", "again") == EXIT_OK
    files = sorted(p.relative_to(released / "dist") for p in (released / "dist").rglob("*")
                   if p.is_file())
    assert files == sorted(p.relative_to(released / "again")
                           for p in (released / "again").rglob("*") if p.is_file())
    for name in files:
        assert (released / "dist" / name).read_bytes() == \
            (released / "again" / name).read_bytes(), name
