"""Every topic x language PDF: opens, has sane pages, metadata, text and fonts."""

from __future__ import annotations

import functools
import re
import subprocess
import unicodedata

import pypdfium2 as pdfium
import pytest
from pypdf import PdfReader

from brochurekit.build import BuildOptions, paper_for
from brochurekit.fonts import font_stacks, stack_for
from brochurekit.project import load_project
from brochurekit.render import translate
from conftest import CONTENT, LANGUAGES, ROOT, TOPICS

BROCHURES = [(lang, topic) for lang in LANGUAGES for topic in TOPICS]
PAGES = range(4, 17)  # a cover, the text, the back page; the longest topic's budget


def squash(text: str) -> str:
    """Fold what PDF text extraction varies on: presentation forms, line breaks, hyphens,
    combining marks (split from their letter) and bracket direction (mirrored in RTL)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(c for c in text if unicodedata.category(c) not in ("Mn", "Cf"))
    text = text.translate(str.maketrans("()[]", "||||"))
    return re.sub(r"[\s-]+", "", text)


@functools.cache
def _pages(path) -> tuple[str, ...]:
    """Extract each page's text once with three readers, joined by a separator.

    They fail differently on right-to-left text: pypdf returns mixed-direction runs in
    visual order ("6من6صفحة") and ignores /ActualText, PDFium can swap two letters next to
    one with a vowel mark, pdftotext can move punctuation next to a number. Text found by
    any reader is on the page.
    """
    document = pdfium.PdfDocument(path)
    try:
        by_pdfium = [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()
    by_pypdf = [page.extract_text() for page in PdfReader(path).pages]
    by_poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                                capture_output=True, text=True).stdout.split("\f")[:-1]
    return tuple("\x00".join(map(squash, texts))
                 for texts in zip(by_pdfium, by_pypdf, by_poppler, strict=True))


def page_text(path, index: int) -> str:
    return _pages(path)[index]


def all_text(path) -> str:
    return "\x00".join(_pages(path))


def flowing_text(path, translator, topic) -> str:
    """Return the text PDFium reads, pages joined without their running head, page
    number and list markers, so that a paragraph a page break splits is found whole
    (Chinese has no spaces: it is found whole or not at all)."""
    from brochurekit.render import translate as translated

    document = pdfium.PdfDocument(path)
    try:
        pages = [squash(page.get_textpage().get_text_range()) for page in document]
    finally:
        document.close()
    label = translator.pgettext("page footer", "Page %(page)s of %(pages)s")
    native = NATIVE_DIGITS.get(translator.locale.default_numbering_system)
    digits = str.maketrans("0123456789", native) if native else {}
    head = squash(translated(translator, topic.title))
    return "".join(page.replace(head, "").replace(squash(label % {
        "page": str(number).translate(digits), "pages": str(len(pages)).translate(digits)}), "")
        for number, page in enumerate(pages, 1)).replace("•", "")  # list markers: drawn apart


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_brochure_is_built_with_metadata(built, pdfs, translators, lang, topic):
    result = built[(lang, topic)]
    assert result.error is None, str(result.error)
    assert result.path.name == f"{topic}.pdf" and result.path.parent.name == lang
    reader = pdfs[(lang, topic)]
    assert len(reader.pages) in PAGES
    assert result.pages == len(reader.pages)
    title = translate(translators[lang], CONTENT.topic(topic).title)
    assert reader.metadata.title == title
    assert reader.trailer["/Root"]["/Lang"] == lang.replace("_", "-")
    size = reader.pages[0].mediabox
    paper = paper_for(load_project(ROOT), lang, BuildOptions(ROOT))
    expected = {"letter": (612, 792), "a4": (595, 842)}[paper]
    assert (round(float(size.width)), round(float(size.height))) == expected


NATIVE_DIGITS = {"arab": "٠١٢٣٤٥٦٧٨٩", "arabext": "۰۱۲۳۴۵۶۷۸۹"}


def shows(text: str, needle: str) -> bool:
    """Say whether extracted text holds a string, or failing that every word of it (without
    the punctuation around it, which a run written in visual order can move)."""
    return squash(needle) in text or all(
        squash(word).strip(".,;:!?|،؛") in text for word in needle.split())




@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_text_has_title_sections_and_back_matter(built, translators, lang, topic):
    path, translator, content = built[(lang, topic)].path, translators[lang], CONTENT.topic(topic)
    first, text = page_text(path, 0), all_text(path)
    last = page_text(path, -2) + page_text(path, -1)
    assert shows(first, translate(translator, content.title))
    for section in content.sections:
        assert shows(text, translate(translator, section.heading)), section.id
    # The back matter, at the end (on the back page, or the last two in a long language):
    # sources, references, review dates and the disclaimer, all translated.
    for source in content.sources:
        assert shows(last, source.title)
    if content.references:
        assert shows(last, translator.gettext("References"))
    for reference in content.references:
        assert shows(last, reference.authors[0])
        if reference.doi:
            assert shows(last, reference.doi)
    assert shows(last, translator.gettext("Review dates"))
    if lang != "en":  # no catalog is medically reviewed yet, and the back page says so
        assert shows(last, translator.gettext(
            "This translation has not yet been checked by a qualified medical translator."))
    assert shows(last, translate(translator, content.disclaimer.heading))
    for block in content.disclaimer.blocks:
        assert shows(last, translate(translator, block.items[0]))


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_page_footer_is_localized(built, translators, lang, topic):
    result = built[(lang, topic)]
    label = translators[lang].pgettext("page footer", "Page %(page)s of %(pages)s")
    # The footer counts in the language's digits (Persian: ۱, ۲...).
    native = NATIVE_DIGITS.get(translators[lang].locale.default_numbering_system)
    digits = {number: str(number).translate(str.maketrans("0123456789", native))
              if native else str(number) for number in (1, 2, result.pages)}
    for page in (2, result.pages):
        footer = squash(label % {"page": digits[page], "pages": digits[result.pages]})
        assert footer in page_text(result.path, page - 1)
    cover = squash(label % {"page": digits[1], "pages": digits[result.pages]})
    assert cover not in page_text(result.path, 0)  # the cover has no folio


def embedded_fonts(reader) -> set[str]:
    """Return the embedded fonts' names, without the subset prefix."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def family_of(font_name: str, families: tuple[str, ...]) -> str | None:
    """Match an embedded name such as 'Noto-Sans-Bold' to a family of the stack."""
    matches = [f for f in families if font_name.startswith(f.replace(" ", "-"))]
    return max(matches, key=len) if matches else None


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_pdf_embeds_only_the_language_fonts(pdfs, lang, topic):
    stack = stack_for(font_stacks(ROOT / "styles" / "fonts.css"), lang)
    embedded = embedded_fonts(pdfs[(lang, topic)])
    used = {name: family_of(name, stack) for name in embedded}
    assert None not in used.values(), f"fonts outside the stack {stack}: {used}"
    assert stack[0] in used.values()


@pytest.mark.parametrize("topic", ["stage-4-anal-cancer", "treating-anal-cancer"])
def test_latin_terms_inside_arabic_read_left_to_right(built, topic):
    """"5-FU" in an Arabic sentence must show as 5-FU, never FU-5 (a wrong drug name)."""
    document = pdfium.PdfDocument(built[("ar", topic)].path)
    try:
        found = 0
        for page in document:
            textpage = page.get_textpage()
            chars = [(textpage.get_text_range(i, 1), textpage.get_charbox(i))
                     for i in range(textpage.count_chars())]
            for (char, box), (after, next_box) in zip(chars, chars[1:], strict=False):
                if char + after != "FU":
                    continue
                left, bottom, right = box[0], box[1], next_box[2]
                fives = [b for c, b in chars if c == "5" and abs(b[1] - bottom) < 2
                         and (abs(b[2] - left) < 12 or abs(b[0] - right) < 12)]
                assert fives, "no 5 beside FU"
                assert all(five[2] <= left for five in fives), "shows FU-5"
                found += 1
    finally:
        document.close()
    assert found


KOREAN_PUNCTUATION = "()[]{}.,;:!?'\"“”‘’·…"


def korean_words(translator) -> frozenset[str]:
    """Every word of the Korean translations, without the punctuation around it."""
    return frozenset(word.strip(KOREAN_PUNCTUATION) for text in translator.entries.values()
                     for word in text.split())


@pytest.mark.parametrize("topic", TOPICS)
def test_korean_lines_break_only_between_words(built, translators, topic):
    """Korean is set keep-all: a line never ends inside a word (83 did before render.py's
    keep_words). Each line's first and last word must be a whole word of the catalog."""
    words = korean_words(translators["ko"]) | {"한국어"}  # the language's name, on the cover
    document = pdfium.PdfDocument(built[("ko", topic)].path)
    broken = []
    for number, page in enumerate(document, start=1):
        for line in page.get_textpage().get_text_range().splitlines():
            ends = line.split()[:1] + line.split()[-1:]
            broken += [(number, word) for word in (end.strip(KOREAN_PUNCTUATION) for end in ends)
                       if re.search("[\uac00-\ud7a3]", word) and not re.search(r"\d", word)
                       and word not in words]
    document.close()
    assert not broken, broken
