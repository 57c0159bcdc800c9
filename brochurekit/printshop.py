"""Make the print-shop edition a PDF/X-4 file a preflight accepts, and keep it PDF/UA-1.

WeasyPrint 70 writes the PDF/X-4 parts itself (`pdf_variant="pdf/x-4"`): the XMP
identification, /Trapped, the output intent made from the CMYK profile given to it, and
the TrimBox from the CSS `bleed`. Colours are CMYK because the edition's stylesheet gives
every colour as `device-cmyk()` (styles/editions/print-shop.css). Four things it does not
do, which `finish` does on the PDF object before it is written (WeasyPrint's public
`finisher` hook):

- the BleedBox: WeasyPrint puts it at most 10 points outside the trim, and at the CSS bleed
  when that is smaller, so a 3 mm bleed made BleedBox = MediaBox and left no room for crop
  marks. The CSS bleed here is wider (MEDIA), and the BleedBox is set to the 3 mm bleed;
- the crop marks: WeasyPrint draws them in RGB black and inside the media it is given.
  These are drawn in the registration colour (all four inks), outside the bleed, as
  artifacts (not content a screen reader reads);
- the XMP document id: WeasyPrint makes a random one for PDF/X-4, so no two builds were
  the same bytes. It is derived from the brochure's title and language instead: the same
  document across versions, as the XMP id is meant to be;
- PDF/UA-1: the file is tagged (`pdf_tags=True`), and the XMP claims PDF/UA-1 as well.
"""

from __future__ import annotations

import functools
import io
import re
import uuid
from pathlib import Path

import pydyf

from .errors import BrochureError
from .sites import channels

MM = 72 / 25.4
BLEED = 3 * MM  # the bleed a shop trims off: backgrounds run to it (BleedBox)
MARK_OFFSET = 4 * MM  # crop marks start this far outside the trim, past the bleed,
MARK_LENGTH = 5 * MM  # and end 1 mm inside the media (10 mm: print-shop.css's `bleed`)
MARK_WIDTH = 0.25  # points

# Ghostscript's CMYK profile (Debian package libgs-common, installed by scripts/setup.sh).
DEFAULT_PROFILE = "/usr/share/color/icc/ghostscript/default_cmyk.icc"
XMP_DOCUMENT_ID = re.compile(rb"xmp\.did:[0-9a-f-]{36}")
UA_PART = (b'<rdf:Description rdf:about="" xmlns:pdfuaid="http://www.aiim.org/pdfua/ns/id/">'
           b"<pdfuaid:part>1</pdfuaid:part></rdf:Description>")


def profile_path(root: Path, setting: str | None, line: int | None = None) -> Path:
    """Return the CMYK profile the print shop prints to: `print_profile` in
    `[tool.brochurekit]` (a path, relative to the project or absolute; on `line` of
    pyproject.toml), else Ghostscript's."""
    path = Path(setting or DEFAULT_PROFILE)
    path = path if path.is_absolute() else root / path
    if not path.is_file():
        how = ("set print_profile in [tool.brochurekit] to the shop's profile" if setting
               else "install Debian's libgs-common (scripts/setup.sh does), or set "
                    "print_profile in [tool.brochurekit] to the shop's profile")
        raise BrochureError(f"the print-shop edition needs a CMYK ICC profile, and {path} "
                            f"is not a file: {how}", "pyproject.toml", line)
    check_profile(path)
    return path


def check_profile(path: Path) -> None:
    """Refuse a file that is not an ICC profile of CMYK printing (read once while the
    file is unchanged: every brochure's input hash asks)."""
    stat = path.stat()
    space = _colour_space(path, stat.st_mtime_ns, stat.st_size)
    if space != "CMYK":
        raise BrochureError(f"the print-shop edition needs a CMYK profile, this one is "
                            f"{space}", str(path))


@functools.lru_cache(maxsize=8)
def _colour_space(path: Path, mtime_ns: int, size: int) -> str:  # noqa: ARG001 (cache key)
    from PIL import ImageCms

    try:
        return ImageCms.getOpenProfile(str(path)).profile.xcolor_space.strip()
    except (OSError, ImageCms.PyCMSError) as error:
        raise BrochureError(f"not an ICC profile: {error}", str(path)) from None


def color_profiles(path: Path) -> dict:
    """Return the profile as WeasyPrint's output intent for `device-cmyk()` colours,
    embedded as the file's own bytes.

    WeasyPrint 70 embeds `ColorProfile.content`, which Pillow makes by saving the profile
    again through LittleCMS; once anything has read the profile's description (WeasyPrint
    does, for the output intent's name), LittleCMS writes that tag anew. The first PDF a
    process wrote carried the file as it is and every later one a longer profile, so a
    print-shop PDF's bytes depended on which brochure its build worker had made first."""
    from weasyprint.css import ColorProfile  # imported here: build imports this module

    class FileProfile(ColorProfile):
        @property
        def content(self) -> bytes:
            return data

    check_profile(path)
    data = path.read_bytes()
    return {"device-cmyk": FileProfile(io.BytesIO(data), path.as_uri(),
                                       "relative-colorimetric",
                                       ["cyan", "magenta", "yellow", "black"])}


@functools.cache
def _to_cmyk(path: Path):  # noqa: ANN202 (a PIL ImageCms transform)
    from PIL import ImageCms

    return ImageCms.buildTransform(ImageCms.createProfile("sRGB"),
                                   ImageCms.getOpenProfile(str(path)), "RGB", "CMYK",
                                   renderingIntent=ImageCms.Intent.RELATIVE_COLORIMETRIC)


def device_cmyk(rgb: tuple[int, int, int], path: Path) -> str:
    """Return an sRGB colour through the CMYK profile (relative colorimetric) as CSS
    `device-cmyk()`, rounded to whole percents, as print-shop.css gives its palette."""
    from PIL import Image, ImageCms

    inks = ImageCms.applyTransform(Image.new("RGB", (1, 1), rgb), _to_cmyk(path)).getpixel((0, 0))
    return f"device-cmyk({' '.join(f'{round(ink / 255, 2):g}' for ink in inks)})"


def cmyk_css(colours: dict[str, str], path: Path) -> str:
    """Return a clinic's palette (sites.palette: custom property -> #rrggbb) in the
    profile's CMYK. The declarations are `!important`: the edition's stylesheet is a user
    stylesheet, and the brochure's own <style> sets the palette in sRGB."""
    return ":root { " + "; ".join(
        f"--{name}: {device_cmyk(channels(colour), path)} !important"
        for name, colour in colours.items()) + " }"


# Where an SVG gives a colour: presentation attributes, and the same properties in style.
SVG_COLOUR = re.compile(r"""(?P<name>\b(?:fill|stroke|stop-color|flood-color|lighting-color|color))
                            (?P<between>\s*=\s*["']|\s*:\s*)(?P<value>[^;"'<>]+)""",
                        re.VERBOSE)


def cmyk_logo(data: bytes, svg: bool, path: Path) -> tuple[bytes, str]:
    """Return a clinic's logo with its colours in the profile's CMYK, and its type: an
    SVG with every colour as `device-cmyk()` (black where it sets none), a PNG as a CMYK
    JPEG on white paper. The print-shop edition has no RGB in it."""
    if svg:
        from tinycss2.color3 import parse_color

        def ink(found: re.Match) -> str:
            colour = parse_color(found["value"].strip())
            if colour is None or colour == "currentColor" or colour.alpha == 0:
                return found[0]  # none, a url(#gradient)...: left as it is
            rgb = tuple(round(channel * 255) for channel in colour[:3])
            return found["name"] + found["between"] + device_cmyk(rgb, path)

        text = SVG_COLOUR.sub(ink, data.decode("utf-8"))
        text = re.sub(r"<svg\b(?![^>]*\bfill\s*=)", '<svg fill="device-cmyk(0 0 0 1)"', text,
                      count=1)
        return text.encode("utf-8"), "image/svg+xml"
    from PIL import Image, ImageCms

    image = Image.open(io.BytesIO(data)).convert("RGBA")
    paper = Image.new("RGBA", image.size, (255, 255, 255, 255))
    rgb = Image.alpha_composite(paper, image).convert("RGB")
    buffer = io.BytesIO()
    ImageCms.applyTransform(rgb, _to_cmyk(path)).save(buffer, "JPEG", quality=95)
    return buffer.getvalue(), "image/jpeg"


def finish(document, pdf: pydyf.PDF) -> None:  # noqa: ANN001 (WeasyPrint's Document)
    """Set each page's BleedBox, draw its crop marks, pin the XMP id, claim PDF/UA-1."""
    for number in pdf.pages["Kids"][::3]:
        page = pdf.objects[number]
        x0, y0, x1, y1 = (float(value) for value in page["TrimBox"])
        page["BleedBox"] = pydyf.Array([x0 - BLEED, y0 - BLEED, x1 + BLEED, y1 + BLEED])
        # The page's own drawing is kept inside q/Q, so that the marks are drawn in
        # the page's default coordinates (WeasyPrint's stream leaves its y-flip in place).
        save, marks = pydyf.Stream([b"q"]), pydyf.Stream([b"Q", _crop_marks(x0, y0, x1, y1)])
        pdf.add_object(save)
        pdf.add_object(marks)
        page["Contents"] = pydyf.Array([save.reference, page["Contents"], marks.reference])
    metadata = pdf.objects[int(pdf.catalog["Metadata"].split()[0])]
    xmp = b"".join(metadata.stream)
    key = f"{document.metadata.lang}|{document.metadata.title}"
    xmp = XMP_DOCUMENT_ID.sub(f"xmp.did:{uuid.uuid5(uuid.NAMESPACE_URL, key)}".encode(), xmp)
    metadata.stream = [xmp.replace(b"</rdf:RDF>", UA_PART + b"</rdf:RDF>", 1)]


def _crop_marks(x0: float, y0: float, x1: float, y1: float) -> bytes:
    """Return the drawing of eight crop marks around the trim box (x0, y0)-(x1, y1) in
    PDF coordinates, in the registration colour, marked as a page artifact."""
    near, far = MARK_OFFSET, MARK_OFFSET + MARK_LENGTH
    lines = []
    for x, outward_x in ((x0, -1), (x1, 1)):
        for y, outward_y in ((y0, -1), (y1, 1)):
            lines.append((x + outward_x * near, y, x + outward_x * far, y))  # along the trim
            lines.append((x, y + outward_y * near, x, y + outward_y * far))  # across it
    path = b"".join(b"%.3f %.3f m %.3f %.3f l\n" % line for line in lines)
    return (b"/Artifact <</Type /Page>> BDC\nq\n%.2f w\n0 J\n1 1 1 1 K\n" % MARK_WIDTH
            + path + b"S\nQ\nEMC")
