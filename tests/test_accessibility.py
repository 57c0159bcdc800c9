"""Accessible PDFs: tagged (PDF/UA-1), language and title set, headings and lists in order."""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass, replace

import pytest
from babel import Locale
from pypdf import PdfReader
from tinycss2.color4 import parse_color
from weasyprint.formatting_structure import boxes

from brochurekit.pdf import PdfWriter
from brochurekit.render import make_environment, render_html, translate
from conftest import CONTENT, EDITION_TOPIC, LANGUAGES, ROOT, TOPICS

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
    # The predominant reading direction: viewers set pages side by side from the right, and
    # PDFium reads every line right to left (brochurekit/actualtext.finish).
    right_to_left = Locale.parse(lang).character_order == "right-to-left"
    assert catalog["/ViewerPreferences"].get("/Direction") == ("/R2L" if right_to_left
                                                                else None)
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


# --- Contrast and type size, on the laid-out pages ------------------------------------

WHITE = parse_color("white")  # the paper, where no background is painted
AA_BODY, AA_LARGE = 4.5, 3.0  # WCAG 2.x AA contrast ratios
PT = 4 / 3  # CSS pixels per point

LAYOUTS = [  # (language, editions, draft): each script, each edition, a draft with gaps
    ("es", (), True),
    ("ar", (), False),
    ("zh_Hans", ("print-shop",), False),
    ("ar", ("bilingual",), False),
    ("fr", ("large-print",), False),
    ("en", ("booklet",), False),
    ("fa", ("large-print",), False),
    ("ko", (), False),
    ("pa", ("bilingual",), False),
    ("ru", (), False),
]


def luminance(color) -> float:
    """Return a colour's WCAG relative luminance."""
    def channel(value: float) -> float:
        return value / 12.92 if value <= 0.04045 else ((value + 0.055) / 1.055) ** 2.4

    red, green, blue = (channel(c) for c in to_srgb(color))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue


@functools.cache
def cmyk_to_srgb():
    """Return Pillow's transform from the print profile's CMYK to sRGB."""
    from PIL import ImageCms

    from brochurekit.printshop import DEFAULT_PROFILE

    return ImageCms.buildTransform(ImageCms.getOpenProfile(DEFAULT_PROFILE),
                                   ImageCms.createProfile("sRGB"), "CMYK", "RGB")


def to_srgb(color) -> tuple[float, float, float]:
    """Return a colour's sRGB channels, 0 to 1; a print-shop colour (`device-cmyk()`) as
    it prints on the print profile."""
    if color.space != "device-cmyk":
        return tuple(color.to("srgb").coordinates)
    from PIL import Image, ImageCms

    ink = Image.new("CMYK", (1, 1), tuple(round(c * 255) for c in color.coordinates))
    return tuple(c / 255 for c in ImageCms.applyTransform(ink, cmyk_to_srgb()).getpixel((0, 0)))


def contrast(one, other) -> float:
    """Return the WCAG contrast ratio of two colours, from 1 to 21."""
    light, dark = sorted((luminance(one), luminance(other)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


@dataclass(frozen=True)
class Drawn:
    """A run of text as laid out: its colours, size, weight and where it sits."""

    text: str
    color: object
    background: object
    size: float  # points
    bold: bool
    body: bool  # in the sections, the review dates or the disclaimer: what patients read


def drawn_text(box, background=WHITE, body=False):
    """Yield every run of text under a box with the background it is drawn on."""
    paint = box.style["background_color"]
    if paint.alpha:
        assert paint.alpha == 1, f"translucent background behind {box!r}: blend it here"
        background = paint
    element = box.element if box.element_tag else None
    if element is not None and (box.element_tag == "main" or element.get("id") == "disclaimer"
                                or "review" in (element.get("class") or "").split()):
        body = True
    if isinstance(box, boxes.TextBox) and box.text.strip():
        yield Drawn(box.text, box.style["color"], background, box.style["font_size"] / PT,
                    box.style["font_weight"] >= 600, body)
    for child in getattr(box, "children", ()):
        yield from drawn_text(child, background, body)


@pytest.fixture(scope="module", params=LAYOUTS, ids=lambda case: "-".join(
    (case[0], *case[1], *(("draft",) if case[2] else ()))))
def laid_out(request, translators):
    """Lay out one brochure (no PDF) and return every run of text on its pages."""
    lang, editions, draft = request.param
    translator = translators[lang]
    if draft:  # every other unit untranslated: the draft shows them highlighted
        kept = dict(list(translator.entries.items())[::2])
        translator = replace(translator, entries=kept)
    html = render_html(make_environment(ROOT / "templates"),
                       CONTENT.topic("treating-advanced-cancer"), translator,
                       "a5" if "booklet" in editions else "letter", draft=draft).html
    document = PdfWriter(ROOT, editions).layout(html)
    runs = [run for page in document.pages for run in drawn_text(page._page_box)]
    return request.param, runs


def test_text_contrast_meets_wcag_aa(laid_out):
    case, runs = laid_out
    (lang, editions, draft) = case
    assert len(runs) > 100
    painted = {run.background.coordinates for run in runs} - {WHITE.coordinates}
    assert painted  # the notice, and the cover band, highlights or DRAFT mark below
    if draft:
        assert any("DRAFT" in run.text for run in runs)
        assert (1.0, 0.953, 0.690) in {tuple(round(c, 3) for c in b) for b in painted}
    for run in runs:
        large = run.size >= 18 or (run.bold and run.size >= 14)
        ratio = contrast(run.color, run.background)
        assert ratio >= (AA_LARGE if large else AA_BODY), (case, run.text, round(ratio, 2))


def test_body_text_is_at_least_11pt_and_16pt_in_large_print(laid_out):
    (lang, editions, draft), runs = laid_out
    smallest = 16 if "large-print" in editions else 11
    body = [run for run in runs if run.body]
    assert len(body) > 50
    assert min(run.size for run in body) >= smallest, [
        (run.text, run.size) for run in body if run.size < smallest][:3]


# --- Right-to-left text copies out in logical order ------------------------------------


def letters(text: str) -> str:
    """Keep letters and digits: punctuation next to a number or a Latin run in Arabic
    copies out on the wrong side (it is written in visual order), as do mirrored brackets."""
    from test_pdf import squash

    return "".join(c for c in squash(text) if unicodedata.category(c)[0] in "LN")


RIGHT_TO_LEFT = [lang for lang in LANGUAGES
                 if Locale.parse(lang).character_order == "right-to-left"]
# Printed units not read in a line of their own: the title is the running head too, and a
# figure's alternative text is not printed.
UNREAD = ("title", "figure-alt")


def with_marks(text: str) -> str:
    """Keep letters, digits and their marks (in Unicode's canonical order)."""
    return "".join(c for c in unicodedata.normalize("NFC", text)
                   if unicodedata.category(c)[0] in "LNM")


def copied_pages(path, translator, topic, keep=letters) -> dict[str, list[str]]:
    """Return each page's letters (or what `keep` keeps) as PDFium and poppler copy them
    out, without the running head and the page number (PDFium reads them last, poppler the
    head first)."""
    import subprocess

    import pypdfium2 as pdfium
    from test_pdf import NATIVE_DIGITS

    document = pdfium.PdfDocument(path)
    try:
        by_pdfium = [page.get_textpage().get_text_range() for page in document]
    finally:
        document.close()
    by_poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                                capture_output=True, text=True).stdout.split("\f")[:-1]
    label = translator.pgettext("page footer", "Page %(page)s of %(pages)s")
    native = NATIVE_DIGITS.get(translator.locale.default_numbering_system)
    digits = str.maketrans("0123456789", native) if native else {}
    head = keep(translate(translator, topic.title))
    pages: dict[str, list[str]] = {"pdfium": [], "poppler": []}
    for reader, texts in (("pdfium", by_pdfium), ("poppler", by_poppler)):
        for number, text in enumerate(texts, 1):
            folio = keep(label % {"page": str(number).translate(digits),
                                  "pages": str(len(texts)).translate(digits)})
            text = keep(text).removesuffix(folio)
            text = text.removesuffix(head) if reader == "pdfium" else text.removeprefix(head)
            pages[reader].append(text)
    return pages


# WeasyPrint 70 writes a right-to-left line's glyphs in visual order (Kozea/WeasyPrint#106)
# and PDF readers put them back in reading order by rules of their own. With
# brochurekit/actualtext.py every printed unit of every Arabic and Persian brochure is
# found whole and in reading order in the text copied out by PDFium (Chrome's viewer, its
# copy and its screen-reader text), across page breaks, and by poppler (pdftotext, Evince)
# except where its own rule decides (brochurekit/actualtext.py has the details): poppler
# lays out a page with more Latin than Arabic letters (the back page and its English
# references) left to right, and an Arabic line there with punctuation comes out in runs.
# Poppler reads a table's cells (the figures' labels) across its rows: their words are
# checked, in either order.
def reading_order_misses(path, translator, topic) -> list[str]:
    """Check that every printed unit of a right-to-left brochure is copied out whole, in
    reading order, by PDFium and poppler, but for poppler's exception above; return the
    units poppler missed."""
    pages = copied_pages(path, translator, topic)
    by_pdfium, by_poppler = "".join(pages["pdfium"]), "".join(pages["poppler"])
    left_to_right = [page for page in pages["poppler"]
                     if 0 < len(re.findall("[A-Za-z]", page)) >= len(ARABIC_SCRIPT.findall(page))]
    units = [message for message in topic.messages() if message.kind not in UNREAD]
    assert len(units) > 90 and len(left_to_right) <= 2  # the references: 1 page, 2 in large print
    missed: list[str] = []
    for message in units:
        printed = translate(translator, message)
        whole, place = letters(printed), f"{message.file}:{message.line} {printed[:40]}"
        assert whole in by_pdfium, ("pdfium", place)
        if message.kind == "figure-label":  # a table cell: its words, in either order
            assert all(letters(word) in by_poppler for word in printed.split()), place
            continue
        if whole not in by_poppler:
            start = letters(" ".join(printed.split()[:3]))
            assert any(start in page for page in left_to_right), ("poppler", place)
            missed.append(place)
    # Exceptions stay exceptions: the disclaimer's paragraphs, a line or two.
    assert len(missed) <= 4, missed
    return missed


@pytest.mark.parametrize(("lang", "topic"), [(lang, topic) for lang in RIGHT_TO_LEFT
                                             for topic in TOPICS])
def test_right_to_left_copies_out_whole_in_reading_order(built, translators, lang, topic):
    reading_order_misses(built[(lang, topic)].path, translators[lang], CONTENT.topic(topic))


# The sources' English titles are not units of the catalog, but a reader of the back page
# needs them whole to find the page: an attempt to make PDFium read more lines right to left
# copied "American Cancer Society: Treating Anal Cancer" out as "Cance Anal Treating :Society
# Cancer American r", and no unit test saw it.
@pytest.mark.parametrize(("lang", "topic"), [(lang, topic) for lang in RIGHT_TO_LEFT
                                             for topic in TOPICS])
def test_right_to_left_brochures_copy_out_their_sources_titles_whole(built, translators,
                                                                     lang, topic):
    from brochurekit.render import brochure_sources

    translator = translators[lang]
    pages = copied_pages(built[(lang, topic)].path, translator, CONTENT.topic(topic))
    sources = brochure_sources(CONTENT.topic(topic))
    assert sources
    for reader, texts in pages.items():
        for source in sources:
            assert letters(f"{source.publisher}: {source.title}") in "".join(texts), \
                (reader, source.title)
    # PDFium reads the whole line in its order, the translated note after the title; it
    # read the note back to front ("Shahid Ahmed, MD, :الناشر لصالح الطبية المراجعة").
    notes = {"revised": "Last revised by the publisher: %(date)s",
             "reviewed_by": "Medical review for the publisher: %(name)s"}
    for source in sources:
        note = next((note for field, note in notes.items() if getattr(source, field)), None)
        if note is None:
            continue
        label = translator.gettext(note).split("%(")[0]
        assert letters(f"{source.publisher}: {source.title}") + letters(label) in \
            "".join(pages["pdfium"]), source.title


# PDFium puts a line's text objects in order of where they start, then turns its runs
# around: a reference's DOI, a link of its own, came out before the words it follows
# ("10.1245/s10434-018-6483-9 Oncology. 2018;25(7):1970-1979. doi:"). Every English line
# must copy out in PDFium as poppler, which reads them by position, reads it (on two lines:
# brochurekit/actualtext.py, "Across text boxes").
@pytest.mark.parametrize(("lang", "topic"), [(lang, topic) for lang in RIGHT_TO_LEFT
                                             for topic in TOPICS
                                             if CONTENT.topic(topic).references])
def test_right_to_left_brochures_copy_out_english_lines_in_order(built, translators, lang,
                                                                 topic):
    import subprocess

    path = built[(lang, topic)].path
    pages = copied_pages(path, translators[lang], CONTENT.topic(topic))
    by_poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"], check=True,
                                capture_output=True, text=True).stdout
    english = [line for line in by_poppler.splitlines()
               if re.search("[A-Za-z]{4}", line) and not ARABIC_SCRIPT.search(line)]
    assert english
    for line in english:  # a list's numbers are drawn apart, and read apart
        assert letters(re.sub(r"^\d+\. ", "", line)) in "".join(pages["pdfium"]), line


# A vowel mark copies out after its letter: PDFium read "كُتب" as "ُكتب" when the mark's text
# was in its letter's /ActualText (brochurekit/actualtext.py, _ClusterStream._marks_apart).
@pytest.mark.parametrize(("lang", "topic"), [(lang, topic) for lang in RIGHT_TO_LEFT
                                             for topic in TOPICS])
def test_right_to_left_vowel_marks_copy_out_on_their_letters(built, translators, lang,
                                                            topic):
    translator, content = translators[lang], CONTENT.topic(topic)
    copied = copied_pages(built[(lang, topic)].path, translator, content, with_marks)
    marked = [message for message in content.messages() if message.kind not in UNREAD
              and any(unicodedata.category(c) == "Mn"
                      for c in translate(translator, message))]
    assert len(marked) > 5
    for message in marked:
        printed = translate(translator, message)
        assert with_marks(printed) in "".join(copied["pdfium"]), printed[:50]


def test_large_print_copies_out_whole_in_reading_order_too(edition_pdfs, translators):
    # Other line breaks, other lines for the readers' rules to meet.
    reading_order_misses(edition_pdfs[("large_print", "fa")], translators["fa"],
                         CONTENT.topic(EDITION_TOPIC))


# A bilingual pair is two table cells side by side, drawn one after the other. PDFium took a
# one-line half (a heading, a short item) and the other half's first line, drawn level
# with it, as one line and read it in one direction: "أهم ما تحتاج إلى معرفته most you What"
# (brochurekit/actualtext.py, "Side by side"). Each half now copies out whole, in its order.
def test_bilingual_halves_copy_out_apart_and_whole_in_pdfium(edition_pdfs, translators):
    topic, translator = CONTENT.topic(EDITION_TOPIC), translators["ar"]
    copied = "".join(copied_pages(edition_pdfs[("bilingual", "ar")], translator,
                                  topic)["pdfium"])
    units = [message for message in topic.messages()
             if message.kind not in UNREAD and message.kind != "figure-label"]
    assert len(units) > 80
    for message in units:
        for text in (translate(translator, message), message.text):
            assert letters(text) in copied, f"{message.file}:{message.line} {text[:50]}"


ARABIC_SCRIPT = re.compile("[\u0600-\u06ff\u0750-\u077f\u08a0-\u08ff]")


def printed_text(built, translators, lang: str, topic: str) -> str:
    """Lay a built brochure's HTML out again and return the text on its pages, as drawn."""
    from brochurekit.build import BuildOptions, build_timestamp, paper_for
    from brochurekit.fit import fit
    from brochurekit.project import load_project

    built_with = BuildOptions(out=built[(lang, topic)].path.parent.parent)
    project = load_project(ROOT)

    def remake(level, notes, flows):  # noqa: ANN001, ANN202
        return render_html(make_environment(ROOT / "templates"), CONTENT.topic(topic),
                           translators[lang], paper_for(project, lang, built_with), False,
                           build_timestamp(ROOT), project.online_url(lang, topic),
                           notes=notes, fit=level, cover_flows=flows).html

    # Fitted as the build fits it: the same notes and spacing, so the same text.
    document = fit(remake, PdfWriter(ROOT).layout, CONTENT.topic(topic).page_budget).document
    return "".join(run.text for page in document.pages for run in drawn_text(page._page_box))


def arabic_script(text: str) -> Counter[str]:
    """Count each Arabic-script letter, digit and mark (presentation forms folded)."""
    return Counter(ARABIC_SCRIPT.findall(unicodedata.normalize("NFKC", text)))


# WeasyPrint maps a glyph to text once per font, so a cluster of several glyphs copied out
# as the wrong letter or none ("أو", "or", copied out as "و", "and": WeasyPrint#2841), and
# vowel marks, raised with the text rise, landed on lines of their own. brochurekit/
# actualtext.py names each glyph from its own cluster and gives a raised mark's text to its
# letter. Every letter, digit and mark printed is copied out exactly once, none lost and
# none turned into another, by poppler and by PDFium (which read a mark twice before).
@pytest.mark.parametrize(("lang", "topic"), [(lang, topic) for lang in RIGHT_TO_LEFT
                                             for topic in TOPICS])
def test_right_to_left_text_copies_out_every_letter_once(built, translators, lang, topic):
    import subprocess

    import pypdfium2 as pdfium

    path = built[(lang, topic)].path
    printed = arabic_script(printed_text(built, translators, lang, topic))
    by_poppler = subprocess.run(["pdftotext", "-enc", "UTF-8", str(path), "-"],
                                capture_output=True, text=True, check=True).stdout
    document = pdfium.PdfDocument(path)
    try:
        by_pdfium = "".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    assert sum(printed.values()) > 3000 and printed["أ"] + printed["ه"] > 100
    for copied in map(arabic_script, (by_poppler, by_pdfium)):
        assert copied == printed, {c: (printed[c], copied[c])
                                   for c in printed | copied if printed[c] != copied[c]}


# Gurmukhi: WeasyPrint maps a cluster's text onto one glyph, once per font, so without
# brochurekit/actualtext.py "ਹੈ" copies out as "ਹਿੈ" and ਿ as nothing (WeasyPrint#2841).
# A copy, a search or a screen reader must get what is printed, word for word, from both
# poppler (pdftotext) and PDFium.
@pytest.mark.parametrize("topic", TOPICS)
def test_punjabi_copies_out_word_for_word(built, translators, topic):
    import subprocess

    import pypdfium2 as pdfium

    path = built[("pa", topic)].path
    by_poppler = subprocess.run(["pdftotext", str(path), "-"], capture_output=True,
                                text=True, check=True).stdout
    document = pdfium.PdfDocument(path)
    try:
        by_pdfium = "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()
    printed = [word for message in CONTENT.topic(topic).messages()
               if message.kind == "paragraph"
               for word in translate(translators["pa"], message).split()]
    assert len(printed) > 300
    for copied in (by_poppler, by_pdfium):
        words = set(copied.replace("\ufffe", "-").split())  # PDFium: a hyphen at a line end
        # A word broken across lines at its hyphen: poppler joins it and drops the hyphen.
        missing = sorted(word for word in set(printed) - words
                         if word.replace("-", "") not in words)
        assert not missing, missing[:20]
    # Every vowel sign printed is copied, once: none lost, none doubled onto a consonant.
    for sign in "\u0a3e\u0a3f\u0a40\u0a41\u0a42\u0a47\u0a48\u0a4b\u0a4c":
        assert by_poppler.count(sign) == by_pdfium.count(sign) >= 1


def test_actual_text_adapts_only_the_weasyprint_it_was_checked_with(monkeypatch):
    import weasyprint
    from weasyprint.pdf.stream import Stream

    from brochurekit import actualtext

    assert Stream.marked.actual_text and weasyprint.__version__ == actualtext.SUPPORTED
    assert actualtext.needs_actual_text("ਹੈ") and not actualtext.needs_actual_text("علاج 5")
    monkeypatch.setattr(Stream, "marked", lambda *args: None)
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    with pytest.raises(RuntimeError, match="WeasyPrint 71.0 is installed"):
        actualtext.install()


def test_actual_text_fails_loudly_if_weasyprint_draws_other_glyphs(monkeypatch):
    # brochurekit/actualtext.py rewrites the glyph strings of right-to-left lines from
    # WeasyPrint's layout: glyphs that do not match it must stop the build, not mislabel text.
    from brochurekit import actualtext

    def shifted(stream, textbox):
        found = original(stream, textbox)
        for cluster in found:
            cluster.glyphs = [glyph + 1 for glyph in cluster.glyphs]
        return found

    original = actualtext.clusters
    monkeypatch.setattr(actualtext, "clusters", shifted)
    html = '<html lang="ar" dir="rtl"><p style="font-family: Noto Naskh Arabic">أو علاج</p>'
    with pytest.raises(RuntimeError, match="its text drawing changed"):
        PdfWriter(ROOT).render(html, "ar/test")
