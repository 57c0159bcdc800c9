"""Fit a brochure to its pages: within its topic's page budget, a page count that prints
without blank sides, and no page of text left nearly empty.

A brochure is laid out once; most need nothing more. When it runs over its budget it is
laid out again with tighter spacing (html class `fit-1`, then `fit-2`...: styles/fit.css),
never with type below the stylesheet's minimum. When it would end on an odd page (a blank
side when printed double-sided, or blank pages in a folded booklet) or leave its last page
of text less than a third full, the spare space becomes "My questions and notes": ruled
lines from the end of the text to the foot of the page, and over the whole pages that make
the count even (a multiple of 4 in a booklet). The back page stays last.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable
from dataclasses import dataclass, replace

from weasyprint.document import Document, Page
from weasyprint.formatting_structure import boxes

from .render import Notes

log = logging.getLogger(__name__)

# (fit level, notes, whether the text follows the cover on its page) -> the brochure's HTML
Remake = Callable[[int, "Notes | None", bool], str]
# (HTML, None) -> its layout; (HTML, (layout, page)) -> the layout of HTML that differs from
# that layout's only after where its page `page` begins, making only the pages from there
# again (relayout.py): the layout given is spent.
Layout = Callable[[str, "tuple[Document, int] | None"], Document]

FIT_LEVELS = 4  # the `fit-N` classes in styles/fit.css, each tighter than the one before
RUNT = 1 / 3  # a page of text less full than this is filled with ruled lines
LINE = 9.0  # mm between two ruled lines (styles/components.css, .note-lines)
HEADING = 22.0  # mm kept for the notes heading above the lines
MIN_LINES = 3  # fewer lines than this at the foot of a page: start the notes on a new page
PX_PER_MM = 96 / 25.4


@dataclass(frozen=True)
class Fitted:
    """A laid-out brochure and how it was made to fit."""

    document: Document
    html: str
    level: int = 0  # the fit-N class used, 0 for none
    notes: Notes | None = None
    cover_flows: bool = False  # the cover ran onto page 2: the text follows it there

    @property
    def pages(self) -> int:
        return len(self.document.pages)


def fit(render: Remake, layout: Layout, budget: int | None = None,
        multiple: int | None = 2) -> Fitted:
    """Lay a brochure out so that it fits: `render(level, notes, flows)` makes its HTML,
    `layout(html, None)` lays it out; `budget` is the most pages it may have, `multiple` what
    its page count must be a multiple of (None: leave the pages as they are). A brochure
    that cannot be fitted in its budget is returned as it is, over budget: the build
    reports it."""
    level, flows = 0, False
    while True:
        html = render(level, None, flows)
        fitted = Fitted(layout(html, None), html, level, cover_flows=flows)
        if not flows and cover_pages(fitted.document.pages) > 1 \
                and render(level, None, True) != html:
            flows = True  # a cover too long for its page: no near-empty second page
            continue
        if budget is not None and fitted.pages > budget and level < FIT_LEVELS:
            level += 1
            continue
        padded = pad(fitted, render, layout, multiple) if multiple else fitted
        if (budget is not None and padded.pages > budget and fitted.pages <= budget
                and level < FIT_LEVELS):
            level += 1  # the notes would add a sheet over budget: tighten first
            continue
        return padded


def pad(fitted: Fitted, render: Remake, layout: Layout, multiple: int) -> Fitted:
    """Fill the spare space of a laid-out brochure with ruled lines for notes, if it has
    an odd page count (or not a multiple of `multiple`) or a nearly empty last page.

    The notes go at the end of the text: only the pages from the last page of text are
    laid out again (relayout.py)."""
    pages = fitted.document.pages
    last = last_text_page(pages)
    if last is None:
        return fitted
    extra = -len(pages) % multiple
    page = pages[last]
    if not extra and fill(page) >= RUNT:
        return fitted
    area = page_height(page)
    left = lines_in(area * (1 - fill(page)) - HEADING)  # lines below a heading here
    whole = lines_in(area - HEADING)  # a page of lines below a heading
    following = lines_in(area)  # a page the notes continue on
    if left >= MIN_LINES:
        notes = Notes((left,) + (following,) * extra)
    elif extra:
        notes = Notes((whole,) + (following,) * (extra - 1), new_page=True)
    else:
        return fitted  # full enough after all
    title, laid, spent = fitted.document.metadata.title, fitted.document, False
    for _ in range(3):  # a heading or a line may take a little more room than kept for it
        html = render(fitted.level, notes, fitted.cover_flows)
        # Only what follows the text is new: the pages before its last page stand.
        after = (laid, last) if added_after_text(fitted.html, html) else None
        spent = spent or laid is fitted.document and after is not None
        padded = Fitted(layout(html, after), html, fitted.level, notes, fitted.cover_flows)
        if len(padded.document.pages) == len(pages) + extra:
            return padded
        laid = padded.document
        if min(notes.pages) <= MIN_LINES:
            break
        notes = Notes(tuple(lines - 1 for lines in notes.pages), notes.new_page)
    log.warning("%s: the ruled lines for notes did not fit where measured; left with %d "
                "pages", title, len(pages))
    if not spent:
        return fitted
    return replace(fitted, document=layout(fitted.html, None))  # its pages went to the notes


def added_after_text(before: str, after: str) -> bool:
    """Say whether the HTML `after` is `before` with something added at the end of its
    `<main>` and nothing else changed."""
    if before.count("</main>") != 1:
        return False
    text, rest = before.split("</main>")
    return len(after) > len(before) and after.startswith(text) and after.endswith(
        "</main>" + rest)


def lines_in(height: float) -> int:
    """Return how many ruled lines fit in `height` millimetres, with a little to spare."""
    return max(0, math.floor(height / LINE - 0.2))


def cover_pages(pages: list[Page]) -> int:
    """Return how many pages the cover (the document's `header`) is laid out on."""
    return sum(any(box.element_tag == "header" for box in _boxes(page._page_box))
               for page in pages[:3])


def last_text_page(pages: list[Page]) -> int | None:
    """Return the index of the last page before the back matter, or None if there is
    no back matter or no page of text before it."""
    for index, page in enumerate(pages):
        if any(box.element_tag == "footer" for box in _boxes(page._page_box)):
            return index - 1 if index > 0 else None
    return None


def page_height(page: Page) -> float:
    """Return the height of a page's content area in millimetres."""
    return page._page_box.height / PX_PER_MM


def fill(page: Page) -> float:
    """Return how much of a page's content area, from the top, holds text or drawings."""
    box = page._page_box
    top = box.content_box_y()
    bottom = max((leaf.position_y + leaf.margin_height() for leaf in _boxes(box)
                  if _is_leaf(leaf)), default=top)
    return min(1.0, max(0.0, (bottom - top) / box.height))


def _is_leaf(box: boxes.Box) -> bool:
    """Say whether a box is something drawn: a line of text, an image, an empty block
    (a rule, the notes' lines), not a container that may stretch."""
    if isinstance(box, (boxes.LineBox, boxes.ReplacedBox)):
        return True
    return isinstance(box, boxes.BlockBox) and not box.children


def _boxes(box: boxes.Box):
    """Yield the boxes laid out on a page, margin boxes excepted."""
    for child in getattr(box, "children", ()):
        if isinstance(child, boxes.MarginBox):
            continue
        yield child
        if not isinstance(child, boxes.LineBox):
            yield from _boxes(child)
