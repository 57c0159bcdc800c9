"""Accessible PDFs: tagged (PDF/UA-1), language and title set, headings and lists in order."""

from __future__ import annotations

from collections import Counter

import pytest
from pypdf import PdfReader

from conftest import LANGUAGES, TOPICS

BROCHURES = [(lang, topic) for lang in LANGUAGES for topic in TOPICS]


def structure(reader: PdfReader) -> list[str]:
    """Return the structure tree's element types in reading order."""
    found = []

    def walk(node) -> None:
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/S" in node:
            found.append(str(node["/S"]).lstrip("/"))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


def structure_languages(reader: PdfReader) -> Counter[str]:
    """Count the structure elements that set their own language, by language."""
    found = Counter()

    def walk(node) -> None:
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if "/Lang" in node and "/S" in node:
            found[str(node["/Lang"])] += 1
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    return found


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_pdf_is_tagged_with_language_title_headings_and_lists(built, lang, topic):
    assert_accessible(PdfReader(built[(lang, topic)].path), lang)


def assert_accessible(reader: PdfReader, lang: str) -> None:
    """Check a PDF is tagged for PDF/UA: language, title, one H1, headings, lists."""
    catalog = reader.trailer["/Root"]
    assert bool(catalog["/MarkInfo"]["/Marked"])
    assert bool(catalog["/ViewerPreferences"]["/DisplayDocTitle"])
    assert catalog["/Lang"] == lang.replace("_", "-")
    assert b"pdfuaid:part" in catalog["/Metadata"].get_object().get_data()
    tags = structure(reader)
    headings = [int(t[1]) for t in tags if t in ("H1", "H2", "H3")]
    assert headings[0] == 1 and headings.count(1) == 1
    assert all(b - a <= 1 for a, b in zip(headings, headings[1:], strict=False))  # no skips
    assert {"L", "LI", "LBody", "P", "Sect"} <= set(tags)


@pytest.mark.parametrize(("lang", "topic"), [(lang, "treating-anal-cancer")
                                             for lang in LANGUAGES if lang != "en"])
def test_english_inside_a_translation_is_tagged_as_english(built, lang, topic):
    # The references and source titles stay in English: a screen reader must switch voice.
    assert structure_languages(PdfReader(built[(lang, topic)].path))["en"] >= 2
