"""The preview server, driven in a real headless browser (Debian's chromium, Playwright)."""

from __future__ import annotations

import io
import threading

import pytest
from playwright.sync_api import expect
from pypdf import PdfReader

from brochurekit import preview
from brochurekit.catalogs import catalog_path
from conftest import LANGUAGES, TOPICS

AR_TITLE = "علاج سرطان الشرج في المرحلة 4"


@pytest.fixture
def site(project):
    """Serve a throw-away copy of the project on a free port; return its base URL."""
    server = preview.make_server(project, port=0)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    host, port = server.server_address[:2]
    assert host == "127.0.0.1"  # localhost unless told otherwise
    yield f"http://{host}:{port}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def page(browser):
    page = browser.new_page()
    yield page
    page.close()


def edit(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def test_index_links_every_topic_in_every_language(site, page):
    page.goto(site + "/")
    expect(page.locator("h1")).to_have_text("Brochure preview")
    assert page.locator("a.preview").count() == len(TOPICS) * len(LANGUAGES)
    assert page.locator("a.pdf").count() == len(TOPICS) * len(LANGUAGES)
    page.click('a[href="/preview/ar/stage-4-anal-cancer"]')
    expect(page.locator("h1.title")).to_have_text(AR_TITLE)


def test_arabic_preview_is_right_to_left(site, page):
    page.goto(site + "/preview/ar/stage-4-anal-cancer")
    assert page.evaluate("document.documentElement.dir") == "rtl"
    assert page.evaluate("getComputedStyle(document.querySelector('h1.title')).direction") \
        == "rtl"
    family = page.evaluate("getComputedStyle(document.querySelector('p')).fontFamily")
    assert family.startswith('"Noto Naskh Arabic"')


def test_saving_a_catalog_reloads_the_preview(site, page, project):
    page.goto(site + "/preview/ar/stage-4-anal-cancer")
    expect(page.locator("h1.title")).to_have_text(AR_TITLE)
    edit(catalog_path(project, "ar"), f'msgstr "{AR_TITLE}"', 'msgstr "سرطان الشرج 4"')
    expect(page.locator("h1.title")).to_have_text("سرطان الشرج 4", timeout=10_000)


def test_a_broken_file_shows_its_error_then_recovers(site, page, project):
    page.goto(site + "/preview/es/stage-4-anal-cancer")
    content = project / "brochures" / "stage-4-anal-cancer.yaml"
    edit(content, "  - shared: care-team", "  - shared: care-teem")
    expect(page.locator("pre.error")).to_contain_text(
        "brochures/stage-4-anal-cancer.yaml:", timeout=10_000)
    expect(page.locator("pre.error")).to_contain_text("unknown shared block 'care-teem'")
    edit(content, "  - shared: care-teem", "  - shared: care-team")
    expect(page.locator("h1.title")).to_have_text("Tratamiento del cáncer anal en estadio 4",
                                                   timeout=10_000)


def test_a_missing_translation_shows_in_english_marked(site, page, project):
    edit(catalog_path(project, "fr"), 'msgstr "Chimiothérapie"', 'msgstr ""')
    page.goto(site + "/preview/fr/stage-4-anal-cancer")
    marked = page.locator(".untranslated")
    expect(marked).to_have_text("Chemotherapy")
    assert page.evaluate(
        "getComputedStyle(document.querySelector('.untranslated')).backgroundColor"
    ) == "rgb(255, 243, 176)"


def test_markup_in_a_translation_stays_text(site, page, project):
    edit(catalog_path(project, "fr"), 'msgstr "Chimiothérapie"',
         'msgstr "<img src=x onerror=alert()>Chimio"')
    page.goto(site + "/preview/fr/stage-4-anal-cancer")
    # The gate withdraws it (shown in English, marked) and the bar says why, as text.
    expect(page.locator(".withdrawn li")).to_contain_text(
        "[xmltags] Added XML tags (pofilter)")
    expect(page.locator("h2 .untranslated").filter(has_text="Chemotherapy")).to_have_count(1)
    assert page.locator("img").count() == 0


def test_the_pdf_link_renders_the_real_pdf(site, page, built):
    page.goto(site + "/preview/zh_Hans/treating-anal-cancer")
    href = page.locator(".preview-bar a.pdf").get_attribute("href")
    response = page.request.get(site + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
    # Laid out as the build lays it out: Chinese on A4, fitted, its notes' lines making
    # its page count even, so a translator sees the pages that will print.
    preview = PdfReader(io.BytesIO(response.body()))
    printed = PdfReader(built[("zh_Hans", "treating-anal-cancer")].path)
    assert len(preview.pages) == len(printed.pages)
    assert [round(float(v)) for v in preview.pages[0].mediabox] == [0, 0, 595, 842]
    notes = "".join(p.extract_text() for p in printed.pages[-3:])
    assert "我的问题和笔记" in notes and "我的问题和笔记" in "".join(
        p.extract_text() for p in preview.pages[-3:])


# --- Issue #15: the preview server refuses what it should, with clear errors ------------


def test_a_request_for_another_host_name_is_refused(site):
    import http.client
    from urllib.parse import urlsplit

    where = urlsplit(site)
    for host, status in (("evil.example.com", 421), (f"localhost:{where.port}", 200),
                         (f"127.0.0.1:{where.port}", 200)):
        connection = http.client.HTTPConnection(where.hostname, where.port, timeout=30)
        connection.request("GET", "/", headers={"Host": host})
        response = connection.getresponse()
        assert response.status == status, host
        body = response.read()
        assert (b"answers only to the address" in body) == (status == 421), host
        connection.close()


def test_an_idle_connection_is_closed(site, monkeypatch):
    import socket
    import time
    from urllib.parse import urlsplit

    assert preview._Handler.timeout == preview.IDLE_SECONDS <= 30
    monkeypatch.setattr(preview._Handler, "timeout", 2)  # the same code path, sooner
    where = urlsplit(site)
    with socket.create_connection((where.hostname, where.port)) as idle:
        idle.settimeout(20)
        started = time.monotonic()
        assert idle.recv(1) == b""  # the server hangs up, sending nothing
        assert time.monotonic() - started < 10


def test_a_render_that_crashes_shows_an_error_page(site, page, monkeypatch):
    def crash(self, lang, topic_id):
        raise ValueError("a bug in a template filter")

    monkeypatch.setattr(preview.Preview, "_html", crash)
    response = page.goto(f"{site}/preview/es/{TOPICS[0]}")
    assert response.status == 500
    expect(page.locator("body")).to_contain_text("could not render this page")
    expect(page.locator("body")).to_contain_text("a bug in a template filter")


@pytest.mark.parametrize(("host", "port", "expected"), [
    ("127.0.0.1", 99999, "--port must be from 0 to 65535, got 99999"),
    ("127.0.0.1", -1, "--port must be from 0 to 65535, got -1"),
    ("192.0.2.1", 0, "cannot listen on 192.0.2.1 port 0"),  # an address not on this machine
])
def test_a_server_that_cannot_listen_says_why(project, host, port, expected):
    from brochurekit.errors import BrochureError

    with pytest.raises(BrochureError, match=expected):
        preview.make_server(project, host, port)


def test_a_busy_port_is_named_and_ipv6_localhost_works(project):
    from brochurekit.errors import BrochureError

    first = preview.make_server(project, port=0)
    try:
        port = first.server_address[1]
        with pytest.raises(BrochureError, match=f"port {port} is in use"):
            preview.make_server(project, port=port)
    finally:
        first.server_close()
    try:
        six = preview.make_server(project, "::1", 0)
    except BrochureError as error:  # a machine without IPv6 says so, without a traceback
        assert "cannot listen on ::1" in str(error)
        return
    assert six.server_address[0] == "::1"
    six.server_close()
