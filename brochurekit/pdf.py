"""Write a brochure's HTML as a PDF with WeasyPrint.

One `PdfWriter` per process: the font configuration, the parsed stylesheets and
WeasyPrint's image cache are made once and reused for every brochure.
"""

from __future__ import annotations

import logging
import re
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

import pydyf
from weasyprint import CSS, HTML
from weasyprint.document import Document
from weasyprint.formatting_structure import boxes
from weasyprint.layout.absolute import AbsolutePlaceholder
from weasyprint.pdf import tags
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetcherResponse, URLFetchingError

from . import actualtext, compactfonts, printshop, relayout
from .editions import EDITIONS
from .editions import stylesheets as edition_stylesheets
from .errors import RenderError
from .files import write_atomically
from .fit import Fitted, Remake, fit
from .render import PROJECT_URL
from .sites import LOGO_FOLDERS, palette

log = logging.getLogger(__name__)

STYLESHEETS = ("tokens.css", "fonts.css", "page.css", "type.css", "components.css", "fit.css")
# Tagged PDF for screen readers: structure tree, language, title shown in the window.
PDF_VARIANT = "pdf/ua-1"
# The print-shop edition: PDF/X-4, tagged too; printshop.finish makes it PDF/UA-1 as well.
PRINT_VARIANT = "pdf/x-4"


ASSET_FOLDERS = ("styles", "fonts", "images", "sites/logos")  # sites/logos: clinics' logos
DATA_URL = re.compile(r"^data:image/(?:png|jpeg|gif|webp)(?:;base64)?,", re.IGNORECASE)
MAX_DATA_URL = 64 * 1024


class ProjectFetcher(URLFetcher):
    """Serve the project's own assets and small inline images; refuse everything else.

    Files must resolve (after following links) into styles/, fonts/, images/ or
    sites/logos/ under the project root. Every refusal is logged and remembered, so the
    build can fail on it.
    """

    def __init__(self, root: Path):
        super().__init__(allowed_protocols=("file", "data"), allow_redirects=False, timeout=1)
        self.root = root.resolve()
        self.folders = tuple(self.root / folder for folder in ASSET_FOLDERS)
        self.refused: list[str] = []
        self.cmyk_profile: Path | None = None  # the print-shop edition's: images in CMYK

    def fetch(self, url, headers=None):  # noqa: ANN001, ANN201
        reason = self._refusal(url)
        if reason:
            shown = url if len(url) <= 80 else url[:77] + "..."
            self.refused.append(shown)
            log.warning("refused to fetch %s: %s", shown, reason)
            raise URLFetchingError(f"refused: {shown}")
        if url.startswith("data:"):
            return super().fetch(url, headers)
        path = self._path(url)
        if self.cmyk_profile and any(path.is_relative_to(self.root / folder)
                                     for folder in LOGO_FOLDERS):
            data, kind = printshop.cmyk_logo(path.read_bytes(), path.suffix.lower() == ".svg",
                                             self.cmyk_profile)
            # Not a file: URL, which WeasyPrint would read again from the disk.
            return URLFetcherResponse(f"cmyk:{path.name}", data, {"Content-Type": kind})
        return super().fetch(path.as_uri(), headers)

    def _refusal(self, url: str) -> str | None:
        """Say why a URL is refused, or None if it may be fetched."""
        scheme = urlsplit(url).scheme.lower()
        if scheme == "data":
            if not DATA_URL.match(url):
                return "only inline PNG, JPEG, GIF or WebP images are allowed"
            return "inline image is too large" if len(url) > MAX_DATA_URL else None
        if scheme not in ("file", PROJECT_URL[:-1]):
            return "only the project's own files are allowed"
        path = self._path(url)
        if not any(path.is_relative_to(folder) for folder in self.folders):
            return f"outside the project's {', '.join(ASSET_FOLDERS)} folders"
        return None

    def _path(self, url: str) -> Path:
        """Return the file a file: or project: URL names, links followed."""
        if url.lower().startswith(PROJECT_URL):
            return (self.root / unquote(url[len(PROJECT_URL):])).resolve()
        return Path(unquote(urlsplit(url).path)).resolve()


FIGURE_ALT = "data-alt"  # the text alternative of a diagram drawn with HTML and CSS
TABLE_TAGS = ("table", "thead", "tbody", "tfoot", "tr")
TABLE_PARTS = (boxes.TableBox, boxes.TableRowGroupBox, boxes.TableRowBox)


def _improve_tags() -> None:
    """Wrap WeasyPrint 70's (private) tagger, which calls itself through its module, to:

    - give an element whose HTML has its own `lang` a /Lang, so that a screen reader reads
      the English half of a bilingual brochure, or English references in an Arabic one,
      in an English voice (WeasyPrint sets only the document's language);
    - tag a block laid out as a table (the halves of a bilingual block) once, as what it
      is, not once more for each of the table, row group and row boxes it makes;
    - tag a diagram drawn with HTML and CSS (a `<div data-alt="...">`, see the figures in
      templates/brochure.html.j2) as a Figure whose /Alt is that text: WeasyPrint makes
      Figures only of images and SVG.

    tests/test_accessibility.py and tests/test_editions.py fail if an upgrade changes this.
    """
    build_box_tree = tags._build_box_tree
    if getattr(build_box_tree, "improved", False):
        return

    def improved(box, parent, *args):  # noqa: ANN001, ANN202
        inner = box._box if isinstance(box, AbsolutePlaceholder) else box
        if isinstance(inner, TABLE_PARTS) and inner.element_tag not in TABLE_TAGS:
            for child in inner.children:
                yield from improved(child, parent, *args)
            return
        element = getattr(inner, "element", None)
        lang = alt = None
        if element is not None and inner.element_tag != "html":
            lang = element.get("lang")
            alt = element.get(FIGURE_ALT)
        for child in build_box_tree(box, parent, *args):
            if alt is not None and child.get("S") == "/Div":
                child["S"] = "/Figure"
                child["Alt"] = pydyf.String(alt)
                alt = None  # only the element itself, not what it splits into
            if lang and "Lang" not in child:
                child["Lang"] = pydyf.String(lang)
            yield child

    improved.improved = True
    tags._build_box_tree = improved


_improve_tags()
actualtext.install()
compactfonts.install()
relayout.install()


class _Collect(logging.Handler):
    """Keep the warnings WeasyPrint logs while one document renders."""

    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)


@contextmanager
def _weasyprint_warnings():
    """Collect WeasyPrint's warnings instead of letting them scroll past."""
    handler = _Collect()
    logger = logging.getLogger("weasyprint")
    saved = logger.level, logger.propagate
    logger.addHandler(handler)
    logger.setLevel(logging.WARNING)
    logger.propagate = False
    try:
        yield handler.records
    finally:
        logger.removeHandler(handler)
        logger.level, logger.propagate = saved


def _finish_for_print(document, pdf) -> None:  # noqa: ANN001 (WeasyPrint's)
    actualtext.finish(document, pdf)
    printshop.finish(document, pdf)


class PdfWriter:
    """Render HTML to PDF files, sharing fonts and stylesheets across documents."""

    def __init__(self, root: Path, editions: tuple[str, ...] = (),
                 print_profile: Path | None = None, colour: str | None = None):
        """`print_profile`: the print-shop edition's CMYK profile (default: printshop's);
        `colour`: a clinic's own brand colour (Site.own_colour), which the print-shop
        edition prints in CMYK."""
        self.root = root.resolve()
        self.fetcher = ProjectFetcher(self.root)
        self.font_config = FontConfiguration()
        self.cache: dict = {}
        self.options: dict = {"pdf_variant": PDF_VARIANT, "finisher": actualtext.finish}
        self.color_profiles: dict = {}
        own: list[CSS] = []
        if any(EDITIONS[name].print_shop for name in editions):
            self.options = {"pdf_variant": PRINT_VARIANT, "pdf_tags": True,
                            "finisher": _finish_for_print}
            profile = print_profile or printshop.profile_path(self.root, None)
            self.color_profiles = printshop.color_profiles(profile)
            self.fetcher.cmyk_profile = profile
            if colour is not None:
                own.append(CSS(string=printshop.cmyk_css(palette(colour), profile),
                               font_config=self.font_config))
        self.stylesheets = [self._stylesheet(name)
                            for name in (*STYLESHEETS, *edition_stylesheets(editions))] + own

    def _stylesheet(self, name: str) -> CSS:
        """Parse one of the project's stylesheets; any warning is an error."""
        with _weasyprint_warnings() as warnings:
            css = CSS(filename=self.root / "styles" / name, font_config=self.font_config,
                      url_fetcher=self.fetcher)
        if warnings:
            raise RenderError(warnings[0].getMessage(), f"styles/{name}")
        return css

    def write(self, html: str, target: Path, where: str) -> int:
        """Write `html` as a PDF at `target` (atomically) and return its page count."""
        data, pages = self.render(html, where)
        write_atomically(target, data)
        return pages

    def layout(self, html: str, after: tuple[Document, int] | None = None) -> Document:
        """Lay `html` out in pages, with the project's stylesheets and fetcher; `after`, a
        layout and a page: `html` differs from that layout's only after where that page
        begins, and the pages before it are kept (relayout.py; the layout is spent)."""
        source = HTML(string=html, base_url=self.root.as_uri() + "/",
                      url_fetcher=self.fetcher)
        options = {"stylesheets": self.stylesheets, "font_config": self.font_config,
                   "cache": self.cache, "color_profiles": self.color_profiles,
                   "pdf_variant": self.options["pdf_variant"]}
        if after is None:
            return relayout.render(source, **options)
        return relayout.render_from(*after, source, **options)

    def render(self, html: str, where: str) -> tuple[bytes, int]:
        """Return `html` as PDF bytes and its page count, or raise RenderError."""
        data, fitted = self.render_fitted(lambda *setting: html, where, multiple=None)
        return data, fitted.pages

    def render_fitted(self, remake: Remake, where: str, budget: int | None = None,
                      multiple: int | None = 2) -> tuple[bytes, Fitted]:
        """Lay out the HTML `remake(level, notes, flows)` makes, fitted to `budget` pages and to
        a multiple of `multiple` pages (see fit.py), and return it as PDF bytes; raise
        RenderError if it fetched what it may not or drew a character with no glyph."""
        self.fetcher.refused.clear()
        with _weasyprint_warnings() as warnings:
            fitted = fit(remake, self.layout, budget, multiple)
            data = fitted.document.write_pdf(**self.options)
        if self.fetcher.refused:
            raise RenderError(f"refused to fetch: {', '.join(self.fetcher.refused)}", where)
        notdef = [r for r in warnings if ".notdef" in r.getMessage()]
        if notdef:
            raise RenderError(f"a character has no glyph in any font: {notdef[0].getMessage()}",
                              where)
        for record in dict.fromkeys(r.getMessage() for r in warnings):
            log.warning("%s: %s", where, record)
        return data, fitted

