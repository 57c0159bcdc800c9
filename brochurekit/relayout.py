"""Lay a brochure out again after ruled lines for notes were added at the end of its text,
making again only the pages from its last page of text: the pages before it are the first
layout's, as they were.

fit.py lays each brochure out once to measure it, and half of them get "My questions and
notes" (ruled lines in the space left) and were laid out again, whole: about a sixth of
the build's time. The HTML with notes is the first HTML with one section inserted at the
end of `<main>`, so every page before the last page of text breaks exactly where it did.
WeasyPrint already re-makes only some pages when a page-based counter changes
(`context.page_maker`: where each page starts, its counters and page groups); this module
uses the same machinery: the new HTML is parsed and styled (under a tenth of a second),
the page maker's entries up to the last page of text are carried over, and
WeasyPrint's own layout loop makes the pages from there, then the margin boxes (folios,
running heads) of every page again. The result is byte for byte what laying the new HTML
out from the start gives (tests/test_relayout.py holds it on every brochure's notes pass).

WeasyPrint 70's `layout_document` calls `initialize_page_maker` and `make_all_pages`
through its module, which `install` wraps: unchanged unless `render_from` asks.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass

import weasyprint
import weasyprint.layout as layout_module
from weasyprint.document import Document
from weasyprint.layout.page import set_page_type_computed_styles

from .libraries import WEASYPRINT, require_weasyprint

SUPPORTED = WEASYPRINT


@dataclass
class _Kept:
    """What a layout leaves behind for laying it out again from one of its pages."""

    context: object  # WeasyPrint's LayoutContext, its page_maker final
    pages: list  # the page boxes, as laid out, before margin boxes were added
    children: list  # each page box's children then


@dataclass
class _Resume:
    """A layout to start from a page: the page maker's entries up to it, and the pages
    before it, taken from another layout."""

    page_maker: list
    pages: list


_kept: list[_Kept] = []  # the last layout's, for `render`
_resume: list[_Resume] = []  # set by `render_from` while it lays out


def install() -> None:
    """Wrap WeasyPrint 70's page maker, once; refuse a WeasyPrint not checked."""
    if getattr(layout_module.make_all_pages, "kept", False):
        return
    require_weasyprint("relayout.py", "page maker (weasyprint/layout/__init__.py)",
                       "Check layout_document, initialize_page_maker and make_all_pages, "
                       "and run tests/test_relayout.py")
    initialize, make_all = layout_module.initialize_page_maker, layout_module.make_all_pages

    def initialize_page_maker(context, root_box):  # noqa: ANN001, ANN202
        if _resume:
            context.page_maker = _resume[0].page_maker
            return
        initialize(context, root_box)

    def make_all_pages(context, root_box, html, pages):  # noqa: ANN001, ANN202
        if _resume and not pages:  # the first pass: the pages before come as they were
            pages = _resume.pop().pages
            for page in pages:  # their margin boxes are made again, in this layout's styles
                set_page_type_computed_styles(page.page_type, html, context.style_for)
        laid = []
        for page in make_all(context, root_box, html, pages):
            laid.append(page)
            yield page
        # The last pass's pages, before layout_document adds their margin boxes.
        _kept[:] = [_Kept(context, laid, [page.children for page in laid])]

    make_all_pages.kept = True
    layout_module.initialize_page_maker = initialize_page_maker
    layout_module.make_all_pages = make_all_pages


def render(html: weasyprint.HTML, **options) -> Document:  # noqa: ANN003
    """Return `html.render(**options)`, keeping what `render_from` needs."""
    _kept.clear()
    document = html.render(**options)
    document.relayout = _kept.pop() if _kept else None
    return document


def render_from(first: Document, page: int, html: weasyprint.HTML,
                **options) -> Document:  # noqa: ANN003
    """Lay out `html`, which is the HTML `first` was laid out from with content inserted
    at or after where its page `page` (from 0) begins, keeping `first`'s pages before
    that one. `first` is spent: its pages become the new document's."""
    kept: _Kept | None = getattr(first, "relayout", None)
    first.relayout = None  # its page boxes are the new document's now
    if kept is None or not 0 < page < len(kept.pages):
        return render(html, **options)
    for box, children in zip(kept.pages[:page], kept.children[:page], strict=True):
        box.children = children  # as before layout_document added the margin boxes
    page_maker = [_entry(item) for item in kept.context.page_maker[:page + 1]]
    page_maker[page][-1]["content_changed"] = True  # made again, and every page after
    _resume[:] = [_Resume(page_maker, kept.pages[:page])]
    try:
        return render(html, **options)
    finally:
        _resume.clear()


def _entry(item: tuple) -> tuple:
    """Copy one entry of a page maker (as WeasyPrint's remake_page copies them): where its
    page resumes, its next page's break and side, its counters and page groups, and its
    flags to make it again, cleared."""
    resume_at, next_page, right_page, page_state, remake = item
    remake = {"content_changed": False, "pages_wanted": False,
              "anchors": [*remake["anchors"]], "content_lookups": [*remake["content_lookups"]]}
    return resume_at, copy.deepcopy(next_page), right_page, copy.deepcopy(page_state), remake
