"""The preview server, driven in a real headless browser (Debian's chromium, Playwright)."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect

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


def test_the_pdf_link_renders_the_real_pdf(site, page):
    page.goto(site + "/preview/zh_Hans/treating-anal-cancer")
    href = page.locator(".preview-bar a.pdf").get_attribute("href")
    response = page.request.get(site + href)
    assert response.status == 200
    assert response.headers["content-type"] == "application/pdf"
    assert response.body().startswith(b"%PDF-")
