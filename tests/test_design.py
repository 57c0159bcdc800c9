"""The printed page, measured on the built PDFs: a cover, 12pt body text on a 45-75
character measure, every brochure within its page budget with an even page count, no page
of text nearly empty, question groups whole, and each language in its own fonts."""

from __future__ import annotations

import ctypes
import logging
import math
import statistics
import unicodedata
from collections import defaultdict

import pypdfium2 as pdfium
import pypdfium2.raw as pdfium_c
import pytest
from babel import Locale
from pypdf import PdfReader
from test_pdf import page_text, squash

from brochurekit.build import BuildOptions, build
from brochurekit.checks import check
from brochurekit.content import load_content
from brochurekit.fit import FIT_LEVELS
from brochurekit.render import script_of
from conftest import CONTENT, LANGUAGES, TOPICS

BROCHURES = [(lang, topic) for lang in LANGUAGES for topic in TOPICS]
MM = 72 / 25.4  # PDF points per millimetre
AREA = (20, 22)  # the page area's top and bottom margins, in mm (styles/page.css)
FINE_PRINT = 11  # pt: sources and references on the back page, and the page furniture

# The longest line a page may hold, in characters (vowel marks and other combining marks
# not counted). Guidance for patient material is 45-75 characters of Latin text. Arabic
# letters join and are narrow: the same 136 mm measure at 14pt holds up to about 82.
# Chinese and Korean are counted in their own characters (30-40 a line reads comfortably).
LONGEST = {"Latn": 75, "Cyrl": 75, "Guru": 75, "Arab": 85, "Hans": 40, "Hant": 40, "Kore": 55}
SHORTEST_MEDIAN = {"Latn": 45, "Cyrl": 45, "Guru": 45, "Arab": 45}  # a measure, not a column


def page_lines(path) -> list[list[tuple[str, float]]]:
    """Return the lines of text on each page of a PDF, top to bottom, with their largest
    size in points.

    PDFium lists the page's text objects (each a run WeasyPrint draws with one font and
    size): a line is the runs on one baseline, in order across the page, and a run's size
    is its font size times the scale of its matrix (the page's and the text's). pypdf's
    text visitor gave the same sizes 20 times slower."""
    document = pdfium.PdfDocument(path)
    try:
        return [page_runs(page) for page in document]
    finally:
        document.close()


def page_runs(page) -> list[tuple[str, float]]:
    text_page = page.get_textpage()
    rows = defaultdict(list)
    for run in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_TEXT], max_depth=3):
        size = ctypes.c_float()
        pdfium_c.FPDFTextObj_GetFontSize(run.raw, size)
        matrix = run.get_matrix()
        length = pdfium_c.FPDFTextObj_GetText(run.raw, text_page.raw, None, 0)
        buffer = (ctypes.c_ushort * (length // 2))()
        pdfium_c.FPDFTextObj_GetText(run.raw, text_page.raw, buffer, length)
        text = bytes(buffer)[:-2].decode("utf-16-le")
        if text.strip():
            scale = math.hypot(matrix.c, matrix.d)  # the vertical scale, flipped or not
            rows[round(matrix.f)].append((run.get_bounds()[0], text, size.value * scale))
    return [("".join(text for _, text, _ in sorted(row)), max(size for *_, size in row))
            for _, row in sorted(rows.items(), reverse=True)]


def characters(text: str) -> int:
    """Count the characters of a line a reader sees as letters, digits, spaces, signs."""
    return sum(1 for c in text if not unicodedata.category(c).startswith(("M", "C")))


def fill(page) -> float:
    """Return how far down its page area a page has text or drawings, from 0 to 1."""
    height = page.get_size()[1]
    top, bottom = height - AREA[0] * MM, AREA[1] * MM
    lowest = [b for obj in page.get_objects(max_depth=0)  # a form counts as one drawing
              for _, b, _, t in [obj.get_bounds()] if t <= top + 1 and b >= bottom - 1]
    return (top - min(lowest, default=top)) / (top - bottom)


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_brochure_fits_its_page_budget_with_an_even_page_count(built, lang, topic):
    result = built[(lang, topic)]
    budget = CONTENT.topic(topic).page_budget
    assert result.pages % 2 == 0, f"{result.pages} pages: a blank side when printed"
    assert result.pages <= budget and result.over_budget == 0, (result.pages, budget)
    assert len(PdfReader(result.path).pages) == result.pages


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_no_page_is_less_than_a_third_full(built, lang, topic):
    document = pdfium.PdfDocument(built[(lang, topic)].path)
    try:
        fills = [fill(page) for page in document]
    finally:
        document.close()
    assert min(fills) >= 1 / 3, [round(f, 2) for f in fills]


@pytest.mark.parametrize("lang", LANGUAGES)
def test_body_is_12pt_on_a_measure_of_45_to_75_characters(built, lang):
    script = script_of(Locale.parse(lang))
    for topic in TOPICS:
        pages = page_lines(built[(lang, topic)].path)
        body = [(text, size) for page in pages[1:-1] for text, size in page
                if size >= FINE_PRINT - 0.5]
        sizes = [size for _, size in body]
        assert statistics.median(sizes) >= 12 and min(sizes) >= 12 - 0.05, (topic, min(sizes))
        for number, page in enumerate(pages, 1):
            longest = max((characters(text) for text, size in page
                           if size >= FINE_PRINT - 0.5), default=0)
            assert longest <= LONGEST[script], (topic, number, longest)
        if script in SHORTEST_MEDIAN:  # full lines, not the ends of paragraphs
            full = [characters(text) for text, size in body if characters(text) > 30]
            assert statistics.median(full) >= SHORTEST_MEDIAN[script], topic


@pytest.mark.parametrize("lang", LANGUAGES)
def test_the_cover_names_the_topic_language_and_review_date(built, translators, lang):
    translator = translators[lang]
    for topic_id in TOPICS:
        topic = CONTENT.topic(topic_id)
        cover = squash(pdfium_text(built[(lang, topic_id)].path, 0))
        assert squash(translator.pgettext(topic.title.context, topic.title.text)) in cover
        name = Locale.parse(lang).get_display_name(Locale.parse(lang))
        assert squash(name[:1].upper() + name[1:]) in cover
        label = translator.gettext("Last reviewed: %(date)s").split("%(date)s")[0]
        assert squash(label) in cover, topic_id
        first = topic.sections[0].blocks[0].items[0]  # the text starts on page 2
        opening = letters(translator.pgettext(first.context, first.text))[:30]
        if built[(lang, topic_id)].fit < FIT_LEVELS:  # the tightest starts on the cover
            assert opening not in letters(cover)
            assert opening in letters(pdfium_text(built[(lang, topic_id)].path, 1))


def letters(text: str) -> str:
    """Keep only letters: right-to-left numbers and punctuation copy out out of place."""
    return "".join(c for c in squash(text) if c.isalpha())


def pdfium_text(path, index: int) -> str:
    """Return the text of one page as PDFium reads it (pypdf loses Arabic marks)."""
    document = pdfium.PdfDocument(path)
    try:
        return document[index].get_textpage().get_text_range()
    finally:
        document.close()


# Latin, Cyrillic and Chinese copy out in reading order, so each question is found whole.
QUESTION_LANGUAGES = ("en", "es", "fr", "ru", "vi", "zh_Hans")


@pytest.mark.parametrize("lang", QUESTION_LANGUAGES)
def test_a_group_of_questions_stays_on_one_page(built, translators, lang):
    translator = translators[lang]
    checked = 0
    for topic_id in TOPICS:
        path = built[(lang, topic_id)].path
        pages = [page_text(path, index) for index in range(built[(lang, topic_id)].pages)]
        for section in CONTENT.topic(topic_id).sections:
            for block in section.blocks:
                if block.kind != "questions":
                    continue
                where = {index for item in block.items
                         for index, text in enumerate(pages)
                         if squash(translator.pgettext(item.context, item.text)) in text}
                assert len(where) == 1, (topic_id, section.id, sorted(where))
                checked += 1
    assert checked >= 8


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_no_synthesised_italic_and_english_set_in_english_fonts(pdfs, lang, topic):
    reader = pdfs[(lang, topic)]
    fonts = {str(font.get_object()["/BaseFont"]).split("+", 1)[-1]
             for page in reader.pages for font in page["/Resources"]["/Font"].values()}
    # WeasyPrint names a face it slants itself "<family>-Oblique"; Noto has no oblique.
    assert not [font for font in fonts if font.endswith("Oblique")], fonts
    latin = defaultdict(set)  # the fonts of runs of English in the back matter

    def visit(text, cm, tm, font, size):  # noqa: ANN001
        if font and sum(c.isascii() and c.isalpha() for c in text) >= 4:
            latin[str(font["/BaseFont"]).split("+", 1)[-1]].add(text)

    for page in reader.pages[-2:]:  # the back matter may run onto a second page
        page.extract_text(visitor_text=visit)
    assert latin and all(font.startswith("Noto-Sans") and "CJK" not in font
                         for font in latin), sorted(latin)


def test_spare_space_becomes_ruled_lines_before_the_back_page(built, translators):
    padded = 0
    for (lang, topic), result in built.items():
        heading = squash(translators[lang].gettext("My questions and notes"))
        pages = [page_text(result.path, index) for index in range(result.pages)]
        found = [index for index, text in enumerate(pages) if heading in text]
        assert len(found) <= 1 and (not found or found[0] < len(pages) - 1), (lang, topic)
        padded += bool(found)
    assert padded >= 10  # most brochures have some spare space; none is left blank


def test_a_brochure_over_budget_is_set_tighter_then_reported_and_fails_check_strict(
        project, tmp_path, caplog):
    caplog.set_level(logging.INFO)
    topic = project / "brochures" / "stage-4-anal-cancer.yaml"
    text = topic.read_text()
    topic.write_text(text.replace("page_budget: 10", "page_budget: 6"))
    line = text.splitlines().index("page_budget: 10") + 1
    (result,) = build(project, BuildOptions(out=tmp_path, languages=("en",),
                                            topics=("stage-4-anal-cancer",)))
    assert result.fit == FIT_LEVELS  # the tightest setting tried before giving up
    assert result.pages > 6 and result.pages % 2 == 0 and result.over_budget == result.pages - 6
    assert f"pages of stage-4-anal-cancer (budget 6): en {result.pages} OVER" in caplog.text
    assert f"set tighter to fit (fit-{FIT_LEVELS})" in caplog.text
    content = load_content(project)
    today = CONTENT.topic("stage-4-anal-cancer").review.last_reviewed
    report = check(project, content, 100.0, today, built=tmp_path)
    (finding,) = [f for f in report.findings if f.rule == "page-budget"]
    assert (finding.file, finding.line) == ("brochures/stage-4-anal-cancer.yaml", line)
    assert finding.level == "warning"  # fails `check --strict`
    assert f"en: {result.pages} pages, {result.over_budget} over the budget of 6" \
        in finding.message
    assert not [f for f in check(project, content, 100.0, today).findings
                if f.rule == "page-budget"]  # no build to judge: nothing said


@pytest.mark.parametrize(("lang", "first_side"), [("en", "right"), ("ar", "left")])
def test_running_head_and_folio_sit_on_the_outside_corners(pdfs, lang, first_side):
    # Pages face each other when printed double-sided: the head and the page number go on
    # the outside, mirrored. A right-to-left brochure starts on a left-hand page.
    reader = pdfs[(lang, "stage-4-anal-cancer")]
    width = float(reader.pages[0].mediabox.width)
    for index in (1, 2, len(reader.pages) - 1):
        runs = []

        def visit(text, cm, tm, font, size, runs=runs):  # noqa: ANN001
            if text.strip():
                runs.append((tm[5] * cm[3] + cm[5], tm[4] * cm[0] + cm[4]))

        reader.pages[index].extract_text(visitor_text=visit)
        (_, head), (_, folio) = max(runs), min(runs)  # the highest and the lowest text
        right_hand = (index % 2 == 0) == (first_side == "right")
        for x in (head, folio):
            assert (x > width / 2) == right_hand, (index + 1, x)
