"""The PDF stage on its own: missing glyphs fail, the renderer reaches no outside file."""

from __future__ import annotations

import io
import logging

import pytest
from pypdf import PdfReader

from brochurekit.errors import RenderError
from brochurekit.pdf import PdfWriter
from conftest import ROOT


@pytest.fixture(scope="module")
def writer() -> PdfWriter:
    return PdfWriter(ROOT)


def page(body: str, lang: str = "en") -> str:
    head = f'<!DOCTYPE html><html lang="{lang}"><head><title>t</title></head>'
    return f"{head}<body>{body}</body></html>"


def test_a_glyph_no_font_has_fails_the_document(writer, tmp_path):
    # An unassigned code point: no installed font can draw it, so WeasyPrint draws .notdef.
    # (Text in scripts that fontconfig can still find, such as Ge'ez, is refused earlier by
    # the stylesheet coverage check: see test_cli.py.)
    target = tmp_path / "tofu.pdf"
    with pytest.raises(RenderError, match=r"no glyph.*U\+0378"):
        writer.write(page("<p>x \u0378 x</p>"), target, "test")
    assert not target.exists()


SMALL_PNG = (
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQ"
    "DwAEhQGAhKmMIQAAAABJRU5ErkJggg==")


@pytest.mark.parametrize(("markup", "refused"), [
    ('<img src="file:///etc/passwd">', "file:///etc/passwd"),
    ('<img src="../../../../../etc/hostname">', "file:///etc/hostname"),
    ('<link rel="stylesheet" href="brochures/_shared.yaml">', "brochures/_shared.yaml"),
    ('<img src=".git/config">', ".git/config"),
    ('<img src="https://example.org/x.png">', "https://example.org/x.png"),
    ('<p style="background: url(http://127.0.0.1:9/x)">x</p>', "http://127.0.0.1:9/x"),
    ('<base href="http://evil.example/"><img src="x.png">', "http://evil.example/x.png"),
    ('<img src="data:image/svg+xml,<svg/>">', "data:image/svg+xml"),
    ('<object data="ftp://example.org/x"></object>', "ftp://example.org/x"),
    ('<img src="project:../../../../etc/hostname">', "project:../../../../etc/hostname"),
    ('<img src="project:brochures/_shared.yaml">', "project:brochures/_shared.yaml"),
    ('<img src="project:/etc/hostname">', "project:/etc/hostname"),
])
def test_outside_files_and_the_network_are_refused(writer, tmp_path, caplog, markup, refused):
    caplog.set_level(logging.WARNING)
    target = tmp_path / "hostile.pdf"
    with pytest.raises(RenderError, match="refused to fetch") as caught:
        writer.write(page(markup), target, "test")
    assert refused in str(caught.value) and refused in caplog.text
    assert not target.exists()


def test_project_assets_and_small_inline_images_are_served(writer, tmp_path):
    target = tmp_path / "ok.pdf"
    writer.write(page(f'<img src="{SMALL_PNG}"><link rel="stylesheet" href="styles/type.css">'
                      "<p>text</p>"), target, "test")
    reader = PdfReader(target)
    assert reader.pages[0]["/Resources"].get("/XObject")  # the inline image is there


def test_a_logo_named_from_the_project_makes_the_same_bytes_wherever_it_is(writer, project):
    # WeasyPrint names an image after its address: with a file: URL, the folder the
    # project is checked out in changed the PDF's bytes.
    html = page('<img src="project:sites/logos/lakeshore-example.png">')
    here, there = writer.render(html, "here")[0], PdfWriter(project).render(html, "there")[0]
    (image,) = PdfReader(io.BytesIO(here)).pages[0]["/Resources"]["/XObject"].values()
    assert image.get_object()["/Width"] == 360 and here == there
    moved = html.replace("project:sites", "sites")  # as the file: URL it was
    assert writer.render(moved, "here")[0] != PdfWriter(project).render(moved, "there")[0]


def test_a_pdf_is_on_disk_before_it_takes_its_name(tmp_path, monkeypatch):
    import os

    from brochurekit.files import write_atomically

    synced = []
    original = os.fsync
    monkeypatch.setattr(os, "fsync", lambda fd: synced.append(fd) or original(fd))
    write_atomically(tmp_path / "es" / "a.pdf", b"%PDF-1.7")
    assert synced and (tmp_path / "es" / "a.pdf").read_bytes() == b"%PDF-1.7"


def test_every_file_is_written_through_a_temporary_name_of_its_own(tmp_path, monkeypatch):
    """PDFs, catalogs, the template and the build record share one writer: two builds
    side by side never write the same temporary file (a fixed `.tmp` name raced)."""
    import os

    from brochurekit import build, catalogs, files, release

    assert build.write_atomically is catalogs.write_atomically is release.write_atomically \
        is files.write_atomically
    names = []
    original = os.replace
    monkeypatch.setattr(os, "replace", lambda source, target: names.append(source) or
                        original(source, target))
    for data in (b"one", b"two"):
        files.write_atomically(tmp_path / "brochures.pot", data)
    assert len(set(names)) == 2 and [p.name for p in tmp_path.iterdir()] == ["brochures.pot"]


def test_git_is_asked_in_one_place_and_answers_none_outside_a_repository(tmp_path):
    import os

    from brochurekit.files import git, source_epoch

    assert git(tmp_path, "log", "-1", "--format=%ct") is None
    assert git(ROOT, "rev-parse", "--is-inside-work-tree") == "true"
    assert source_epoch(tmp_path) is None or os.environ.get("SOURCE_DATE_EPOCH")
