"""Write a brochure's HTML as a PDF with WeasyPrint.

One `PdfWriter` per process: the font configuration, the parsed stylesheets and
WeasyPrint's image cache are made once and reused for every brochure.
"""

from __future__ import annotations

import logging
import os
import tempfile
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import unquote, urlsplit

from weasyprint import CSS, HTML
from weasyprint.text.fonts import FontConfiguration
from weasyprint.urls import URLFetcher, URLFetchingError

from .errors import RenderError

log = logging.getLogger(__name__)

STYLESHEETS = ("fonts.css", "page.css", "type.css", "components.css")


class ProjectFetcher(URLFetcher):
    """Serve files under the project root; refuse every other URL."""

    def __init__(self, root: Path):
        super().__init__(allowed_protocols=("file",), allow_redirects=False)
        self.root = root.resolve()

    def fetch(self, url, headers=None):  # noqa: ANN001, ANN201
        parts = urlsplit(url)
        if parts.scheme != "file":
            log.warning("refused to fetch %s: only the project's own files are allowed", url)
            raise URLFetchingError(f"refused: {url}")
        path = Path(unquote(parts.path)).resolve()
        if not path.is_relative_to(self.root):
            log.warning("refused to fetch %s: outside the project", url)
            raise URLFetchingError(f"refused: {url}")
        return super().fetch(path.as_uri(), headers)


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


class PdfWriter:
    """Render HTML to PDF files, sharing fonts and stylesheets across documents."""

    def __init__(self, root: Path):
        self.root = root.resolve()
        self.fetcher = ProjectFetcher(self.root)
        self.font_config = FontConfiguration()
        self.cache: dict = {}
        self.stylesheets = [self._stylesheet(name) for name in STYLESHEETS]

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
        with _weasyprint_warnings() as warnings:
            document = HTML(
                string=html, base_url=self.root.as_uri() + "/", url_fetcher=self.fetcher
            ).render(
                stylesheets=self.stylesheets, font_config=self.font_config, cache=self.cache
            )
            data = document.write_pdf()
        notdef = [r for r in warnings if ".notdef" in r.getMessage()]
        if notdef:
            raise RenderError(f"a character has no glyph in any font: {notdef[0].getMessage()}",
                              where)
        for record in warnings:
            log.warning("%s: %s", where, record.getMessage())
        _write_atomically(target, data)
        return len(document.pages)


def _write_atomically(target: Path, data: bytes) -> None:
    """Write bytes to a temporary file beside `target`, then move it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
