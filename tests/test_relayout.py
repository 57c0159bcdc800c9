"""Notes laid out from the last page of text (brochurekit/relayout.py): the pages before it
are the first layout's, and the PDF is byte for byte the one a whole layout gives."""

from __future__ import annotations

import pytest
import weasyprint

from brochurekit import relayout
from brochurekit.build import BuildOptions, build_timestamp, paper_for
from brochurekit.editions import EDITIONS
from brochurekit.fit import Fitted, last_text_page
from brochurekit.pdf import PdfWriter
from brochurekit.project import load_project
from brochurekit.render import make_environment, render_html
from conftest import CONTENT, ROOT

# Each gets ruled lines for notes: on its last page of text, or on a page of their own.
CASES = [("en", "treating-anal-cancer", ()), ("ar", "stage-4-anal-cancer", ()),
         ("es", "stage-4-anal-cancer", ("booklet",)),
         ("zh_Hans", "treating-anal-cancer", ("booklet",)),
         ("fa", "recurrent-anal-cancer", ("bilingual",))]


@pytest.mark.parametrize(("lang", "topic", "editions"), CASES)
def test_notes_are_laid_out_from_the_last_page_of_text_as_a_whole_layout_would(
        translators, lang, topic, editions):
    project = load_project(ROOT)
    options = BuildOptions(out=ROOT / "dist", editions=editions)
    bilingual = any(EDITIONS[name].bilingual for name in editions)

    def remake(level, notes, flows):  # noqa: ANN001, ANN202
        return render_html(make_environment(ROOT / "templates"), CONTENT.topic(topic),
                           translators[lang], paper_for(project, lang, options), False,
                           build_timestamp(ROOT), project.online_url(lang, topic),
                           bilingual, notes=notes, fit=level, cover_flows=flows).html

    writer = PdfWriter(ROOT, editions)
    layout, resumed = writer.layout, []

    def watched(html, after=None):  # noqa: ANN001, ANN202
        if after is not None:  # which page it resumes at, and the boxes of those before
            first, page = after
            assert page == last_text_page(first.pages)
            resumed.append((page, [each._page_box for each in first.pages[:page]]))
        return layout(html, after)

    writer.layout = watched
    budget = None if editions else CONTENT.topic(topic).page_budget
    data, fitted = writer.render_fitted(remake, f"{lang}/{topic}", budget,
                                        options.page_multiple)
    assert fitted.notes and resumed, "this case no longer gets notes: choose another"
    page, before = resumed[-1]
    assert [each._page_box for each in fitted.document.pages[:page]] == before
    assert all(ours is theirs for ours, theirs in
               zip((each._page_box for each in fitted.document.pages), before, strict=False))
    whole = layout(fitted.html).write_pdf(**writer.options)
    assert data == whole


def test_notes_are_laid_out_whole_when_anything_before_them_changed():
    from brochurekit.fit import added_after_text, pad

    text = "<html lang=en><body><main>" + "<p>Text.</p>" * 150 + "</main>{}</body></html>"
    first = text.format("<footer class=back-matter><p>Back.</p></footer>")

    def remake(level, notes, flows):  # noqa: ANN001, ANN202
        if notes is None:
            return first
        return first.replace("</main>", NOTES_PAGE + "</main>").replace("Back.", "Back, changed.")

    writer, resumed = PdfWriter(ROOT), []

    def watched(html, after=None):  # noqa: ANN001, ANN202
        resumed.append(after is not None)
        return writer.layout(html, after)

    laid = Fitted(watched(first), first)
    assert len(laid.document.pages) % 2 == 1  # an odd count: it gets notes
    padded = pad(laid, remake, watched, 2)
    assert "Back, changed." in padded.html and len(padded.document.pages) % 2 == 0
    assert resumed == [False, False]  # the notes pass was laid out whole
    assert padded.document.write_pdf() == writer.layout(padded.html).write_pdf()
    assert added_after_text(first, first.replace("</main>", NOTES_PAGE + "</main>"))


NOTES_PAGE = '<div style="break-before: page">Notes.</div>'


@pytest.mark.parametrize("from_a_page", [True, False])
def test_notes_that_never_fit_leave_the_measured_layout_laid_out_again_only_if_spent(
        from_a_page):
    from brochurekit.fit import pad

    text = "<html lang=en><body><main>" + "<p>Text.</p>" * 150 + "</main>{}</body></html>"
    first = text.format("<footer class=back-matter><p>Back.</p></footer>")
    too_long = "<p>More notes.</p>" * 200  # never the page count measured

    def remake(level, notes, flows):  # noqa: ANN001, ANN202
        if notes is None:
            return first
        html = first.replace("</main>", too_long + "</main>")
        return html if from_a_page else html.replace("Back.", "Back, changed.")

    writer, laid = PdfWriter(ROOT), []

    def watched(html, after=None):  # noqa: ANN001, ANN202
        laid.append(after is not None)
        return writer.layout(html, after)

    measured = Fitted(watched(first), first)
    pages = len(measured.document.pages)
    padded = pad(measured, remake, watched, 2)
    assert padded.html == first and padded.notes is None
    assert len(padded.document.pages) == pages
    if from_a_page:  # its pages went to the notes pass: laid out again, whole
        assert laid == [False, True, True, True, False]
        assert padded.document.write_pdf() == writer.layout(first).write_pdf()
    else:  # laid out whole each time: the measured layout is kept as it is
        assert laid == [False, False, False, False]
        assert padded.document is measured.document


def test_a_layout_laid_out_again_is_spent_and_never_used_twice():
    writer = PdfWriter(ROOT)
    html = "<html lang=en><body><main>" + "<p>Text.</p>" * 300 + "</main></body></html>"
    more = html.replace("</main>", "<h2>More</h2><p>And more.</p></main>")
    whole = writer.layout(more).write_pdf(**writer.options)
    first = writer.layout(html)
    last = len(first.pages) - 1
    again = writer.layout(more, (first, last))
    assert again.pages[0]._page_box is first.pages[0]._page_box
    assert first.relayout is None and again.relayout is not None
    assert again.write_pdf(**writer.options) == whole
    once_more = writer.layout(more, (first, last))  # spent: laid out whole, not from it
    assert once_more.pages[0]._page_box is not first.pages[0]._page_box
    assert once_more.write_pdf(**writer.options) == whole


def test_an_unchecked_weasyprint_is_refused(monkeypatch):
    assert weasyprint.__version__ == relayout.SUPPORTED
    monkeypatch.setattr(weasyprint, "__version__", "71.0")
    monkeypatch.setattr(relayout.layout_module.make_all_pages, "kept", False)
    with pytest.raises(RuntimeError, match="relayout.py adapts WeasyPrint 70.0"):
        relayout.install()
