"""CJK fonts are embedded as compact CID-keyed CFF (brochurekit/compactfonts.py): only the
glyphs drawn, each still the glyph its code names, so that the page and its text are what
WeasyPrint laid out and the file is half the size."""

from __future__ import annotations

import io

import pytest
from fontTools.cffLib import CFFFontSet
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont

from brochurekit.compactfonts import _cids_are_glyph_ids
from brochurekit.fonts import find_font
from conftest import TOPICS

CJK = ("zh_Hans", "zh_Hant", "ko")
# A CJK glyph's outline costs about 250 bytes compressed; an entry per glyph id of a
# 65,000-glyph font cost 400 KB or more a face (the fonts were 90 % of a 450 KB brochure).
MAX_BYTES_PER_GLYPH = 400


def cjk_programs(reader) -> dict[str, tuple[bytes, set[int], object]]:  # noqa: ANN001
    """Return {font name: (embedded program, codes drawn, FontFile3 stream)} for each
    CIDFontType0 font of a PDF, codes read from its widths (/W)."""
    found = {}
    for page in reader.pages:
        for ref in page["/Resources"].get("/Font", {}).values():
            font = ref.get_object()
            if "/DescendantFonts" not in font:
                continue
            cid_font = font["/DescendantFonts"][0].get_object()
            if cid_font["/Subtype"] != "/CIDFontType0":
                continue
            widths, codes, i = cid_font["/W"], set(), 0
            while i < len(widths):
                codes |= set(range(widths[i], widths[i] + len(widths[i + 1])))
                i += 2
            stream = cid_font["/FontDescriptor"].get_object()["/FontFile3"].get_object()
            name = str(cid_font["/BaseFont"])
            previous = found.get(name, (None, set()))[1]
            found[name] = (stream.get_data(), codes | previous, stream)
    return found


def read_cff(program: bytes):  # noqa: ANN201
    fonts = CFFFontSet()
    fonts.decompile(io.BytesIO(program), None)
    return fonts[fonts.fontNames[0]]


def installed_bounds(family: str, codes: list[int]) -> dict[int, tuple | None]:
    """The bounding box of glyph id `code` of the installed face, for each code."""
    font = find_font(family)
    with TTFont(font.path, fontNumber=font.index, lazy=True) as face:
        glyphs, order = face.getGlyphSet(), face.getGlyphOrder()
        return {code: bounds(glyphs[order[code]], glyphs) for code in codes}


def bounds(glyph, glyphs) -> tuple | None:  # noqa: ANN001
    pen = BoundsPen(glyphs)
    glyph.draw(pen)
    return pen.bounds


@pytest.mark.parametrize("topic", TOPICS)
@pytest.mark.parametrize("lang", CJK)
def test_cjk_fonts_hold_only_the_glyphs_drawn(pdfs, lang, topic):
    programs = cjk_programs(pdfs[(lang, topic)])
    assert programs, "no CJK font embedded"
    for name, (program, codes, stream) in programs.items():
        assert stream["/Subtype"] == "/CIDFontType0C", name
        top = read_cff(program)
        assert top.ROS == ("Adobe", "Identity", 0), name
        # Every code drawn is a CID of the program, and the program holds nothing else.
        cids = {0 if glyph == ".notdef" else int(glyph[3:]) for glyph in top.charset}
        assert codes <= cids, f"{name}: codes with no glyph {sorted(codes - cids)[:10]}"
        # HarfBuzz keeps a few more: glyphs of variation sequences (cmap format 14).
        assert len(cids - codes - {0}) <= 8, name
        assert len(stream._data) <= MAX_BYTES_PER_GLYPH * len(codes), name


@pytest.mark.parametrize("lang", CJK)
def test_each_code_still_draws_the_glyph_it_named(pdfs, lang):
    """The embedded glyph for each code has the outline of the installed font's glyph of
    that id (the id WeasyPrint wrote): compared by bounding box, which a shifted mapping
    changes for almost every Han or Hangul glyph."""
    program, codes, _ = max(cjk_programs(pdfs[(lang, TOPICS[0])]).values(),
                            key=lambda found: len(found[1]))
    top = read_cff(program)
    family = "Noto Sans CJK KR" if lang == "ko" else (
        "Noto Sans CJK SC" if lang == "zh_Hans" else "Noto Sans CJK TC")
    sample = [code for code in sorted(codes)[:: max(1, len(codes) // 60)] if code]
    assert len(sample) >= 30
    installed = installed_bounds(family, sample)
    for code in sample:
        embedded = bounds(top.CharStrings[f"cid{code:05d}"], top.CharStrings)
        assert embedded == installed[code], f"code {code}"


def test_only_identity_charsets_are_compacted():
    """The check that lets a font be compacted reads the installed CJK fonts as identity
    (CID i is glyph i) and refuses a CFF whose charset is not."""
    font = find_font("Noto Sans CJK SC")
    with TTFont(font.path, fontNumber=font.index, lazy=True) as face:
        cff = face.reader["CFF "]
    assert _cids_are_glyph_ids(cff)
    top = read_cff(cff)
    offset = top.rawDict["charset"]
    assert cff[offset] == 2  # one range, 1..65534, in Noto's fonts
    shifted = bytearray(cff)
    shifted[offset + 1:offset + 3] = (2).to_bytes(2, "big")  # the range starts at CID 2
    assert not _cids_are_glyph_ids(bytes(shifted))
    assert not _cids_are_glyph_ids(b"")
