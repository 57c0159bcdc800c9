"""The print-shop edition as a preflight sees it: PDF/X-4 with a CMYK output intent, every
colour in CMYK, trim and 3 mm bleed boxes, crop marks outside the bleed, the cover band to
the bleed edge, fonts embedded, the same bytes on every build; and PDF/UA-1 still.

What is not checked here (no free PDF/X validator exists): the rules of ISO 15930-7 beyond
these, such as transparency group colour spaces against the output intent in every form,
or overprint settings. veraPDF checks PDF/UA-1 (tests/test_verapdf.py)."""

from __future__ import annotations

import io
import re
import shutil
from pathlib import Path

import pypdfium2
import pytest
from PIL import Image, ImageCms
from pypdf import PdfReader
from pypdf.generic import ContentStream

from brochurekit.build import BuildOptions, Inputs, build
from brochurekit.catalogs import load_translator
from brochurekit.errors import BrochureError
from brochurekit.pdf import PdfWriter
from brochurekit.printshop import DEFAULT_PROFILE
from brochurekit.project import load_project
from conftest import CONTENT, PROJECT_PARTS, ROOT

LANGS = ("en", "ar", "zh_Hans")  # Letter and Latin; A4 and Arabic; A4 and Chinese
TOPIC = "treating-anal-cancer"  # the longest, with the timeline's hatched marks
MM = 72 / 25.4
BLEED, MEDIA = 3 * MM, 10 * MM
PAPER = {"en": (612, 792), "ar": (595.28, 841.89), "zh_Hans": (595.28, 841.89)}
BASE_URL = "https://brochures.example.org/v1/"  # so that the back page has its QR code
RGB_OPERATORS = {b"rg", b"RG"}
COLOUR_SPACES = {"/DeviceCMYK", "/DeviceGray", "/Pattern"}  # allowed by name in `cs`/`CS`


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """Build the print-shop edition of one topic in three scripts, in a project whose
    brochures carry a QR code; return (project, out, {lang: path})."""
    project = tmp_path_factory.mktemp("project")
    for part in PROJECT_PARTS:
        source = ROOT / part
        if source.is_dir():
            shutil.copytree(source, project / part, ignore=shutil.ignore_patterns(
                "__pycache__", "*.mo"))
        else:
            shutil.copy(source, project / part)
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace('base_url = ""', f'base_url = "{BASE_URL}"'))
    out = tmp_path_factory.mktemp("shop")
    results = build(project, BuildOptions(out=out, languages=LANGS, topics=(TOPIC,),
                                          editions=("print-shop",), jobs=2))
    large = build(project, BuildOptions(out=out, languages=("ar",), topics=(TOPIC,),
                                        editions=("print-shop", "large-print")))
    assert all(r.error is None for r in results + large), [str(r.error) for r in results]
    return project, out, {r.lang: r.path for r in results} | {"ar-large": large[0].path}


@pytest.fixture(scope="module")
def readers(shop):
    return {lang: PdfReader(path) for lang, path in shop[2].items()}


def box(page, name: str) -> tuple[float, ...]:
    return tuple(float(value) for value in page[name])


@pytest.mark.parametrize("lang", LANGS)
def test_it_is_pdf_x4_with_the_cmyk_output_intent_and_claims_pdf_ua(readers, lang):
    reader = readers[lang]
    assert reader.pdf_header == "%PDF-1.6"
    xmp = reader.trailer["/Root"]["/Metadata"].get_object().get_data().decode()
    assert "<pdfxid:GTS_PDFXVersion>PDF/X-4</pdfxid:GTS_PDFXVersion>" in xmp
    assert "<pdfuaid:part>1</pdfuaid:part>" in xmp
    assert re.search(r"<dc:title>.*\S.*</dc:title>", xmp, re.DOTALL)
    assert reader.metadata["/Trapped"] == "/False"
    (intent,) = reader.trailer["/Root"]["/OutputIntents"]
    intent = intent.get_object()
    assert intent["/S"] == "/GTS_PDFX"
    profile = intent["/DestOutputProfile"].get_object()
    assert profile["/N"] == 4
    icc = ImageCms.ImageCmsProfile(io.BytesIO(profile.get_data()))
    assert icc.profile.xcolor_space.strip() == "CMYK"
    assert icc.profile.device_class == "prtr"  # a printer's profile
    assert str(intent["/OutputConditionIdentifier"]) == icc.profile.profile_description
    assert reader.trailer["/Root"]["/StructTreeRoot"]  # tagged, as the other editions


@pytest.mark.parametrize("lang", LANGS)
def test_trim_and_bleed_boxes_and_the_media_around_them(readers, lang):
    width, height = PAPER[lang]
    for page in readers[lang].pages:
        trim = box(page, "/TrimBox")
        assert trim == pytest.approx((0, 0, width, height), abs=0.01)
        assert box(page, "/BleedBox") == pytest.approx(
            (-BLEED, -BLEED, width + BLEED, height + BLEED), abs=0.01)
        assert box(page, "/MediaBox") == pytest.approx(
            (-MEDIA, -MEDIA, width + MEDIA, height + MEDIA), abs=0.01)


def colour_use(reader: PdfReader):
    """Yield (where, what) for every colour set in the pages' content streams and the
    forms they draw, every image's colour space and every transparency group's."""
    seen = set()

    def visit(content, resources, where):
        for operands, operator in ContentStream(content, reader).operations:
            if operator in RGB_OPERATORS | {b"k", b"K", b"g", b"G"}:
                yield where, operator.decode()
            elif operator in (b"cs", b"CS"):
                name = str(operands[0])
                space = resources.get("/ColorSpace", {}).get(name) if resources else None
                yield where, name if space is None else str(space.get_object()[0])
        for name, reference in (resources or {}).get("/XObject", {}).items():
            if reference.idnum in seen:
                continue
            seen.add(reference.idnum)
            xobject = reference.get_object()
            if xobject["/Subtype"] == "/Image":
                yield f"{where} image {name}", str(xobject["/ColorSpace"])
                continue
            group = xobject.get("/Group")
            if group and "/CS" in group:
                space = group["/CS"]
                yield f"{where} group {name}", (
                    f"ICC N={space[1].get_object()['/N']}" if space[0] == "/ICCBased"
                    else str(space))
            yield from visit(xobject, xobject.get("/Resources"), f"{where} form {name}")

    for number, page in enumerate(reader.pages, 1):
        yield from visit(page.get_contents(), page["/Resources"], f"page {number}")


@pytest.mark.parametrize("lang", LANGS)
def test_every_colour_is_cmyk(readers, lang):
    used = list(colour_use(readers[lang]))
    kinds = {what for _, what in used}
    rgb = [(where, what) for where, what in used if what in {"rg", "RG", "/DeviceRGB"}
           or "N=3" in what]
    assert not rgb, rgb[:5]
    assert kinds <= {"k", "K", "g", "G", "ICC N=4", "/DeviceGray", *COLOUR_SPACES}, kinds
    assert "/DeviceCMYK" in kinds and "K" in kinds  # the palette, and the crop marks
    images = [what for where, what in used if " image " in where]
    assert images == ["/DeviceGray"]  # the QR code, in black ink


def render(path: Path, index: int, pixels_per_mm: int = 4) -> Image.Image:
    """Render one page's whole media (trim, bleed and marks) in grey."""
    page = pypdfium2.PdfDocument(path)[index]
    return page.render(scale=pixels_per_mm / MM, crop=(0, 0, 0, 0)).to_pil().convert("L")


def drawn(image: Image.Image, x: int, y: int) -> bool:
    return image.getpixel((x, y)) < 230


@pytest.mark.parametrize("lang", [*LANGS, "ar-large"])  # large print: its own margins
def test_the_cover_band_runs_to_the_bleed_edge_and_no_further(shop, lang):
    image = render(shop[2][lang], 0)
    edge = round(7 * 4)  # the bleed edge: 7 mm inside the media's edge, at 4 px a mm
    middle, row = image.width // 2, edge + 30 * 4  # 30 mm into the band
    top = next(y for y in range(image.height) if drawn(image, middle, y))
    left = next(x for x in range(image.width) if drawn(image, x, row))
    right = next(x for x in reversed(range(image.width)) if drawn(image, x, row))
    assert (top, left, image.width - 1 - right) == pytest.approx((edge, edge, edge), abs=2)


@pytest.mark.parametrize("lang", LANGS)
def test_crop_marks_sit_outside_the_bleed_on_every_page(shop, readers, lang):
    pages = len(readers[lang].pages)
    for index in sorted({0, 1, pages - 1}):
        image = render(shop[2][lang], index)
        width, height = image.size
        trim = 10 * 4  # the trim lines: 10 mm inside the media's edge
        outside = 7 * 4  # the strip outside the bleed
        marks = {(x, y) for x in range(width) for y in range(height)
                 if (min(x, y) < outside or x >= width - outside or y >= height - outside)
                 and drawn(image, x, y)}
        assert marks, f"page {index + 1}: no crop marks"
        lines = (trim - 1, trim, trim + 1, width - trim - 2, width - trim - 1, width - trim,
                 height - trim - 2, height - trim - 1, height - trim)
        stray = [(x, y) for x, y in marks if x not in lines and y not in lines]
        assert not stray, f"page {index + 1}: drawn outside the bleed: {sorted(stray)[:5]}"
        for x, y in ((trim, 0), (0, trim), (width - trim - 1, height - 1)):  # 4-9 mm long
            strip = [p for p in marks if abs(p[0] - x) <= 1 and p[1] < outside] if y == 0 \
                else [p for p in marks if abs(p[1] - y) <= 1 and p[0] < outside] if x == 0 \
                else [p for p in marks if abs(p[0] - x) <= 1 and p[1] >= height - outside]
            span = max(p[1] if x else p[0] for p in strip) - min(p[1] if x else p[0]
                                                                   for p in strip)
            assert span == pytest.approx(5 * 4, abs=2), (index, x, y)


@pytest.mark.parametrize("lang", LANGS)
def test_fonts_are_embedded_subsets(readers, lang):
    for page in readers[lang].pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            assert str(font["/BaseFont"])[7:8] == "+"  # the subset tag, ABCDEF+
            for part in font.get("/DescendantFonts", [font]):
                descriptor = part.get_object()["/FontDescriptor"]
                assert {"/FontFile", "/FontFile2", "/FontFile3"} & set(descriptor), font


def test_a_chinese_print_shop_file_is_small(shop):
    assert shop[2]["zh_Hans"].stat().st_size < 2_000_000  # the whole CJK font was 45 MB


def test_the_same_inputs_give_the_same_bytes(shop, tmp_path):
    project, _, paths = shop
    (again,) = build(project, BuildOptions(out=tmp_path, languages=("ar",), topics=(TOPIC,),
                                           editions=("print-shop",), force=True))
    assert again.path.read_bytes() == paths["ar"].read_bytes()


def test_every_print_shop_pdf_embeds_the_profile_file_as_it_is():
    # Pillow re-saved the profile once its description had been read: the first PDF a
    # process wrote carried the file, later ones a longer profile, so a brochure's bytes
    # depended on which one its build worker had made first.
    writer = PdfWriter(ROOT, ("print-shop",))
    html = ("<html lang=en><head><title>Profile</title></head><body><main>"
            "<p style='color: device-cmyk(0 1 0 0)'>Text.</p></main></body></html>")
    expected = Path(DEFAULT_PROFILE).read_bytes()
    for _ in range(2):
        data, _ = writer.render(html, "profile")
        intent = PdfReader(io.BytesIO(data)).trailer["/Root"]["/OutputIntents"][0]
        assert intent.get_object()["/DestOutputProfile"].get_object().get_data() == expected


# --- The palette and its CMYK twin -----------------------------------------------------

PROPERTY = re.compile(r"(--[\w-]+):\s*([^;]+);")


def palette(css: str) -> dict[str, str]:
    return dict(PROPERTY.findall(css.split(":root", 1)[1].split("}", 1)[0]))


def lab(image: Image.Image, profile) -> tuple[float, float, float]:
    transform = ImageCms.buildTransform(profile, ImageCms.createProfile("LAB"), image.mode,
                                        "LAB", renderingIntent=1)
    lightness, a, b = ImageCms.applyTransform(image, transform).getpixel((0, 0))
    return lightness * 100 / 255, a - 128, b - 128


def test_each_cmyk_colour_is_what_the_profile_makes_of_its_srgb_twin():
    cmyk_profile = ImageCms.getOpenProfile(DEFAULT_PROFILE)
    to_cmyk = ImageCms.buildTransform(ImageCms.createProfile("sRGB"), cmyk_profile, "RGB",
                                      "CMYK", renderingIntent=1)
    screen = palette((ROOT / "styles" / "tokens.css").read_text())
    shop = palette((ROOT / "styles" / "editions" / "print-shop.css").read_text())
    assert set(shop) == set(screen)
    black_only = {"--ink", "--furniture"}  # type in black ink alone: nothing to register
    for name, value in screen.items():
        rgb = Image.new("RGB", (1, 1), tuple(int(value[i:i + 2], 16) for i in (1, 3, 5)))
        inks = [float(v) for v in re.fullmatch(r"device-cmyk\(([\d. ]+)\)", shop[name])[1]
                .split()]
        if name in black_only:
            assert inks[:3] == [0, 0, 0] and inks[3] >= 0.85, name
            continue
        ours = lab(Image.new("CMYK", (1, 1), tuple(round(v * 255) for v in inks)),
                   cmyk_profile)
        best = lab(ImageCms.applyTransform(rgb, to_cmyk), cmyk_profile)
        assert sum((p - q) ** 2 for p, q in zip(ours, best, strict=True)) ** 0.5 <= 5, name


@pytest.mark.parametrize("name", ["cover.svg", "cover-tint.svg"])
def test_the_print_drawings_are_the_screen_drawings_in_cmyk(name):
    screen = (ROOT / "styles" / name).read_text()
    shop = (ROOT / "styles" / f"print-{name}").read_text()
    assert re.findall(r' d="([^"]+)"', shop) == re.findall(r' d="([^"]+)"', screen)
    assert not re.findall(r'fill="#', shop) and len(re.findall(r'device-cmyk', shop)) == 3
    # The clinic's hills are cover.svg's hills.
    assert re.findall(r' d="([^"]+)"', screen) == re.findall(
        r' d="([^"]+)"', (ROOT / "styles" / "cover.svg").read_text())


# --- The profile ---------------------------------------------------------------------

def test_a_missing_profile_is_refused_with_what_to_do(tmp_path):
    project = tmp_path / "p"
    project.mkdir()
    shutil.copy(ROOT / "pyproject.toml", project / "pyproject.toml")
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace(
        "[tool.brochurekit]\n", '[tool.brochurekit]\nprint_profile = "shop/FOGRA39.icc"\n', 1))
    from brochurekit.build import print_profile
    from brochurekit.project import load_project

    with pytest.raises(BrochureError, match=r"needs a CMYK ICC profile.*FOGRA39\.icc is not "
                                            r"a file: set print_profile") as caught:
        print_profile(load_project(project),
                      BuildOptions(out=tmp_path, editions=("print-shop",)))
    line = config.read_text().splitlines().index('print_profile = "shop/FOGRA39.icc"') + 1
    assert (caught.value.file, caught.value.line) == ("pyproject.toml", line)
    others = BuildOptions(out=tmp_path)
    assert print_profile(load_project(project), others) is None  # other editions


def test_an_rgb_profile_is_refused_before_any_worker_starts(project):
    import weasyprint

    srgb = Path(weasyprint.__file__).parent / "pdf" / "sRGB2014.icc"
    with pytest.raises(BrochureError, match="needs a CMYK profile, this one is RGB"):
        PdfWriter(ROOT, ("print-shop",), print_profile=srgb)
    shutil.copy(srgb, project / "rgb.icc")
    config = project / "pyproject.toml"
    config.write_text(config.read_text().replace(
        "[tool.brochurekit]\n", '[tool.brochurekit]\nprint_profile = "rgb.icc"\n', 1))
    with pytest.raises(BrochureError, match="this one is RGB"):
        build(project, BuildOptions(out=project / "out", languages=("en",),
                                    editions=("print-shop",)))
    assert not (project / "out").exists()  # refused before anything was built


def test_the_profile_is_an_input_of_the_print_shop_edition(shop, tmp_path):
    project = shop[0]
    translator = load_translator(project, "ar")
    topic = CONTENT.topic(TOPIC)
    options = BuildOptions(out=tmp_path, editions=("print-shop",))

    def input_hash(project, topic, translator, options, created):  # noqa: ANN001, ANN202
        return Inputs(load_project(project), options, created, [translator]).basis(topic,
                                                                                   translator)

    before = input_hash(project, topic, translator, options, None)
    shutil.copy(DEFAULT_PROFILE, project / "shop.icc")
    config = project / "pyproject.toml"
    text = config.read_text()
    config.write_text(text.replace("[tool.brochurekit]\n",
                                   '[tool.brochurekit]\nprint_profile = "shop.icc"\n', 1))
    try:
        same_bytes = input_hash(project, topic, translator, options, None)
        (project / "shop.icc").write_bytes(Path(DEFAULT_PROFILE).read_bytes()[:-4] + b"\0" * 4)
        changed = input_hash(project, topic, translator, options, None)
    finally:
        config.write_text(text)
    assert same_bytes == before  # the same profile, named differently: nothing to rebuild
    assert changed != before


def test_it_is_still_pdf_ua_1(shop):
    from verapdf import validate

    verdicts = validate(list(shop[2].values()))  # large print too
    assert {path: (v.status, v.rules) for path, v in verdicts.items()} == {
        path: ("compliant", {}) for path in shop[2].values()}


@pytest.mark.parametrize("site_id", ["lakeshore-example", "riverside-example"])
def test_a_clinics_print_shop_edition_is_in_cmyk_in_its_own_colour(tmp_path, site_id):
    # Lakeshore: plum, a PNG logo; Riverside: green, an SVG logo.
    from brochurekit.catalogs import languages
    from brochurekit.printshop import cmyk_css
    from brochurekit.sites import load_sites, palette

    site = load_sites(ROOT, tuple(languages(ROOT)), ("letter", "a4"))[site_id]
    [result] = build(ROOT, BuildOptions(out=tmp_path, site=site, editions=("print-shop",),
                                        languages=("en",), topics=(TOPIC,), jobs=1))
    assert result.error is None, result.error
    reader = PdfReader(result.path)
    used = list(colour_use(reader))
    assert not [(where, what) for where, what in used
                if what in {"rg", "RG", "/DeviceRGB"} or "N=3" in what], used[:5]
    images = [what for where, what in used if " image " in where]
    # A PNG logo in CMYK; the QR code (a site with a web address) in black ink.
    assert images == ["/DeviceCMYK"] * site.logo.endswith(".png") + ["/DeviceGray"] * bool(
        site.base_url)
    # The band, the boxes' tint and the band's rule are the clinic's colour, in CMYK.
    twins = dict(re.findall(r"--([\w-]+): device-cmyk\(([\d. ]+)\)",
                            cmyk_css(palette(site.colour), Path(DEFAULT_PROFILE))))
    drawn = reader.pages[0].get_contents().get_data()
    for name in ("brand", "brand-tint", "brand-rule"):
        assert f"\n{twins[name]} scn\n".encode() in drawn, name
    assert twins["brand"] != "1 0.7 0.4 0.27"  # the project's blue
