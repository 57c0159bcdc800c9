"""Editions and paper: per-language paper, large print, print-shop bleed and fonts."""

from __future__ import annotations

import io
import statistics
import subprocess

import pypdfium2
import pytest
from pypdf import PdfReader
from test_pdf import squash

from brochurekit.build import BuildOptions, build, paper_for
from brochurekit.catalogs import load_translator
from brochurekit.project import load_project
from conftest import CONTENT, ROOT

LANGS = ("es", "ar", "zh_Hans")  # Latin, Arabic, Chinese
BLEED = 3 / 25.4 * 72  # 3 mm in points


@pytest.fixture(scope="module")
def editions(tmp_path_factory):
    """Build one topic as a large-print, print-shop edition in three scripts."""
    out = tmp_path_factory.mktemp("editions")
    results = build(ROOT, BuildOptions(out=out, languages=LANGS, jobs=2,
                                       topics=("stage-4-anal-cancer",),
                                       editions=("large-print", "print-shop")))
    assert all(r.error is None for r in results), [str(r.error) for r in results]
    return {r.lang: r for r in results}


def text_sizes(reader: PdfReader) -> list[float]:
    """Return the size of every run of text on the second page, in points."""
    sizes = []

    def visit(text, cm, tm, font, size):  # noqa: ANN001
        if text.strip():
            sizes.append(round(abs(size * tm[0] * cm[0]) if tm[0] else size, 1))

    reader.pages[1].extract_text(visitor_text=visit)
    return sizes


def test_each_language_has_its_paper_and_a_build_can_override_it():
    default, project = BuildOptions(out=ROOT), load_project(ROOT)
    assert [paper_for(project, lang, default) for lang in ("en", "es", "fr", "ar", "zh_Hans",
                                                           "pt_BR")] == \
        ["letter", "letter", "a4", "a4", "a4", "letter"]
    assert paper_for(project, "ar", BuildOptions(out=ROOT, paper="letter")) == "letter"


def test_normal_body_text_is_at_least_11pt(built):
    for lang in LANGS:
        sizes = text_sizes(PdfReader(built[(lang, "stage-4-anal-cancer")].path))
        assert statistics.median(sizes) >= 11, lang


@pytest.mark.parametrize("lang", LANGS)
def test_large_print_is_16pt(editions, lang):
    result = editions[lang]
    assert result.path.name == "stage-4-anal-cancer.large-print.print-shop.pdf"
    assert statistics.median(text_sizes(PdfReader(result.path))) >= 16


@pytest.mark.parametrize("lang", LANGS)
def test_print_shop_has_bleed_crop_area_and_subset_fonts(editions, lang):
    reader = PdfReader(editions[lang].path)
    page = reader.pages[0]
    trim, bleed = page.trimbox, page.bleedbox
    assert float(trim.left) - float(bleed.left) == pytest.approx(BLEED, abs=0.1)
    assert float(bleed.top) - float(trim.top) == pytest.approx(BLEED, abs=0.1)
    width = {"letter": 612, "a4": 595}[paper_for(load_project(ROOT), lang, BuildOptions(out=ROOT))]
    assert round(float(trim.width)) == width
    for font in page["/Resources"]["/Font"].values():  # subsets: a print shop needs no more
        assert str(font.get_object()["/BaseFont"])[7:8] == "+"  # the subset tag, ABCDEF+
    assert editions[lang].path.stat().st_size < 2_000_000  # Chinese in full was 45 MB


def test_print_shop_and_booklet_are_refused_together_with_the_reason(tmp_path):
    from brochurekit.errors import BrochureError

    with pytest.raises(BrochureError, match="cut off their bleed and crop marks"):
        build(ROOT, BuildOptions(out=tmp_path, languages=("en",),
                                 editions=("print-shop", "booklet")))
    assert not list(tmp_path.iterdir())  # refused before anything was built


def test_the_build_reports_languages_over_the_page_budget(project, tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO)
    topic = project / "brochures" / "stage-4-anal-cancer.yaml"
    topic.write_text(topic.read_text().replace("page_budget: 10", "page_budget: 5"))
    results = build(project, BuildOptions(out=tmp_path, languages=("ar", "fr"),
                                          topics=("stage-4-anal-cancer",)))
    pages = {r.lang: r.pages for r in results}
    assert {r.lang: r.over_budget for r in results} == {
        lang: count - 5 for lang, count in pages.items()}
    assert pages["fr"] > 5
    assert (f"fr/stage-4-anal-cancer: {pages['fr']} pages, {pages['fr'] - 5} over the topic's "
            "page budget of 5") in caplog.text


def test_a_configured_base_url_puts_a_qr_code_on_the_back_page(project, tmp_path):
    import segno

    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace(
        'base_url = ""', 'base_url = "https://brochures.example.org/v1/"'))
    (result,) = build(project, BuildOptions(out=tmp_path, languages=("zh_Hans",),
                                            topics=("recurrent-anal-cancer",)))
    url = "https://brochures.example.org/v1/zh_Hans/recurrent-anal-cancer.html"
    reader = PdfReader(result.path)
    last = reader.pages[-1]
    assert url in last.extract_text()
    (image,) = last.images  # the QR code: the same pixels as the symbol for this URL
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
    from PIL import Image

    expected = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    assert image.image.convert("L").tobytes() == expected.tobytes()
    assert "在线阅读本手册" in last.extract_text()


def test_booklet_order_pads_to_four_and_pairs_pages_for_folding():
    from brochurekit.booklet import booklet_order

    assert booklet_order(4) == [(3, 0), (1, 2)]
    assert booklet_order(6) == [(None, 0), (1, None), (5, 2), (3, 4)]  # two blanks at the end
    for pages in range(1, 30):
        sides = booklet_order(pages)
        shown = [i for side in sides for i in side if i is not None]
        assert sorted(shown) == list(range(pages)) and (2 * len(sides)) % 4 == 0


@pytest.fixture(scope="module")
def booklets(tmp_path_factory):
    out = tmp_path_factory.mktemp("booklets")
    results = build(ROOT, BuildOptions(out=out, languages=LANGS, jobs=2, editions=("booklet",),
                                       topics=("treating-anal-cancer",)))
    assert all(r.error is None and not r.over_budget for r in results)
    return {r.lang: r for r in results}


@pytest.mark.parametrize("lang", LANGS)
def test_booklets_are_half_size_pages_two_up(booklets, lang):
    result = booklets[lang]
    reader = PdfReader(result.path)
    assert result.path.name == "treating-anal-cancer.booklet.pdf"
    assert result.pages % 4 == 0 and len(reader.pages) == result.pages // 2
    sheet = reader.pages[0].mediabox
    paper = paper_for(load_project(ROOT), lang, BuildOptions(ROOT))
    full = {"letter": (792, 612), "a4": (842, 595)}[paper]
    assert (round(float(sheet.width)), round(float(sheet.height))) == full  # landscape
    assert reader.trailer["/Root"]["/Lang"] == lang.replace("_", "-")
    cover = 0 if lang == "ar" else 1  # right-to-left booklets are bound on the right
    half, height = round(float(sheet.width) / 2), round(float(sheet.height))
    halves = [subprocess.run(  # poppler, cropped to each half of the first sheet
        ["pdftotext", "-f", "1", "-l", "1", "-x", str(x), "-y", "0", "-W", str(half),
         "-H", str(height), "-r", "72", str(result.path), "-"],
        check=True, capture_output=True, text=True).stdout for x in (0, half)]
    translator = load_translator(ROOT, lang)
    kicker = translator.gettext("Patient information")
    disclaimer = CONTENT.topic("treating-anal-cancer").disclaimer.heading
    assert squash(kicker) in squash(halves[cover])  # the front cover
    assert squash(translator.pgettext(disclaimer.context, disclaimer.text)) in squash(
        halves[1 - cover])  # the back page, the last of the brochure


@pytest.mark.parametrize("lang", LANGS)
def test_booklets_keep_the_structure_links_and_destinations_on_the_sheets(booklets, lang):
    from test_accessibility import structure_languages
    from test_blocks import structure

    reader = PdfReader(booklets[lang].path)
    sheets = {page.indirect_reference.idnum for page in reader.pages}
    root = reader.trailer["/Root"]
    elements = list(structure(root["/StructTreeRoot"]))
    assert {e["/S"] for e in elements} >= {"/H1", "/H2", "/P", "/L", "/LI", "/Figure", "/Link"}
    assert structure_languages(reader)["en"] >= 1 or lang == "en"
    marked = []
    for element in elements:
        kids = element.get("/K", [])
        for kid in kids if isinstance(kids, list) else [kids]:
            kid = kid.get_object()
            if isinstance(kid, dict) and kid.get("/Type") in ("/MCR", "/OBJR"):
                assert kid.raw_get("/Pg").idnum in sheets
                marked.append(kid)
    assert len(marked) > 100 and all("/Stm" in kid for kid in marked
                                     if kid["/Type"] == "/MCR")
    names = root["/Names"]["/Dests"]["/Names"]
    assert all(names[i + 1][0].idnum in sheets for i in range(0, len(names), 2))
    links = [annotation.get_object() for page in reader.pages
             for annotation in page.get("/Annots", [])]
    assert links and all(link.raw_get("/P").idnum in sheets for link in links)


@pytest.fixture(scope="module")
def bilingual(tmp_path_factory):
    out = tmp_path_factory.mktemp("bilingual")
    results = build(ROOT, BuildOptions(out=out, languages=LANGS, jobs=2, editions=("bilingual",),
                                       topics=("stage-4-anal-cancer",)))
    assert all(r.error is None for r in results), [str(r.error) for r in results]
    return {r.lang: r for r in results}


@pytest.mark.parametrize("lang", LANGS)
def test_bilingual_has_every_unit_in_both_languages_each_in_its_half(bilingual, translators,
                                                                     lang):
    from test_pdf import shows

    from brochurekit.render import translate

    result = bilingual[lang]
    assert result.path.name == "stage-4-anal-cancer.bilingual.pdf"
    own, english = half_texts(result.path, lang)
    from test_blocks import structure

    alts = {str(e["/Alt"]) for e in structure(PdfReader(result.path).trailer["/Root"][
        "/StructTreeRoot"]) if e["/S"] == "/Figure"}
    for message in CONTENT.topic("stage-4-anal-cancer").messages():
        where = f"{message.file}:{message.line}"
        if message.kind == "figure-alt":  # not printed: each half's figure carries its own
            assert {message.text, translate(translators[lang], message)} <= alts, where
            continue
        assert shows(english, message.text), f"{where}: not in the English half"
        assert shows(own, translate(translators[lang], message)), \
            f"{where}: not in the {lang} half"
    for text in ("Patient information", "Review dates", "Where this information comes from"):
        assert shows(english, text) and shows(own, translators[lang].gettext(text))


def half_texts(path, lang: str) -> tuple[str, str]:
    """Return the text of the brochure's-language half and of the English half of every
    page, each joined across pages (a block may run on to the next page), without the
    running header and footer: as PDFium reads it, then as pdftotext does (they fail on
    different right-to-left words, see test_pdf.py)."""
    import subprocess

    import pypdfium2 as pdfium
    from test_pdf import squash

    halves = ([], [])
    document = pdfium.PdfDocument(path)
    try:
        for number, page in enumerate(document, start=1):
            width, height = page.get_width(), page.get_height()
            textpage = page.get_textpage()
            left = textpage.get_text_bounded(0, 45, width / 2, height - 45)
            right = textpage.get_text_bounded(width / 2, 45, width, height - 45)
            by_poppler = [subprocess.run(
                ["pdftotext", "-enc", "UTF-8", "-f", str(number), "-l", str(number), "-r", "72",
                 "-x", str(round(x)), "-y", "45", "-W", str(round(width / 2)),
                 "-H", str(round(height - 90)), str(path), "-"],
                check=True, capture_output=True, text=True).stdout for x in (0, width / 2)]
            own, english = (1, 0) if lang == "ar" else (0, 1)
            halves[0].append(((left, right)[own], by_poppler[own]))
            halves[1].append(((left, right)[english], by_poppler[english]))
    finally:
        document.close()
    return tuple("\x00".join(squash("".join(texts)) for texts in zip(*half, strict=True))
                 for half in halves)


def char_centres(page, script: str) -> list[float]:
    """Return the x centre of each character of a script in the body of a page (not its
    running header and footer), in points from the left edge."""
    textpage = page.get_textpage()
    height = page.get_height()
    centres = []
    for index in range(textpage.count_chars()):
        char = textpage.get_text_range(index, 1)
        left, bottom, right, top = textpage.get_charbox(index)
        if 45 < bottom < height - 45 and char_script(char) == script:
            centres.append((left + right) / 2)
    return centres


def char_script(char: str) -> str | None:
    import unicodedata

    name = unicodedata.name(char, "")
    return next((s for s in ("ARABIC", "CJK", "LATIN") if name.startswith(s)), None)


@pytest.mark.parametrize("lang", ("ar", "zh_Hans"))
def test_bilingual_sets_the_language_at_the_inline_start_and_english_beside_it(bilingual,
                                                                                lang):
    import pypdfium2 as pdfium

    document = pdfium.PdfDocument(bilingual[lang].path)
    try:
        for page in document:  # up to the back matter, whose lists of sources are English
            if "Where this information comes from" in page.get_textpage().get_text_range():
                break
            middle = page.get_width() / 2
            own = char_centres(page, "ARABIC" if lang == "ar" else "CJK")
            latin = char_centres(page, "LATIN")
            if not own and not latin:
                continue  # a page of ruled lines for notes, no text
            assert own, "a page without the brochure's language"
            # Arabic reads from the right: its half is the right one; Chinese the left.
            assert all((x > middle) == (lang == "ar") for x in own)
            in_english_half = sum((x < middle) == (lang == "ar") for x in latin)
            assert in_english_half > 0.9 * len(latin)  # the rest: drug names, HPV, 5-FU
    finally:
        document.close()


@pytest.mark.parametrize("lang", LANGS)
def test_bilingual_cover_page_holds_what_matters_most_not_the_band_alone(bilingual, lang):
    # Whole, the box of key messages did not fit under the tall two-language band and
    # moved to page 2: 30 of 52 bilingual covers were the band and blank paper below it.
    # Now the box may break between its items there, and its first one is on the cover.
    document = pypdfium2.PdfDocument(bilingual[lang].path)
    try:
        cover = document[0].get_textpage().get_text_range()
    finally:
        document.close()
    first = CONTENT.topic("stage-4-anal-cancer").key_messages[0].text
    # Its words: PDFium reads the halves' first lines, on one baseline, as one line.
    for unit in ("What you most need to know", first):
        assert all(word in cover.split() for word in unit.split()), (lang, unit)


def test_bilingual_is_tagged_and_its_english_half_says_so(bilingual):
    from test_accessibility import assert_accessible, structure_languages

    for lang, result in bilingual.items():
        reader = PdfReader(result.path)
        assert_accessible(reader, lang)  # one H1, each heading once: not once per table part
        languages = structure_languages(reader)
        assert languages["en"] > 50, lang  # one per English half, at least


def test_bilingual_skips_english_and_says_so(tmp_path, caplog):
    import logging

    caplog.set_level(logging.INFO)
    options = BuildOptions(out=tmp_path, languages=("en",), editions=("bilingual",))
    assert build(ROOT, options) == []
    assert "bilingual: skipping en" in caplog.text
