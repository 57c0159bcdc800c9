"""Embed CJK fonts as compact CID-keyed CFF, not as OpenType subsets that keep every glyph id.

WeasyPrint 70 writes a glyph's id as its character code and embeds the font subset with
HarfBuzz's RETAIN_GIDS flag (`weasyprint/pdf/fonts.py`, `Font._harfbuzz_subset`), so that
codes and glyph ids stay equal. For Noto Sans CJK (65,000 glyph ids) the subset of a few
hundred glyphs still carries an entry per id: in a 5-page Chinese brochure each face weighs
about 850 KB before compression (hmtx and vmtx 250 KB each, the CFF's CharStrings index
280 KB), and the fonts are 90 % of the file.

PDF has the encoding made for this font kind: a CIDFontType0 whose program is a bare
CID-keyed CFF (FontFile3 /CIDFontType0C), where the CFF's own charset maps each character
code (a CID) to its glyph. Subset without RETAIN_GIDS, HarfBuzz numbers the kept glyphs
0..n but keeps each one's CID in the charset; Noto's CJK fonts give each glyph the CID equal
to its id, so the codes WeasyPrint wrote still name the right glyphs, and the file holds only
the glyphs drawn. The content streams, widths and ToUnicode maps are not touched.

A font is compacted only when that holds: an OpenType CFF face, CID-keyed, with the
subset's charset giving every kept glyph its original id as its CID (checked with fontTools
on each subset); any other font is embedded by WeasyPrint as before.

It wraps one private function, `weasyprint.pdf.build_fonts_dictionary`: the version check
in actualtext.install refuses another WeasyPrint, and tests/test_compact_fonts.py checks the
embedded programs of the Chinese and Korean brochures, their size, and that each code
still draws the installed font's glyph of that id.
"""

from __future__ import annotations

import io
import logging

import pydyf
from fontTools.cffLib import CFFFontSet
from weasyprint import pdf as weasyprint_pdf
from weasyprint.text.ffi import ffi, harfbuzz, harfbuzz_subset

log = logging.getLogger(__name__)

CFF_PROGRAM = "/CIDFontType0C"  # FontFile3's subtype for a bare CID-keyed CFF
LAYOUT_TABLES = (b"BASE", b"GDEF", b"GPOS", b"GSUB", b"JSTF", b"MATH")


def install() -> None:
    """Wrap WeasyPrint's font dictionary builder, once."""
    original = weasyprint_pdf.build_fonts_dictionary
    if getattr(original, "compact", False):
        return

    def build_fonts_dictionary(pdf, fonts, compress, subset, options):  # noqa: ANN001, ANN202
        programs = _compact_programs(fonts, options["hinting"]) if subset else {}
        result = original(pdf, fonts, compress, subset, options)
        for obj in pdf.objects:
            if isinstance(obj, pydyf.Stream) and obj.stream and id(obj.stream[0]) in programs:
                obj.stream = [programs[id(obj.stream[0])][1]]
                obj.extra["Subtype"] = CFF_PROGRAM
        return result

    build_fonts_dictionary.compact = True
    weasyprint_pdf.build_fonts_dictionary = build_fonts_dictionary


def _compact_programs(fonts: dict, hinting: bool) -> dict[int, tuple[bytes, bytes]]:
    """Subset each eligible font file as a compact CFF; make WeasyPrint embed a marker for
    it instead (an "OTTO" string, so that it writes FontFile3 and CIDFontType0), and return
    {id(marker): (marker, program)} so that the marker can be swapped for the program."""
    if harfbuzz_subset is None:  # WeasyPrint subsets with fontTools then, as it wishes
        return {}
    groups: dict[str, list] = {}
    for font in fonts.values():
        groups.setdefault(font.hash, []).append(font)
    programs = {}
    for file_fonts in groups.values():
        font = file_fonts[0]
        if (font.bitmap or font.used_in_forms or font.missing or font.png or font.svg
                or font.colr or "fvar" in font.tables or "CFF " not in font.tables):
            continue
        used = sorted({gid for f in file_fonts for gid in f.to_unicode} | {0})
        program = compact_cff(font.hb_face, used, hinting)
        if program is None:
            continue
        marker = b"OTTO" + program  # a new object, and what Font.type reads as OpenType CFF
        programs[id(marker)] = (marker, program)

        def clean(to_unicode, hinting, font=font, marker=marker):  # noqa: ANN001, ANN202, ARG001
            font.file_content = marker

        font.clean = clean
    return programs


def compact_cff(hb_face, gids: list[int], hinting: bool) -> bytes | None:  # noqa: ANN001
    """Return the CFF table of the face subset to `gids` (sorted, with 0), or None unless the
    face is CID-keyed with each glyph's CID equal to its id (then the subset's charset maps
    each code WeasyPrint wrote to the glyph it meant)."""
    if not _table(hb_face, b"CFF ", _cids_are_glyph_ids):
        return None
    subset_input = ffi.gc(harfbuzz_subset.hb_subset_input_create_or_fail(),
                          harfbuzz_subset.hb_subset_input_destroy)
    glyphs = harfbuzz_subset.hb_subset_input_glyph_set(subset_input)
    array = ffi.new(f"hb_codepoint_t[{len(gids)}]", gids)
    harfbuzz.hb_set_add_sorted_array(glyphs, array, len(gids))
    flags = (harfbuzz_subset.HB_SUBSET_FLAGS_DESUBROUTINIZE
             | harfbuzz_subset.HB_SUBSET_FLAGS_NO_LAYOUT_CLOSURE)
    if not hinting:
        flags |= harfbuzz_subset.HB_SUBSET_FLAGS_NO_HINTING
    harfbuzz_subset.hb_subset_input_set_flags(subset_input, flags)
    # Only the CFF table is embedded: without the layout tables HarfBuzz adds no glyphs
    # that substitutions could reach (vertical forms, alternates), only those drawn.
    drop = harfbuzz_subset.hb_subset_input_set(
        subset_input, harfbuzz_subset.HB_SUBSET_SETS_DROP_TABLE_TAG)
    tags = sorted(harfbuzz.hb_tag_from_string(tag, -1) for tag in LAYOUT_TABLES)
    harfbuzz.hb_set_add_sorted_array(drop, ffi.new(f"hb_tag_t[{len(tags)}]", tags), len(tags))
    face = harfbuzz_subset.hb_subset_or_fail(hb_face, subset_input)
    if face == ffi.NULL:
        return None
    face = ffi.gc(face, harfbuzz.hb_face_destroy)
    program = _table(face, b"CFF ", bytes)
    if not program or not _holds(program, gids):
        return None
    return _ros_first(program)


def _table(hb_face, tag: bytes, read):  # noqa: ANN001, ANN202
    """Return read(buffer) of a face's table, read in place; read(b"") if it has none."""
    blob = harfbuzz.hb_face_reference_table(hb_face, harfbuzz.hb_tag_from_string(tag, -1))
    try:
        length = ffi.new("unsigned int *")
        data = harfbuzz.hb_blob_get_data(blob, length)
        return read(ffi.buffer(data, length[0]) if length[0] else b"")
    finally:
        harfbuzz.hb_blob_destroy(blob)


def _holds(program: bytes, gids: list[int]) -> bool:
    """Say whether a subset CFF is CID-keyed and has a glyph for the CID of each id."""
    try:
        fonts = CFFFontSet()
        fonts.decompile(io.BytesIO(program), None)
        top = fonts[fonts.fontNames[0]]
        names = set(top.charset)
    except Exception:  # noqa: BLE001 (any font HarfBuzz made that fontTools cannot read)
        log.debug("cannot read a compacted CFF", exc_info=True)
        return False
    return hasattr(top, "ROS") and all(f"cid{gid:05d}" in names for gid in gids if gid)


# --- Reading a CFF's charset in place (a CJK CFF is 15 MB: fontTools would parse it all) --

CHARSET, CHARSTRINGS, ROS = 15, 17, (12, 30)


def _cids_are_glyph_ids(cff) -> bool:  # noqa: ANN001 (a buffer)
    """Say whether a CFF is CID-keyed and its charset gives glyph i the CID i, for all i."""
    try:
        data = memoryview(cff)
        offset = data[2]  # hdrSize
        offset = _skip_index(data, offset)  # Name INDEX
        top = _dict(_first_in_index(data, offset))
        if ROS not in top or CHARSET not in top or CHARSTRINGS not in top:
            return False
        glyphs = int.from_bytes(data[top[CHARSTRINGS]:top[CHARSTRINGS] + 2], "big")
        return _identity_charset(data, top[CHARSET], glyphs)
    except (IndexError, ValueError):
        return False


def _identity_charset(data: memoryview, offset: int, glyphs: int) -> bool:
    """Say whether the charset at `offset` maps glyph 1..glyphs-1 to 1..glyphs-1."""
    kind, position, gid = data[offset], offset + 1, 1
    if kind not in (0, 1, 2):
        return False
    while gid < glyphs:
        first = int.from_bytes(data[position:position + 2], "big")
        if first != gid:
            return False
        if kind == 0:
            position, gid = position + 2, gid + 1
            continue
        size = 1 if kind == 1 else 2
        left = int.from_bytes(data[position + 2:position + 2 + size], "big")
        position, gid = position + 2 + size, gid + left + 1
    return gid == glyphs


def _skip_index(data: memoryview, offset: int) -> int:
    """Return the offset just after the INDEX at `offset`."""
    count = int.from_bytes(data[offset:offset + 2], "big")
    if count == 0:
        return offset + 2
    size = data[offset + 2]
    last = offset + 3 + count * size
    return last + size - 1 + int.from_bytes(data[last:last + size], "big")


def _first_in_index(data: memoryview, offset: int) -> memoryview:
    """Return the first item of the INDEX at `offset`."""
    start, end = _first_span(data, offset)
    return data[start:end]


def _first_span(data: memoryview, offset: int) -> tuple[int, int]:
    """Return where the first item of the INDEX at `offset` starts and ends."""
    count, size = int.from_bytes(data[offset:offset + 2], "big"), data[offset + 2]
    if count == 0:
        raise ValueError("empty INDEX")
    base = offset + 3 + (count + 1) * size - 1
    first = int.from_bytes(data[offset + 3:offset + 3 + size], "big")
    second = int.from_bytes(data[offset + 3 + size:offset + 3 + 2 * size], "big")
    return base + first, base + second


def _ros_first(program: bytes) -> bytes:
    """Return the CFF with ROS moved to the front of its Top DICT, where the CFF
    specification (Adobe TN 5176, "CIDFonts") requires it and where readers such as
    veraPDF look for it; HarfBuzz 6 writes it later. The DICT keeps its length, so no
    offset changes."""
    data = memoryview(program)
    start, end = _first_span(data, _skip_index(data, data[2]))
    entries = list(_entries(data[start:end]))
    ros = [entry for entry in entries if entry[0] == ROS]
    if not ros or entries[0][0] == ROS:
        return program
    top = data[start:end]
    order = ros + [entry for entry in entries if entry[0] != ROS]
    moved = b"".join(bytes(top[a:b]) for _, _, a, b in order)
    return program[:start] + moved + program[end:]


def _dict(data: memoryview) -> dict:
    """Return a CFF DICT's operators and their first operand (an int; reals read as 0)."""
    return {key: first for key, first, _, _ in _entries(data)}


def _entries(data: memoryview):  # noqa: ANN202
    """Yield each DICT entry: (operator, first operand, start, end), operands included."""
    operands, i, start = [], 0, 0
    while i < len(data):
        b0 = data[i]
        if b0 <= 21:  # an operator
            key = (12, data[i + 1]) if b0 == 12 else b0
            i += 2 if b0 == 12 else 1
            yield key, (operands[0] if operands else 0), start, i
            operands, start = [], i
        elif b0 == 28:
            operands.append(int.from_bytes(data[i + 1:i + 3], "big", signed=True))
            i += 3
        elif b0 == 29:
            operands.append(int.from_bytes(data[i + 1:i + 5], "big", signed=True))
            i += 5
        elif b0 == 30:  # a real: nibbles up to an 0xf
            i += 1
            while data[i] & 0x0F != 0x0F and data[i] >> 4 != 0x0F:
                i += 1
            i += 1
            operands.append(0)
        elif 32 <= b0 <= 246:
            operands.append(b0 - 139)
            i += 1
        elif 247 <= b0 <= 250:
            operands.append((b0 - 247) * 256 + data[i + 1] + 108)
            i += 2
        elif 251 <= b0 <= 254:
            operands.append(-(b0 - 251) * 256 - data[i + 1] - 108)
            i += 2
        else:
            raise ValueError(f"reserved DICT byte {b0}")
