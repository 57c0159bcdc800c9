"""Clinic sites (sites/<id>.yaml): validated like the content, printed in every language."""

from __future__ import annotations

import base64
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pypdfium2
import pytest
from pypdf import PdfReader

from brochurekit.build import BuildOptions, build
from brochurekit.catalogs import languages
from brochurekit.cli import EXIT_INPUT, EXIT_OK, main
from brochurekit.errors import ContentError
from brochurekit.sites import (
    PROJECT_BRAND,
    contrast,
    load_sites,
    palette,
    parse_site,
    passing_shade,
)
from conftest import ROOT

TOPIC = "stage-4-anal-cancer"
SITE_IDS = ("riverside-example", "lakeshore-example")
PAPERS = ("letter", "a4")


def site_text(**changes: str) -> str:
    """The Riverside example's text, with lines replaced: {"old line": "new line"}."""
    text = (ROOT / "sites" / "riverside-example.yaml").read_text(encoding="utf-8")
    for old, new in changes.items():
        assert old in text, old
        text = text.replace(old, new, 1)
    return text


def parse(text: str, root: Path = ROOT):
    return parse_site(text, "sites/riverside-example.yaml", root, tuple(languages(ROOT)), PAPERS)


def line_of(text: str, start: str) -> int:
    return next(n for n, line in enumerate(text.splitlines(), 1)
                if line.strip().lstrip("- ").startswith(start))


# --- The profile ---------------------------------------------------------------------

def test_the_example_sites_are_valid_and_marked_as_examples():
    sites = load_sites(ROOT, tuple(languages(ROOT)), PAPERS)
    assert set(SITE_IDS) <= set(sites)
    riverside = sites["riverside-example"]
    assert riverside.example and "(example)" in riverside.name
    # As the US writes them, without brackets (bidi readers mirror them in right-to-left).
    assert [p.shown for p in riverside.phones] == ["217-555-0142", "217-555-0143",
                                                    "217-555-0144"]
    assert riverside.phones[0].e164 == "+12175550142" and riverside.emergency == "911"
    lakeshore = sites["lakeshore-example"]
    assert lakeshore.country == "CA" and lakeshore.emergency == "911"
    assert lakeshore.support[0].phone.shown == "888-939-3333"  # toll-free: at home in CA
    assert lakeshore.name_in("fr").startswith("Centre d'oncologie")
    assert len(riverside.languages) == len(lakeshore.languages) == 5


@pytest.mark.parametrize(("old", "new", "start", "message"), [
    ('number: "217-555-0143"', 'number: "217-555-014"', 'number: "217-555-014"',
     r"phones\[1\]: '217-555-014' is not a valid number in US"),
    ("paper: letter", "paper: letter\nfax: 5550100", "fax:", r"unknown key 'fax'"),
    ("kind: nurse", "kind: pharmacy", "kind: pharmacy", r"'pharmacy': choose from main"),
    ('opens: "09:00"', "opens: 9:00", "opens: 9:00", "expected a time on the 24-hour clock"),
    ("country: US", "country: US\nemergency: \"555\"", "emergency", r"'555' is not an emergency "
     "number in US"),
    ("languages: [en, es, ar, zh_Hans, vi]", "languages: [en, es, xx]", "languages",
     r"no catalog for 'xx'"),
    ("website: https://riverside-clinic.example.org",
     'website: "javascript:alert(1)"', "website", r"an https:// address"),
])
def test_a_bad_site_file_is_refused_with_its_line(old, new, start, message):
    text = site_text(**{old: new})
    with pytest.raises(ContentError, match=message) as raised:
        parse(text)
    assert (raised.value.file, raised.value.line) == ("sites/riverside-example.yaml",
                                                      line_of(text, start))


def test_a_brand_colour_that_fails_wcag_aa_is_refused_with_the_nearest_passing_shade():
    text = site_text(**{'colour: "#1d5c3a"': 'colour: "#3a9bd9"'})
    with pytest.raises(ContentError, match=r"#3a9bd9 is too light for text: 3\.06:1 against "
                       r"white paper.*nearest shade that passes is (#[0-9a-f]{6})") as raised:
        parse(text)
    assert raised.value.line == line_of(text, "colour:")
    shade = re.search(r"passes is (#[0-9a-f]{6})", raised.value.message)[1]
    assert contrast(shade, "#ffffff") >= 4.5
    assert contrast(shade, palette(shade)["brand-tint"]) >= 4.5  # the boxes, in its tint
    assert shade == passing_shade("#3a9bd9")
    assert parse(site_text(**{'colour: "#1d5c3a"': f'colour: "{shade}"'})).colour == shade
    lighter = "#" + "".join(f"{min(255, int(shade[i:i + 2], 16) + 6):02x}" for i in (1, 3, 5))
    with pytest.raises(ContentError):  # the nearest: a little lighter fails again
        parse(site_text(**{'colour: "#1d5c3a"': f'colour: "{lighter}"'}))


@pytest.fixture
def sandbox(tmp_path):
    """A project folder with the example sites' logos folder, for logos to be added to."""
    shutil.copytree(ROOT / "sites", tmp_path / "sites")
    (tmp_path / "images").mkdir()
    return tmp_path


@pytest.mark.parametrize(("svg", "message"), [
    ('<image href="https://tracker.example.com/pixel.png" width="1" height="1"/>',
     r"refers to 'https://tracker\.example\.com/pixel\.png'"),
    ('<image xlink:href="file:///etc/passwd" width="1" height="1"/>',
     r"refers to 'file:///etc/passwd'"),
    ('<rect style="fill: url(http://example.com/x.svg#p)" width="5" height="5"/>',
     r"refers to 'http://example\.com/x\.svg#p'"),
    ("<style>@import url(../../secret.css);</style>", "imports a stylesheet"),
    ("<script>alert(1)</script>", "contains <script>"),
    ('<rect onload="alert(1)" width="5" height="5"/>', "event handler"),
])
def test_a_logo_that_tries_to_fetch_anything_is_refused(sandbox, svg, message):
    logo = sandbox / "sites" / "logos" / "riverside-example.svg"
    logo.write_text('<svg xmlns="http://www.w3.org/2000/svg" '
                    f'xmlns:xlink="http://www.w3.org/1999/xlink">{svg}</svg>')
    text = site_text()
    with pytest.raises(ContentError, match=message) as raised:
        parse(text, sandbox)
    assert raised.value.line == line_of(text, "logo:")


def test_a_logo_outside_the_project_or_its_logo_folders_is_refused(sandbox, tmp_path_factory):
    outside = tmp_path_factory.mktemp("elsewhere") / "logo.svg"
    outside.write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    (sandbox / "sites" / "logos" / "linked.svg").symlink_to(outside)
    for logo, message in (("sites/logos/linked.svg", "is not in sites/logos/ or images/"),
                          ("../elsewhere/logo.svg", "give a path inside the project"),
                          ("/etc/passwd.svg", "give a path inside the project"),
                          ("sites/riverside-example.yaml", r"an \.svg or \.png file"),
                          ("brochures/logo.svg", "is not in sites/logos/ or images/")):
        with pytest.raises(ContentError, match=message):
            parse(site_text(**{"logo: sites/logos/riverside-example.svg": f"logo: {logo}"}),
                  sandbox)


def test_init_site_writes_a_commented_profile_that_check_accepts(project, caplog):
    assert main(["--root", str(project), "init-site", "hillside-clinic"]) == EXIT_OK
    written = project / "sites" / "hillside-clinic.yaml"
    assert written.read_text().startswith("# A clinic's site")
    site = load_sites(project, tuple(languages(project)), PAPERS)["hillside-clinic"]
    assert site.phones[0].shown == "217-555-0100" and site.languages == ("en", "es")
    assert main(["--root", str(project), "init-site", "hillside-clinic"]) == EXIT_INPUT
    assert "already exists" in caplog.text
    assert main(["--root", str(project), "init-site", "Hillside Clinic"]) == EXIT_INPUT


def test_check_names_a_broken_site_file_and_line(project, capsys):
    path = project / "sites" / "riverside-example.yaml"
    path.write_text(site_text(**{'number: "217-555-0143"': 'number: "555"'}))
    main(["--root", str(project), "check", "--lang", "es"])
    out = capsys.readouterr().out
    line = line_of(path.read_text(), 'number: "555"')
    assert f"sites/riverside-example.yaml:{line}: error: [site]" in out


# --- The brochures -------------------------------------------------------------------

@pytest.fixture(scope="module")
def site_pdfs(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Build one topic for both example sites, in each site's five languages."""
    out = tmp_path_factory.mktemp("sites")
    sites = load_sites(ROOT, tuple(languages(ROOT)), PAPERS)
    found = {}
    for site_id in SITE_IDS:
        site = sites[site_id]
        for result in build(ROOT, BuildOptions(out=out / site_id, site=site, jobs=2,
                                               languages=site.languages, topics=(TOPIC,))):
            assert result.error is None, f"{site_id}/{result.lang}: {result.error}"
            found[(site_id, result.lang)] = result.path
    return found


def poppler_text(path: Path) -> str:
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def pdfium_text(path: Path) -> str:
    document = pypdfium2.PdfDocument(path)
    try:
        return "\n".join(page.get_textpage().get_text_range() for page in document)
    finally:
        document.close()


def test_both_example_sites_build_in_their_languages_into_their_folders(site_pdfs):
    sites = load_sites(ROOT, tuple(languages(ROOT)), PAPERS)
    for site_id in SITE_IDS:
        assert {lang for s, lang in site_pdfs if s == site_id} == set(sites[site_id].languages)
    for (site_id, lang), path in site_pdfs.items():
        assert path.parent.parent.name == site_id and path.parent.name == lang


@pytest.mark.parametrize("site_id", SITE_IDS)
def test_every_number_prints_exactly_as_formatted_in_every_language(site_pdfs, site_id):
    site = load_sites(ROOT, tuple(languages(ROOT)), PAPERS)[site_id]
    numbers = [p.shown for p in site.phones] + [s.phone.shown for s in site.support]
    for lang in site.languages:
        path = site_pdfs[(site_id, lang)]
        for text in (poppler_text(path), pdfium_text(path)):  # as they copy it out
            for number in numbers:
                assert number in text, f"{site_id}/{lang}: {number!r} not copied out whole"
            assert re.search(rf"(?<!\d){site.emergency}(?!\d)", text), (site_id, lang)
            assert site.name_in(lang) in " ".join(text.split())


def test_the_cover_and_back_page_carry_the_clinic_in_its_colour(site_pdfs):
    path = site_pdfs[("riverside-example", "ar")]
    document = pypdfium2.PdfDocument(path)
    try:  # poppler mirrors the brackets of this lone Latin line on an Arabic cover (#14)
        assert "Riverside Cancer Clinic (example)" in document[0].get_textpage().get_text_range()
    finally:
        document.close()
    pages = poppler_text(path).split("\f")
    assert "Riverside Cancer Clinic (example)" in pages[-3]  # the back page: whole in both
    last = " ".join(pages[-3:])
    assert "217-555-0143" in last and "American Cancer Society" in last
    drawn = b"".join(streams(path))
    # The band is the brand colour (#1d5c3a), the boxes its tint, not the project's blues.
    shades = palette("#1d5c3a")
    for colour in (shades["brand"], shades["brand-tint"], shades["brand-rule"]):
        assert fill(colour).search(drawn), colour
    for colour in ("#e8f1f5", "#8fc1d3", "#1d6f8f", "#4a93ad", "#a9d3df"):  # cover.svg's
        assert not fill(colour).search(drawn), colour


def streams(path: Path):
    """Yield the data of every stream in a PDF (pages, forms, patterns, drawings),
    inflated where it is compressed."""
    for found in re.finditer(rb"stream\r?\n(.*?)endstream", path.read_bytes(), re.DOTALL):
        try:
            yield zlib.decompress(found[1])
        except zlib.error:
            yield found[1]


def fill(colour: str) -> re.Pattern[bytes]:
    """Match the fill operator WeasyPrint writes for a #rrggbb colour."""
    channels = [f"{int(colour[i:i + 2], 16) / 255:.6f}".rstrip("0").rstrip(".")
                for i in (1, 3, 5)]
    return re.compile(" ".join(f"0?{re.escape(c.removeprefix('0'))}" if c != "0" else "0"
                               for c in channels).encode() + rb" rg")


def test_a_brand_colour_makes_the_palette_as_the_projects_blue_makes_its_own():
    tokens = (ROOT / "styles" / "tokens.css").read_text(encoding="utf-8")
    made = palette(PROJECT_BRAND)
    for name, colour in made.items():
        token = re.search(rf"--{name}: (#[0-9a-f]{{6}})", tokens)[1]
        assert max(abs(int(colour[i:i + 2], 16) - int(token[i:i + 2], 16))
                   for i in (1, 3, 5)) <= 2, (name, colour, token)
    # Another colour keeps its hue in every shade, and passes AA on its own tint.
    plum = palette("#6a1b4d")
    assert plum["brand-tint"] == "#f3eaf0" and contrast("#6a1b4d", plum["brand-tint"]) >= 4.5


@pytest.mark.parametrize("case", [("riverside-example", "ar"), ("riverside-example", "en"),
                                  ("lakeshore-example", "zh_Hans"),
                                  ("lakeshore-example", "pa")], ids="-".join)
def test_a_sites_pdfs_pass_pdf_ua_1(site_pdfs, site_verdicts, case):
    verdict = site_verdicts[case]
    assert (verdict.status, verdict.rules) == ("compliant", {})


@pytest.fixture(scope="module")
def site_verdicts(site_pdfs):
    """veraPDF's PDF/UA-1 verdict on a site's brochure in four scripts, in one run."""
    from verapdf import validate

    chosen = [("riverside-example", "ar"), ("riverside-example", "en"),
              ("lakeshore-example", "zh_Hans"), ("lakeshore-example", "pa")]
    found = validate([site_pdfs[key] for key in chosen])
    return {key: found[site_pdfs[key]] for key in chosen}


def test_the_qr_code_points_to_the_sites_own_copy(site_pdfs):
    import io

    import segno
    from PIL import Image

    url = "https://lakeshore-oncology.example.org/brochures/zh_Hans/stage-4-anal-cancer.html"
    last = PdfReader(site_pdfs[("lakeshore-example", "zh_Hans")]).pages[-1]
    assert url in "".join(last.extract_text().split())
    (image,) = [each for each in last.images if each.image.size[0] == each.image.size[1]]
    buffer = io.BytesIO()
    segno.make(url, error="m").save(buffer, kind="png", scale=4, border=2)
    expected = Image.open(io.BytesIO(buffer.getvalue())).convert("L")
    assert image.image.convert("L").tobytes() == expected.tobytes()


# --- The release ---------------------------------------------------------------------

def test_a_release_holds_a_named_site_and_its_web_pages_pass_axe(project, tmp_path, built,
                                                                  browser, monkeypatch):
    import json

    from test_release import AXE, WCAG_21_AA

    from conftest import seed_cache

    seed_cache(built, project / "build" / "release-cache", monkeypatch)  # neutral: cached
    out = tmp_path / "dist"
    # Examples are released only when named; this one in one of its languages.
    assert main(["--root", str(project), "release", "--site", "lakeshore-example",
                 "--lang", "ar", "--out", str(out)]) == EXIT_OK
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert data["sites"] == [{"site": "lakeshore-example", "example": True,
                              "name": "Lakeshore Oncology Centre (example)"}]
    mine = [e for e in data["brochures"] if e["site"] == "lakeshore-example"]
    assert len(mine) == 4 and all(e["file"].startswith("lakeshore-example/ar/") for e in mine)
    assert all((out / e["file"]).is_file() and (out / e["web_page"]).is_file() for e in mine)
    index = (out / "index.html").read_text(encoding="utf-8")
    assert 'id="site-lakeshore-example"' in index and "lakeshore-example/ar/" in index
    page = browser.new_page()
    fetched = []
    page.route("**/*", lambda route: (fetched.append(route.request.url), route.abort())
               if not route.request.url.startswith("file:") else route.continue_())
    for entry in mine:
        page.goto((out / entry["web_page"]).as_uri())
        text = page.locator("body").inner_text()
        assert "416-555-0170" in text and "888-939-3333" in text
        assert page.locator("img.clinic-logo").get_attribute("src").startswith(
            "data:image/png;base64,")  # inline: the page works offline
        band, box = (page.evaluate(f"getComputedStyle(document.querySelector('{selector}'))"
                                   ".backgroundColor") for selector in (".cover-band",
                                                                        ".summary-box"))
        assert (band, box) == ("rgb(106, 27, 77)", "rgb(243, 234, 240)")  # its plum, its tint
        hills = page.evaluate("getComputedStyle(document.querySelector('.cover-band'))"
                              ".backgroundImage")
        assert hills.startswith('url("data:image/svg+xml;base64,')
        assert base64.b64decode(hills[31:-2]) == (ROOT / "styles/cover-tint.svg").read_bytes()
        page.add_script_tag(path=str(AXE))
        found = page.evaluate("""(tags) => axe.run(document, {runOnly: {type: 'tag',
            values: tags}}).then(r => r.violations.map(v => [v.id, v.nodes.length,
            v.nodes[0].target.join(' ')]))""", WCAG_21_AA)
        assert found == [], (entry["web_page"], found)
    assert fetched == []
    page.close()
    # Without --site, examples stay out.
    assert main(["--root", str(project), "release", "--lang", "ar", "--out", str(out)]) == EXIT_OK
    data = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    assert data["sites"] == [] and not any(e["site"] for e in data["brochures"])
