"""A local preview server for translators and editors: `make_brochures.py serve`.

The index lists every topic in every language. Each preview is the brochure's HTML,
rendered as a draft (missing units in English, marked) with the project's stylesheets,
and it reloads itself when a content, catalog, template or style file is saved. A link
renders the real PDF. Errors show in the page, with the file and line to fix.
It binds to localhost unless told otherwise.
"""

from __future__ import annotations

import errno
import hashlib
import ipaddress
import logging
import re
import socket
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from .catalogs import Translator, languages, load_translator
from .content import Topic, load_content
from .errors import BrochureError
from .pdf import STYLESHEETS, PdfWriter
from .project import load_project
from .render import Notes, make_environment, render_html

log = logging.getLogger(__name__)

WATCHED = ("brochures", "locales", "templates", "styles")
PREVIEW_CSS = "preview.css"  # the preview's own bar and index; never in a PDF
RELOAD_JS = """// Reload this page when a source file changes on disk.
(async () => {
  // Start from the state the server rendered this page from, so a save made while
  // the page loads still triggers a reload.
  const stamp = document.querySelector('meta[name="preview-state"]');
  let seen = stamp ? stamp.content : null;
  for (;;) {
    try {
      const state = await (await fetch("/_state", {cache: "no-store"})).text();
      if (seen !== null && state !== seen) { location.reload(); return; }
      seen = state;
    } catch (error) { /* the server restarts: keep polling */ }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
})();
"""
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; script-src 'self'; object-src 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}
PREVIEW_PATH = re.compile(r"^/preview/(?P<lang>[A-Za-z_]+)/(?P<topic>[a-z0-9-]+)$")
PDF_PATH = re.compile(r"^/pdf/(?P<lang>[A-Za-z_]+)/(?P<topic>[a-z0-9-]+)\.pdf$")


def watched_state(root: Path) -> str:
    """Return a fingerprint of every watched file's name, size and modification time."""
    digest = hashlib.sha256()
    for folder in WATCHED:
        for path in sorted((root / folder).rglob("*")):
            if path.is_file():
                stat = path.stat()
                digest.update(f"{path}|{stat.st_size}|{stat.st_mtime_ns}\n".encode())
    return digest.hexdigest()


class Preview:
    """Render previews and PDFs from the files as they are now."""

    def __init__(self, root: Path):
        self.root = root
        self.lock = threading.Lock()  # WeasyPrint and the Jinja callables are not shared
        self.pages = make_environment(root / "templates" / "preview")
        self._writer: PdfWriter | None = None

    def index(self) -> str:
        """Return the index of topics x languages."""
        state = watched_state(self.root)
        content = load_content(self.root)
        return self.pages.get_template("index.html.j2").render(
            topics=content.topics, languages=languages(self.root), state=state)

    def brochure(self, lang: str, topic_id: str) -> str:
        """Return a brochure's HTML as a draft, with the stylesheets and the reloader."""
        state = watched_state(self.root)  # before reading any file: a later save reloads
        html, withdrawn = self._html(lang, topic_id)
        head = self.pages.get_template("head.html.j2").render(
            state=state, stylesheets=STYLESHEETS, preview_css=PREVIEW_CSS)
        bar = self.pages.get_template("bar.html.j2").render(lang=lang, topic=topic_id,
                                                            withdrawn=withdrawn)
        html = html.replace("</head>", head + "</head>", 1)
        return re.sub(r"(<body[^>]*>)", lambda m: m[1] + bar, html, count=1)

    def pdf(self, lang: str, topic_id: str) -> bytes:
        """Return the brochure as a real (draft) PDF, laid out as the build lays it out:
        on its language's paper, fitted to its page budget, with the notes' lines that
        make its page count even (fit.py). A translator sees the pages that will print."""
        topic, translator = self._load(lang, topic_id)
        paper = load_project(self.root).paper_for(lang)
        env = make_environment(self.root / "templates")

        def remake(level: int, notes: Notes | None, flows: bool) -> str:
            return render_html(env, topic, translator, paper, draft=True, notes=notes,
                               fit=level, cover_flows=flows).html

        with self.lock:
            if self._writer is None:
                self._writer = PdfWriter(self.root)
            data, _ = self._writer.render_fitted(remake, f"{lang}/{topic_id}",
                                                 topic.page_budget)
        return data

    def error(self, error: BrochureError, state: str) -> str:
        """Return a page that shows an error and reloads once the file is fixed."""
        return self.pages.get_template("error.html.j2").render(error=str(error), state=state)

    def _load(self, lang: str, topic_id: str) -> tuple[Topic, Translator]:
        """Read a topic and a language's catalog afresh: a translator's last save shows."""
        if lang not in languages(self.root):
            raise BrochureError(f"unknown language {lang!r}")
        topic = load_content(self.root).topic(topic_id)
        with self.lock:
            return topic, load_translator(self.root, lang)

    def _html(self, lang: str, topic_id: str) -> tuple[str, list[str]]:
        """Render a brochure as a draft from fresh content and catalogs; return it with the
        reasons each entry it would print was withdrawn (shown in English instead)."""
        topic, translator = self._load(lang, topic_id)
        with self.lock:
            env = make_environment(self.root / "templates")
            rendered = render_html(env, topic, translator, "letter", draft=True)
        withdrawn = sorted(translator.rejected[key] for key in rendered.used
                           if key in translator.rejected)
        return rendered.html, withdrawn


LOCAL_NAMES = ("localhost", "127.0.0.1", "::1")
IDLE_SECONDS = 30  # a connection that sends nothing for this long is closed


class _Handler(BaseHTTPRequestHandler):
    """Route GET requests to the preview."""

    preview: Preview
    hosts: frozenset[str]  # the names this server answers to (DNS rebinding: no others)
    timeout = IDLE_SECONDS

    def do_GET(self) -> None:  # noqa: N802
        path = self.path.split("?", 1)[0]
        if not _answers_to(_host_name(self.headers.get("Host", "")), self.hosts):
            self._send(HTTPStatus.MISDIRECTED_REQUEST, "text/plain",
                       b"this preview answers only to the address it was started on")
            return
        state = watched_state(self.preview.root)
        try:
            self._route(path)
        except BrochureError as error:
            page = self.preview.error(error, state)
            self._send(HTTPStatus.OK, "text/html", page.encode())
        except BrokenPipeError:
            pass
        except Exception as error:  # a render that crashed: say so on the page, log it
            log.exception("preview: %s failed", path)
            page = self.preview.error(BrochureError(
                f"the preview could not render this page ({type(error).__name__}: "
                f"{error}); run `build --debug` on it for the details"), state)
            self._send(HTTPStatus.INTERNAL_SERVER_ERROR, "text/html", page.encode())

    def _route(self, path: str) -> None:
        root = self.preview.root
        if path == "/":
            self._send(HTTPStatus.OK, "text/html", self.preview.index().encode())
        elif path == "/_state":
            self._send(HTTPStatus.OK, "text/plain", watched_state(root).encode())
        elif path == "/_reload.js":
            self._send(HTTPStatus.OK, "text/javascript", RELOAD_JS.encode())
        elif path.startswith("/styles/") and path[len("/styles/"):] in (*STYLESHEETS,
                                                                          PREVIEW_CSS):
            self._send(HTTPStatus.OK, "text/css", (root / path.lstrip("/")).read_bytes())
        elif match := PREVIEW_PATH.match(path):
            html = self.preview.brochure(match["lang"], match["topic"])
            self._send(HTTPStatus.OK, "text/html", html.encode())
        elif match := PDF_PATH.match(path):
            data = self.preview.pdf(match["lang"], match["topic"])
            self._send(HTTPStatus.OK, "application/pdf", data)
        else:
            self._send(HTTPStatus.NOT_FOUND, "text/plain", b"not found")

    def _send(self, status: HTTPStatus, kind: str, body: bytes) -> None:
        self.send_response(status)
        self.send_header("Content-Type", f"{kind}; charset=utf-8" if kind != "application/pdf"
                         else kind)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-store")
        for name, value in SECURITY_HEADERS.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args) -> None:  # noqa: A002
        log.debug("preview: " + format, *args)


def _host_name(header: str) -> str:
    """Return the host of a Host header, without its port or IPv6 brackets."""
    if header.startswith("["):
        return header[1:header.find("]")] if "]" in header else header
    return header.rsplit(":", 1)[0] if header.count(":") == 1 else header


def _answers_to(name: str, hosts: frozenset[str]) -> bool:
    """Say whether a request's host is this server: a name it was started with, or an
    address. A domain name that merely resolves here is refused (DNS rebinding)."""
    if name.lower() in hosts:
        return True
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class _Server(ThreadingHTTPServer):
    daemon_threads = True


class _Server6(_Server):
    address_family = socket.AF_INET6


def make_server(root: Path, host: str = "127.0.0.1", port: int = 8000) -> ThreadingHTTPServer:
    """Make the preview server (port 0 picks a free port); call serve_forever() on it."""
    if not 0 <= port <= 65535:
        raise BrochureError(f"--port must be from 0 to 65535, got {port}")
    hosts = frozenset({*LOCAL_NAMES, host.strip("[]").lower(), socket.gethostname().lower()})
    handler = type("Handler", (_Handler,), {"preview": Preview(root), "hosts": hosts})
    server_class = _Server6 if ":" in host else _Server
    try:
        return server_class((host.strip("[]"), port), handler)
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise BrochureError(f"port {port} is in use: stop what uses it, or choose "
                                "another with --port") from None
        raise BrochureError(f"cannot listen on {host} port {port}: "
                            f"{error.strerror or error}") from None
