"""The PDF stage on its own: missing glyphs fail, the renderer reaches no outside file."""

from __future__ import annotations

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


def test_outside_files_and_the_network_are_refused(writer, tmp_path, caplog):
    caplog.set_level(logging.WARNING)
    body = ('<img src="file:///etc/passwd"><img src="https://example.org/x.png">'
            '<link rel="stylesheet" href="../../../../etc/passwd">'
            '<p style="background: url(http://127.0.0.1:9/x)">text</p>')
    target = tmp_path / "hostile.pdf"
    writer.write(page(body), target, "test")
    refused = caplog.text
    assert "file:///etc/passwd" in refused and "outside the project" in refused
    assert "https://example.org/x.png" in refused and "http://127.0.0.1:9/x" in refused
    reader = PdfReader(target)
    assert not any(p["/Resources"].get("/XObject") for p in reader.pages)  # no image embedded
    assert "root:" not in reader.pages[0].extract_text()
