"""Give Indic and right-to-left text its own text in the PDF (/ActualText), so that copy,
search and screen readers get what is printed.

WeasyPrint 70 maps each glyph to text once per font, from the first cluster it draws it in
(`weasyprint/draw/text.py`, `font.to_unicode`). In Gurmukhi, HarfBuzz draws the vowel
sign ਿ before its consonant and WeasyPrint gives the whole cluster's text to one glyph: after
"ਹਿ", the glyph ਹ copies out as "ਹਿ" everywhere, so every "ਹੈ" reads "ਹਿੈ", and the ਿ glyph
copies out as nothing (Kozea/WeasyPrint#2841). The page is right; its text layer is not.

PDF has the mechanism for this: marked content with /ActualText gives the logical text of
what it draws, whatever its glyphs. WeasyPrint already wraps each line's text box in a /Span
marked-content sequence with its structure id (MCID); this adds the box's text to that
sequence's properties, for text in the scripts listed below.

Right-to-left text needs a finer grain: see "Right-to-left text" below.

It replaces two private functions, `weasyprint.pdf.stream.Stream.marked` and
`weasyprint.draw.text.draw_first_line`: the version check below refuses any other
WeasyPrint, the glyph check in `_ClusterStream` fails the build if WeasyPrint draws other
glyphs than its layout holds, and tests/test_accessibility.py fails if the Punjabi, Arabic
or Persian text layer stops matching the page.
"""

from __future__ import annotations

import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass

import pydyf
import weasyprint
from weasyprint.draw import text as draw_text
from weasyprint.formatting_structure import boxes
from weasyprint.pdf.stream import Stream
from weasyprint.text.ffi import ffi, pango

SUPPORTED = "70.0"
# Scripts whose shaping reorders or merges glyphs of a cluster: Devanagari to Malayalam
# (Gurmukhi is U+0A00-U+0A7F), Sinhala, Thai, Lao, Tibetan, Myanmar, Khmer.
REORDERED = re.compile("[\u0900-\u0dff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]")


def needs_actual_text(text: str) -> bool:
    """Say whether a run of text is in a script whose glyphs may not map back to it."""
    return REORDERED.search(text) is not None


def install() -> None:
    """Wrap WeasyPrint's marked-content writer and line drawing, once; refuse a WeasyPrint
    not checked."""
    if getattr(Stream.marked, "actual_text", False):
        return
    if weasyprint.__version__ != SUPPORTED:
        raise RuntimeError(
            f"brochurekit/actualtext.py adapts WeasyPrint {SUPPORTED}'s private "
            f"Stream.marked; WeasyPrint {weasyprint.__version__} is installed. Check that "
            "method (weasyprint/pdf/stream.py) and the Punjabi text-layer tests, then "
            "update SUPPORTED.")
    original = Stream.marked

    @contextmanager
    def marked(self, box, tag):  # noqa: ANN001, ANN202
        if (self._tags is None or tag != "Span" or not isinstance(box, boxes.TextBox)
                or not needs_actual_text(box.text)):
            with original(self, box, tag):
                yield
            return
        # As WeasyPrint's own, plus the text: the structure tree still finds the MCID.
        mcid = len(self._tags)
        assert box not in self._tags
        self._tags[box] = {"tag": tag, "mcid": mcid}
        properties = pydyf.Dictionary({"MCID": mcid, "ActualText": pydyf.String(box.text)})
        pydyf.Stream.begin_marked_content(self, tag, properties)
        try:
            yield
        finally:
            pydyf.Stream.end_marked_content(self)

    marked.actual_text = True
    Stream.marked = marked
    _install_right_to_left()


# Right-to-left text --------------------------------------------------------------------------
#
# WeasyPrint 70 draws an Arabic line's glyphs left to right, as they are seen, and PDF readers
# turn them back into reading order by their position. Two things go wrong
# (Kozea/WeasyPrint#2841):
# - A glyph is mapped to text once per font, from the first cluster drawn with it, so a
#   cluster of several glyphs (alef with hamza is alef plus a hamza glyph in Noto Naskh)
#   can copy out as the wrong letter or as nothing: "أو" ("or") copied out as "و" ("and").
# - A vowel mark is a glyph of its own, raised with the text rise (Ts): poppler puts it on a
#   line of its own, PDFium next to the wrong letter.
# So each right-to-left cluster that has marks, several glyphs or a wrong mapping is wrapped
# in a /Span with /ActualText: its letter with its marks, or its letters.
#
# The text is written in drawing order, like the glyphs it replaces: poppler (pdftotext) and
# PDFium both read /ActualText as drawn text and reorder it with the rest of the line. Given
# the letters in reading order, both copy every such cluster out backwards (measured with
# poppler 22.12 and PDFium 159; tests/test_accessibility.py checks it on every Arabic and
# Persian brochure). One disagreement is left: for a letter with a vowel mark, poppler puts
# the mark after its letter and PDFium before it.
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
GLYPHS = re.compile(r"<([0-9a-f]*)>|(-?[0-9.]+(?:e[+-]?[0-9]+)?)")


@dataclass
class Cluster:
    """Glyphs drawn for one letter and its marks, in drawing order, with their text."""

    font: object
    glyphs: list[int]
    text: str
    rtl: bool

    def actual_text(self) -> str | None:
        """Return the text to give the cluster's glyphs, or None if they map to it."""
        if not self.rtl or self.text.isspace():
            return None
        drawn = self.text[::-1]
        mapped = "".join(self.font.to_unicode.get(glyph, "") for glyph in self.glyphs)
        return None if len(self.glyphs) == 1 and mapped == drawn else drawn


def _is_mark(text: str) -> bool:
    return all(unicodedata.category(c) in ("Mn", "Me", "Mc") for c in text)


def clusters(stream: Stream, textbox: boxes.TextBox) -> list[Cluster]:
    """Return the clusters of a text box's line in drawing order, marks joined to the
    letter they sit on (drawn after them in right-to-left text)."""
    line, _ = textbox.pango_layout.get_first_line()
    utf8 = textbox.pango_layout.text.encode()
    found: list[Cluster] = []
    run = line.runs[0]
    while run != ffi.NULL:
        item, run = run.data, run.next
        glyphs, count = item.glyphs, item.glyphs.num_glyphs
        offset, length = item.item.offset, item.item.length
        font, _ = stream.add_font(item.item.analysis.font)
        rtl = bool(item.item.analysis.level % 2)
        starts = sorted({glyphs.log_clusters[i] for i in range(count)})
        ends = dict(zip(starts, [*starts[1:], length], strict=True))
        pending: Cluster | None = None  # right-to-left marks, waiting for their letter
        previous = None
        for i in range(count):
            start, glyph = glyphs.log_clusters[i], glyphs.glyphs[i].glyph
            if start == previous:
                (pending or found[-1]).glyphs.append(glyph)
                continue
            previous = start
            text = utf8[offset + start:offset + ends[start]].decode()
            if _is_mark(text) and rtl:
                if pending:
                    pending.glyphs.append(glyph)
                    pending.text = text + pending.text
                else:
                    pending = Cluster(font, [glyph], text, rtl)
            elif _is_mark(text) and found and found[-1].font is font:
                found[-1].glyphs.append(glyph)
                found[-1].text += text
            else:
                if pending:
                    found.append(Cluster(font, [*pending.glyphs, glyph], text + pending.text, rtl))
                    pending = None
                else:
                    found.append(Cluster(font, [glyph], text, rtl))
        if pending:
            found.append(pending)
    return found


@dataclass
class _Operand:
    """One operand of a TJ: a glyph (with the text rise it is drawn with) or a move."""

    code: str  # "<0123>" or a number, in thousandths of the font size
    glyph: int | None = None
    rise: float = 0.0


class _ClusterStream:
    """A stream that passes everything to WeasyPrint's, except the glyph strings and text
    rises of the line: it holds them and writes them again, each cluster that needs it in
    an /ActualText span."""

    def __init__(self, stream: Stream, textbox: boxes.TextBox):
        self._stream, self._textbox = stream, textbox
        self._queue: list[tuple[int, int, int]] | None = None  # (cluster, glyph, hex digits)
        self._clusters: list[Cluster] = []
        self._drawn = 0
        self._current: int | None = None
        self._text: str | None = None  # the /ActualText of the operands held, if any
        self._held: list[_Operand] = []
        self._rise = self._rise_shown = 0.0

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._stream, name)

    def set_text_rise(self, height: float) -> None:
        """Note the rise of the glyphs that follow; it is written with them."""
        self._rise = height

    def set_font_size(self, font: str, size: float) -> None:
        """Write the held glyphs, then change font (a new run starts a new cluster)."""
        self.close()
        self._stream.set_font_size(font, size)

    def show_text(self, string: str) -> None:
        """Hold a glyph string's operands, cluster by cluster."""
        if self._queue is None:
            self._clusters = clusters(self._stream, self._textbox)
            self._queue = [(k, glyph, 2 if cluster.font.bitmap else 4)
                           for k, cluster in enumerate(self._clusters)
                           for glyph in cluster.glyphs if glyph != pango.PANGO_GLYPH_EMPTY]
        for match in GLYPHS.finditer(string):
            codes, number = match.groups()
            if number is not None:
                self._held.append(_Operand(number))
            while codes:
                k, glyph, digits = self._next_glyph()
                code, codes = codes[:digits], codes[digits:]
                if int(code, 16) != glyph and not glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG:
                    raise RuntimeError(
                        f"brochurekit/actualtext.py: WeasyPrint drew glyph {code}, expected "
                        f"{glyph:04x}; its text drawing changed (weasyprint/draw/text.py)")
                if k != self._current:
                    self._enter(k)
                self._held.append(_Operand(f"<{code}>", int(code, 16), self._rise))

    def _next_glyph(self) -> tuple[int, int, int]:
        if self._drawn >= len(self._queue):
            raise RuntimeError("brochurekit/actualtext.py: WeasyPrint drew more glyphs than "
                               "its layout holds; its text drawing changed")
        self._drawn += 1
        return self._queue[self._drawn - 1]

    def _enter(self, k: int) -> None:
        """Start cluster `k`: write what is held if a span ends or starts here."""
        self._current = k
        text = self._clusters[k].actual_text()
        if text is None and self._text is None:
            return  # clusters that copy out as they are share their TJs
        moves = []  # the moves before a raised mark belong to it
        while self._held and self._held[-1].glyph is None:
            moves.insert(0, self._held.pop())
        if sum(float(move.code) for move in moves) >= 0:
            self._held += moves
            moves = []
        self.close()
        self._text, self._held = text, moves

    def close(self) -> None:
        """Write the operands held, in their /ActualText span if they have one."""
        if self._text is not None:
            properties = pydyf.Dictionary({"ActualText": pydyf.String(self._text)})
            pydyf.Stream.begin_marked_content(self._stream, "Span", properties)
            self._write(self._held)
            pydyf.Stream.end_marked_content(self._stream)
        else:
            self._write(self._held)
        self._text, self._held = None, []

    def finish(self) -> None:
        """Write what is held and leave the text rise as WeasyPrint set it."""
        self.close()
        if self._rise != self._rise_shown:
            self._stream.set_text_rise(self._rise)

    def _write(self, operands: list[_Operand]) -> None:
        """Write operands as TJs, a new one wherever the text rise changes."""
        piece: list[str] = []
        for operand in operands:
            if operand.glyph is not None and operand.rise != self._rise_shown:
                moves = 0  # the moves just before the glyph go with it
                while moves < len(piece) and not piece[-1 - moves].startswith("<"):
                    moves += 1
                self._show(piece[:len(piece) - moves])
                piece = piece[len(piece) - moves:]
                self._stream.set_text_rise(operand.rise)
                self._rise_shown = operand.rise
            piece.append(operand.code)
        self._show(piece)

    def _show(self, piece: list[str]) -> None:
        """Show operands as one TJ. A move back before the first glyph (after a raised
        mark) is shown apart: PDFium orders a line's text objects by where they start, and
        one that started right of its glyph could be read after the next cluster."""
        lead = 0
        while lead < len(piece) and not piece[lead].startswith("<"):
            lead += 1
        if 0 < lead < len(piece) and sum(float(move) for move in piece[:lead]) > 0:
            self._stream.show_text(" ".join(piece[:lead]))
            piece = piece[lead:]
        if piece:
            self._stream.show_text(" ".join(piece))


def _install_right_to_left() -> None:
    original = draw_text.draw_first_line

    def draw_first_line(stream, textbox, *args):  # noqa: ANN001, ANN202
        if not RIGHT_TO_LEFT.search(textbox.text):
            return original(stream, textbox, *args)
        tagged = _ClusterStream(stream, textbox)
        try:
            return original(tagged, textbox, *args)
        finally:
            tagged.finish()

    draw_text.draw_first_line = draw_first_line
