"""The HTML stage: language and direction, and translations that can never inject markup."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest
from babel import Locale
from markupsafe import Markup

from brochurekit.catalogs import Translator, load_translator
from brochurekit.errors import CatalogError
from brochurekit.render import css_string, make_environment, render_html
from conftest import CONTENT, ROOT

ENV = make_environment(ROOT / "templates")
TOPIC = CONTENT.topic("stage-4-anal-cancer")
FOOTER = ("page footer", "Page %(page)s of %(pages)s")
PAYLOAD = '<img src="file:///etc/passwd"><script>alert(1)</script>" onload="x'


def hostile_translator() -> Translator:
    """A Spanish catalog whose every entry tries to inject markup."""
    real = load_translator(ROOT, "es")
    entries = {key: PAYLOAD for key in real.entries}
    entries[FOOTER] = "%(page)s %(pages)s"
    return Translator("es", real.locale, entries, real.file)


def test_language_and_direction_are_set():
    html = render_html(ENV, TOPIC, load_translator(ROOT, "ar"), "letter").html
    assert '<html lang="ar" dir="rtl" data-script="Arab" data-paper="letter">' in html
    # The folio in the brochure's words and digits, for styles/page.css to place (mirrored
    # on the outside corners: tests/test_design.py measures that on the PDFs).
    assert '--folio: "\\635 \\641 ' in html and "counter(pages, decimal)" in html  # "صفحة"
    html = render_html(ENV, TOPIC, load_translator(ROOT, "zh_Hans"), "a4").html
    assert '<html lang="zh-Hans" dir="ltr" data-script="Hans" data-paper="a4">' in html
    assert "size: A4" in html


def test_translations_are_text_never_markup():
    html = render_html(ENV, TOPIC, hostile_translator(), "letter").html
    assert "<script" not in html and "<img" not in html and 'onload="x' not in html
    assert "&lt;script&gt;" in html  # shown as text, in content and template strings alike
    assert html.count("&lt;img") > 50


def test_right_to_left_translations_isolate_latin_terms_and_stay_text():
    real = load_translator(ROOT, "ar")
    hostile = Translator("ar", real.locale, {key: f"{PAYLOAD} دواء 5-FU و I-131 <b>x</b>"
                                            for key in real.entries}, real.file)
    hostile = replace(hostile, entries={**hostile.entries, FOOTER: "%(page)s %(pages)s"})
    html = render_html(ENV, TOPIC, hostile, "a4").html
    assert "<script" not in html and "<b>" not in html and "&lt;script&gt;" in html
    # Without isolation, bidi shows "5-FU" inside Arabic as "FU-5".
    assert html.count('<bdi dir="ltr">5-FU</bdi>') > 50
    assert '<bdi dir="ltr">I-131</bdi>' in html


def test_page_footer_translation_cannot_escape_its_css_string():
    real = load_translator(ROOT, "fr")
    footer = '%(page)s"} @page { size: 1mm } </style><script>x</script>%(pages)s'
    translator = replace(real, entries={**real.entries, FOOTER: footer})
    html = render_html(ENV, TOPIC, translator, "letter").html
    assert "</style><script>" not in html and "size: 1mm" not in html
    assert html.count("</style>") == 1


def test_page_footer_translation_must_keep_placeholders():
    real = load_translator(ROOT, "fr")
    translator = replace(real, entries={**real.entries, FOOTER: "Page %(page)s"})
    with pytest.raises(CatalogError, match="must keep"):
        render_html(ENV, TOPIC, translator, "letter")


def test_css_string_escapes_everything_but_letters_and_digits():
    assert css_string('Page 1 "x"</style>') == (
        '"Page\\20 1\\20 \\22 x\\22 \\3c \\2f style\\3e "')
    assert css_string("صفحة") == '"\\635 \\641 \\62d \\629 "'


def test_english_needs_no_catalog():
    english = Translator("en", Locale.parse("en"))
    rendered = render_html(ENV, TOPIC, english, "letter")
    assert "Treatment for stage 4 anal cancer" in rendered.html and not rendered.missing
    assert rendered.percent == 100


@pytest.mark.parametrize(("text", "rtl", "kept"), [
    ("stade 4", False, ["stade 4"]),
    ("Appelez le 1-888-939-3333 ou le 911.", False, ["le 1-888-939-3333", "le 911"]),
    ("une température de 38 °C (100.4 °F)", False, ["de 38 °C", "100.4 °F"]),
    ("5-فلورويوراسيل والميتوميسين", True, ["5-فلورويوراسيل"]),
    ("درجة حرارة 38 °C", True, ['حرارة <bdi dir="ltr">38 °C</bdi>']),
    # Persian digits with the Arabic decimal separator stay one left-to-right number, and a
    # temperature with its equivalent in brackets is one term (apart, they read in either
    # order: PDF readers put "(100.4 °F)" before "38 °C").
    ("دمای بدن ۳۸ °C (۱۰۰٫۴ °F)", True, ['بدن <bdi dir="ltr">۳۸ °C (۱۰۰٫۴ °F)</bdi>']),
    ("إلى 38 °C (100.4 °F) أو", True, ['إلى <bdi dir="ltr">38 °C (100.4 °F)</bdi>']),
    # Chinese has no spaces: only the number is kept whole, never the sentence around it.
    ("在第1周和第5周用药", False, ["1", "5"]),
])
def test_numbers_stay_on_the_line_of_their_word(text, rtl, kept):
    from brochurekit.render import keep_together

    html = str(keep_together(text, rtl))
    assert re.findall(r'<span class="nw">(.*?)</span>', html) == kept


def test_a_literal_percent_in_a_translation_prints_as_written():
    real = load_translator(ROOT, "fr")
    translator = Translator("fr", real.locale, {
        **real.entries, (None, "Patient information"): "100 % sûr {% include x %} 50 % des",
        (None, "Last reviewed: %(date)s"): "Revu à 100 % le %(date)s"}, real.file)
    html = re.sub(r'</?span(?: class="nw")?>', "",
                  render_html(ENV, TOPIC, translator, "letter").html)
    assert "100 % sûr {% include x %} 50 % des" in html
    assert re.search(r"Revu à 100 % le \d", html)


# Babel writes a date in Western digits whatever the locale: a Persian brochure printed
# "آخرین بازبینی: 23 نوامبر 2026" and its timeline's weeks as "1 … 7", beside translations in
# Persian digits (۶ ماه). What the brochure writes itself is in the language's digits too,
# the sources' copyright years included (the references keep theirs, as published).
def test_dates_and_figure_numbers_are_in_the_languages_digits():
    from brochurekit.render import brochure_sources, in_numbering

    assert in_numbering("23 نوامبر 2026", "arabext") == "۲۳ نوامبر ۲۰۲۶"
    assert in_numbering("2026", "arab") == "٢٠٢٦"
    assert in_numbering("2026", "latn") == in_numbering("2026", "unknown") == "2026"
    topic = CONTENT.topic("treating-anal-cancer")
    persian = render_html(ENV, topic, load_translator(ROOT, "fa"), "letter").html
    last = topic.review.last_reviewed
    assert f"{in_numbering(str(last.day), 'arabext')} " in persian
    assert in_numbering(str(last.year), "arabext") in persian
    years = {source.copyright for source in brochure_sources(topic) if source.copyright}
    assert years and all(in_numbering(str(year), "arabext") in persian for year in years)
    weeks = re.findall(r'<div class="timeline-column">([^<]*)</div>', persian)
    assert weeks[:7] == list("۱۲۳۴۵۶۷")
    arabic = render_html(ENV, topic, load_translator(ROOT, "ar"), "a4").html
    assert re.findall(r'<div class="timeline-column">([^<]*)</div>', arabic)[:7] == \
        list("1234567")  # Arabic brochures print Western digits (Babel's `latn` for ar)


def test_a_clinics_hours_are_in_the_languages_digits():
    from brochurekit.catalogs import languages
    from brochurekit.render import in_numbering
    from brochurekit.sites import load_sites

    site = load_sites(ROOT, tuple(languages(ROOT)), ("letter", "a4"))["riverside-example"]
    hours = [opening.text(Locale.parse("fa")) for opening in site.hours]
    assert hours and all(re.search("[0-9]", text) for text in hours)  # as Babel writes them
    persian = render_html(ENV, TOPIC, load_translator(ROOT, "fa"), "letter", site=site).html
    assert all(str(Markup.escape(in_numbering(text, "arabext"))) in persian for text in hours)
