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

import functools
import io
import itertools
import re
import unicodedata
from contextlib import contextmanager
from dataclasses import dataclass, field

import pydyf
from fontTools.pens.basePen import BasePen
from fontTools.ttLib import TTFont
from weasyprint import draw
from weasyprint.draw import text as draw_text
from weasyprint.formatting_structure import boxes
from weasyprint.pdf.stream import Stream
from weasyprint.text.ffi import ffi, pango

from .libraries import WEASYPRINT, require_weasyprint

SUPPORTED = WEASYPRINT
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
    require_weasyprint("actualtext.py", "Stream.marked",
                       "Check that method (weasyprint/pdf/stream.py) and the Punjabi "
                       "text-layer tests")
    original = Stream.marked

    @contextmanager
    def marked(self, box, tag):  # noqa: ANN001, ANN202
        if tag == "Span" and isinstance(box, boxes.TextBox):
            _across_boxes(self, box)  # before its marked content: see "Across text boxes"
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
# turn them back into reading order from where and in which order they are drawn. Each reader
# has its own rules; these were measured with poppler 22.12 and PDFium 159 and are checked on
# every Arabic and Persian brochure by tests/test_accessibility.py.
# - Glyph names. A glyph is mapped to text once per font, from the first cluster drawn with
#   it, and a cluster's whole text goes to its first glyph (Kozea/WeasyPrint#2841): after
#   "أُ", drawn damma first, every "أ" of the font copied out as nothing and every damma as
#   "أُ" ("أو", "or", became "و", "and"). Cluster.name_glyphs() names each glyph from its own
#   cluster before WeasyPrint does: a letter's glyph its letter, a mark's glyph its mark.
# - Vowel marks. A mark is a glyph of its own raised with the text rise (Ts), so a PDF text
#   object of its own, above the line: poppler put it on a line of its own, and PDFium,
#   which sorts a line's text objects by where they start and breaks the line where one
#   rises, read words of the line out of order or twice. A raised mark is drawn as its
#   outline, after the line, and its text is drawn again, invisible, on the baseline just
#   before its letter, which both readers then read after the letter
#   (_ClusterStream._marks_apart); where the letter's glyph does not name it, the letter's
#   glyph is wrapped in a /Span whose /ActualText is the letter with its marks, in drawing
#   order, which PDFium reads mark first. What is printed is unchanged.
# - The direction of a line. PDFium reads a line right to left if it has more right-to-left
#   runs than left-to-right ones, or if the document says it reads right to left
#   (/ViewerPreferences /Direction /R2L). A right-to-left document says so (finish, below),
#   so every line of it is read right to left, English ones too; a line with as many runs of
#   each ("العجاني (APR).") or more Latin (a source's English title with its Arabic date) was
#   read left to right, its Arabic words back to front.
# - Left-to-right runs. PDFium turns around every run of one direction class in a line it
#   reads right to left, left-to-right ones too ("5-FU" copied out as "FU5-"), and takes a
#   text object's characters in the order they are drawn: a left-to-right run is drawn
#   piece by piece from its last, each glyph where it was (_ClusterStream._in_pdfium_order).
#   Poppler reads by position and is not affected. A run that goes on in another text
#   object (a link, another font) would be swapped with it: PDFium's line is ended between
#   them (_across_boxes, _ClusterStream._between_fonts).
# - Blocks side by side: see _side_by_side below.
# Left as it is (tests/test_accessibility.py names it): poppler reads a page with more Latin
# than Arabic letters (the references, an English half) left to right, and an Arabic line
# there with punctuation comes out in runs. A right-to-left mark in the /ActualText of a tie
# line's end made PDFium read "العجاني (APR)." right to left, but split the glyph it was
# given to into a text object of its own, which broke Latin runs ("Cance Anal Treating
# :Society Cancer American r"): the document's direction does it for every line.
RIGHT_TO_LEFT = re.compile("[\u0590-\u08ff\ufb1d-\ufdff\ufe70-\ufefc]")
GLYPHS = re.compile(r"<([0-9a-f]*)>|(-?[0-9.]+(?:e[+-]?[0-9]+)?)")


@dataclass
class Cluster:
    """Glyphs drawn for one letter and its marks, in drawing order, with their text."""

    font: object
    glyphs: list[int]
    text: str
    rtl: bool
    spacing: list[bool] = field(default_factory=list)  # per glyph: does it advance the pen?

    def name_glyphs(self) -> None:
        """Map the cluster's glyphs to their own text in the font's ToUnicode, if no
        cluster has yet: a one-glyph cluster to its text, a letter's glyph to the letter
        and a lone mark glyph to the marks. WeasyPrint gives a cluster's whole text to the
        glyph drawn first and nothing to the others, so after "أُ" (a mark drawn before
        its letter) every "أ" of the font copied out as nothing and every damma as "أُ"."""
        mapping = self.font.to_unicode
        glyphs = [glyph for glyph in self.glyphs if glyph != pango.PANGO_GLYPH_EMPTY
                  and not glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG]
        if len(glyphs) == 1 and len(self.glyphs) == 1:
            mapping.setdefault(glyphs[0], self.text)
            return
        drawn = [(glyph, spacing) for glyph, spacing in zip(self.glyphs, self.spacing,
                                                             strict=True) if glyph in glyphs]
        bases = [glyph for glyph, spacing in drawn if spacing]
        marks = [glyph for glyph, spacing in drawn if not spacing]
        letters = "".join(c for c in self.text if not _is_mark(c))
        signs = "".join(c for c in self.text if _is_mark(c))
        if len(bases) == 1 and letters:
            mapping.setdefault(bases[0], letters)
        if len(marks) == 1 and signs:
            mapping.setdefault(marks[0], signs)

    def drawn(self) -> str:
        """Return the cluster's text in drawing order, as its glyphs are drawn."""
        return self.text[::-1] if self.rtl else self.text

    def actual_text(self) -> str | None:
        """Return the text to give the cluster's glyphs, or None if they map to it."""
        if not self.rtl or self.text.isspace():
            return None
        drawn = self.drawn()
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
            spacing = glyphs.glyphs[i].geometry.width != 0
            if start == previous:
                (pending or found[-1]).glyphs.append(glyph)
                (pending or found[-1]).spacing.append(spacing)
                continue
            previous = start
            text = utf8[offset + start:offset + ends[start]].decode()
            if _is_mark(text) and rtl:
                if pending:
                    pending.glyphs.append(glyph)
                    pending.spacing.append(spacing)
                    pending.text = text + pending.text
                else:
                    pending = Cluster(font, [glyph], text, rtl, [spacing])
            elif _is_mark(text) and found and found[-1].font is font:
                found[-1].glyphs.append(glyph)
                found[-1].spacing.append(spacing)
                found[-1].text += text
            else:
                if pending:
                    found.append(Cluster(font, [*pending.glyphs, glyph], text + pending.text,
                                         rtl, [*pending.spacing, spacing]))
                    pending = None
                else:
                    found.append(Cluster(font, [glyph], text, rtl, [spacing]))
        if pending:
            found.append(pending)
    return found


@dataclass
class _Operand:
    """One operand of a TJ: a glyph (with its font and the text rise it is drawn with) or
    a move."""

    code: str  # "<0123>" or a number, in thousandths of the font size
    glyph: int | None = None
    rise: float = 0.0
    font: object = None
    cluster: int | None = None


class _ClusterStream:
    """A stream that passes everything to WeasyPrint's, except the glyph strings and text
    rises of the line: it holds them and writes them again, each cluster that needs it in
    an /ActualText span, and its raised marks as outlines drawn after the line."""

    def __init__(self, stream: Stream, textbox: boxes.TextBox, found: list[Cluster] | None):
        self._stream, self._textbox = stream, textbox
        self._queue: list[tuple[int, int, int]] | None = None  # (cluster, glyph, hex digits)
        self._clusters: list[Cluster] = found or []
        self._drawn = 0
        self._current: int | None = None
        self._text: str | None = None  # the /ActualText of the operands held, if any
        self._held: list[_Operand] = []
        self._rise = self._rise_shown = 0.0
        self._matrix: tuple[float, ...] = (1, 0, 0, 1, 0, 0)
        self._size = 1.0
        self._pen = 0.0  # along the line from the text matrix, in text space
        self._marks: list[tuple[object, int, float, float, float]] = []

    def __getattr__(self, name: str):  # noqa: ANN204
        return getattr(self._stream, name)

    def set_text_matrix(self, *values: float) -> None:
        """Start the line: the pen is at the matrix's origin."""
        self.close()
        self._matrix, self._pen = values, 0.0
        self._stream.set_text_matrix(*values)

    def set_text_rise(self, height: float) -> None:
        """Note the rise of the glyphs that follow; it is written with them."""
        self._rise = height

    def set_font_size(self, font: str, size: float) -> None:
        """Write the held glyphs, then change font (a new run starts a new cluster)."""
        self.close()
        self._size = size
        self._stream.set_font_size(font, size)
        if _line.right_to_left and self._queue and self._drawn < len(self._queue):
            self._between_fonts()

    def _between_fonts(self) -> None:
        """End PDFium's line where a left-to-right term goes on in another font.

        A term in two fonts (a Persian temperature: the Naskh has no "°C", Noto Sans no
        Persian digits) is two text objects, which PDFium would swap as it swaps two text
        boxes ("Across text boxes" below). Inside the term's marked content an artifact
        may not be drawn, so the line is ended by an invisible glyph drawn off the page,
        which poppler throws away, in a /Span whose /ActualText is a ZERO WIDTH SPACE."""
        k = self._queue[self._drawn][0]
        if any(cluster.rtl for cluster in self._clusters) or not (
                _has_words("".join(cluster.text for cluster in self._clusters[:k]))
                and _has_words("".join(cluster.text for cluster in self._clusters[k:]))):
            return
        glyph = next((glyph for j, glyph, _ in self._queue[self._drawn:]
                      if self._clusters[j].font is self._clusters[k].font
                      and not self._clusters[j].text.isspace()), None)
        if glyph is None:
            return
        pydyf.Stream.begin_marked_content(self._stream, "Span", pydyf.Dictionary(
            {"ActualText": pydyf.String("\u200b")}))
        self._stream.set_text_rendering(3)
        # Off the page, each where it would be (PDFium drops one that repeats another).
        self._stream.set_text_matrix(*self._at_pen(off=-100_000))
        self._stream.show_text(f"<{glyph:0{self._queue[self._drawn][2]}x}>")
        self._stream.set_text_rendering(0)
        pydyf.Stream.end_marked_content(self._stream)
        self._stream.set_text_matrix(*self._at_pen())

    def _at_pen(self, off: float = 0) -> tuple[float, ...]:
        """Return the text matrix that puts the line's origin at the pen (moved `off`
        along both axes)."""
        a, b, c, d, e, f = self._matrix
        return (a, b, c, d, round(e + a * self._pen + off, 3),
                round(f + b * self._pen + off, 3))

    def show_text(self, string: str) -> None:
        """Hold a glyph string's operands, cluster by cluster."""
        if self._queue is None:
            self._clusters = self._clusters or clusters(self._stream, self._textbox)
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
                font = self._clusters[k].font
                self._held.append(_Operand(f"<{code}>", int(code, 16), self._rise, font, k))

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
        moves = []  # the moves before the cluster's first glyph belong to it
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
            # Its raised marks become outlines if a glyph on the baseline keeps the text.
            kept = any(operand.glyph is not None and not operand.rise and
                       not operand.font.bitmap for operand in self._held)
            if kept and self._marks_apart():
                self._write(self._held, as_outlines=True)
            else:
                properties = pydyf.Dictionary({"ActualText": pydyf.String(self._text)})
                pydyf.Stream.begin_marked_content(self._stream, "Span", properties)
                self._write(self._held, as_outlines=kept)
                pydyf.Stream.end_marked_content(self._stream)
        else:
            self._write(self._held, as_outlines=False)
        self._text, self._held = None, []

    def _marks_apart(self) -> bool:
        """Give a right-to-left cluster's raised marks their text apart from its letter,
        if its letter's glyphs are named so: draw them again, invisible, on the baseline, just
        before the letter; return whether it did.

        In the letter's /ActualText (the letter and its marks, in drawing order) poppler
        turns the marks around with the letter, but PDFium turns the /ActualText of a
        right-to-left text object around on its own and then leaves a mark, a run of
        another class, in place: "كُتب" copied out as "ُكتب". A mark drawn before its
        letter, as a text object of its own just before it, is read after it by both."""
        held = [operand for operand in self._held if operand.glyph is not None]
        cluster = self._clusters[held[0].cluster] if held else None
        if cluster is None or not cluster.rtl:
            return False
        raised = [operand for operand in held if operand.rise]
        base = [operand for operand in held if not operand.rise]
        mapping = cluster.font.to_unicode
        letters = "".join(mapping.get(operand.glyph, "") for operand in base)
        if (not raised or any(operand.font is not cluster.font for operand in held)
                or letters != "".join(c for c in cluster.text if not _is_mark(c))):
            return False
        lead = 0.0  # where the letter's glyph is drawn, in thousandths of the font size
        for operand in self._held:
            if operand.glyph is None:
                lead -= float(operand.code)
            elif operand.rise:
                lead += operand.font.widths.get(operand.glyph, 0)
            else:
                break
        # Just before the letter, on the baseline, and back: TJ moves, in thousandths
        # of the font size, leave the pen where it was.
        to = _number(-(lead - 10 / self._size))
        back = _number(lead - 10 / self._size + sum(
            operand.font.widths.get(operand.glyph, 0) for operand in raised))
        if self._rise_shown:
            self._stream.set_text_rise(0)
            self._rise_shown = 0.0
        # Their text last first, as drawn: poppler turns it around (PDFium leaves a run of
        # marks as it is, but two marks of different classes, a shadda and a fatha, are
        # the same text in either order).
        signs = "".join(c for c in cluster.text if _is_mark(c))[::-1]
        self._stream.set_text_rendering(3)
        pydyf.Stream.begin_marked_content(self._stream, "Span", pydyf.Dictionary(
            {"ActualText": pydyf.String(signs)}))
        digits = 2 if cluster.font.bitmap else 4
        self._stream.show_text(f"{to} <" + "".join(f"{operand.glyph:0{digits}x}"
                                                  for operand in raised) + f"> {back}")
        pydyf.Stream.end_marked_content(self._stream)
        self._stream.set_text_rendering(0)
        return True

    def finish(self) -> None:
        """Write what is held, then the marks' outlines, and leave the text rise as
        WeasyPrint set it."""
        self.close()
        if self._rise != self._rise_shown:
            self._stream.set_text_rise(self._rise)
        if not self._marks:
            return
        self._stream.end_text()  # paths are drawn outside text objects
        a, b, c, d, e, f = self._matrix
        for font, glyph, x, rise, size in self._marks:
            form = _mark_form(self._stream, font, glyph)  # one per page and glyph
            if form:
                scale = size / font.upem  # glyph units to text space, then the matrix
                matrix = (*(round(value, 6) for value in (scale * a, scale * b, scale * c,
                                                          scale * d)),
                          round(x * a + rise * c + e, 3), round(x * b + rise * d + f, 3))
                self._stream.push_state()
                self._stream.transform(*matrix)
                self._stream.draw_x_object(form)
                self._stream.pop_state()
        self._stream.begin_text()  # for WeasyPrint's end of the text object

    def _write(self, operands: list[_Operand], as_outlines: bool) -> None:
        """Write operands as TJs, a new one wherever the text rise changes; with
        `as_outlines`, raised glyphs are left to finish() and their advance moved over."""
        if _line.right_to_left:
            operands = self._in_pdfium_order(operands)
        piece: list[str] = []
        for operand in operands:
            if operand.glyph is None:
                piece.append(operand.code)
                self._pen -= float(operand.code) * self._size / 1000
                continue
            width = operand.font.widths.get(operand.glyph, 0)
            if as_outlines and operand.rise:
                self._marks.append((operand.font, operand.glyph, self._pen, operand.rise,
                                    self._size))
                piece.append(_number(-width))
            else:
                if operand.rise != self._rise_shown:
                    moves = 0  # the moves just before the glyph go with it
                    while moves < len(piece) and not piece[-1 - moves].startswith("<"):
                        moves += 1
                    self._show(piece[:len(piece) - moves])
                    piece = piece[len(piece) - moves:]
                    self._stream.set_text_rise(operand.rise)
                    self._rise_shown = operand.rise
                piece.append(operand.code)
            self._pen += width * self._size / 1000
        self._show(piece)

    def _in_pdfium_order(self, operands: list[_Operand]) -> list[_Operand]:
        """Return operands with each left-to-right run's pieces in reverse order, every
        glyph still drawn where it was.

        PDFium reads a line of right-to-left text by turning its runs of one direction
        class (letters, digits and their signs, spaces) around, left-to-right ones too:
        "5-FU" drawn in that order copied out as "FU5-" and "American Cancer Society" as
        "Society Cancer American" (CPDF_TextPage::CloseTempLine, with CFX_BidiString).
        It reads a text object's characters in the order they are drawn, not where they
        are, so drawn piece by piece from the last they copy out as printed. Poppler
        reads them where they are, whatever their order."""
        out: list[_Operand] = []
        run: list[_Operand] = []
        for operand in [*operands, None]:
            ltr = (operand is not None and operand.cluster is not None
                   and not self._clusters[operand.cluster].rtl)
            if ltr or (run and operand is not None and operand.glyph is None):
                run.append(operand)
                continue
            trailing = []  # moves after the run's last glyph stay after it
            while run and run[-1].glyph is None:
                trailing.insert(0, run.pop())
            out += self._reversed_pieces(run) + trailing
            run = []
            if operand is not None:
                out.append(operand)
        return out

    def _reversed_pieces(self, run: list[_Operand]) -> list[_Operand]:
        """Draw a left-to-right run's pieces (PDFium's bidi runs) last first."""
        pieces: list[list[tuple[float, _Operand]]] = []
        kind, pen = None, 0.0  # in thousandths of the font size
        for operand in run:
            if operand.glyph is None:
                pen -= float(operand.code)
                continue
            text = self._clusters[operand.cluster].text
            this = _pdfium_class(text[0]) if text else kind
            if this != kind or not pieces:
                pieces.append([])
                kind = this
            pieces[-1].append((pen, operand))
            pen += operand.font.widths.get(operand.glyph, 0)
        if len(pieces) < 2:
            return run
        ordered, at = [], 0.0
        for piece in reversed(pieces):
            for start, operand in piece:
                if abs(start - at) > 1e-6:
                    ordered.append(_Operand(_number(at - start)))
                ordered.append(operand)
                at = start + operand.font.widths.get(operand.glyph, 0)
        if abs(pen - at) > 1e-6:
            ordered.append(_Operand(_number(at - pen)))
        return ordered

    def _show(self, piece: list[str]) -> None:
        """Show operands as one TJ. A move back before the first glyph is shown apart:
        PDFium orders a line's text objects by where they start, and one that started
        right of its glyph could be read after the next cluster."""
        lead = 0
        while lead < len(piece) and not piece[lead].startswith("<"):
            lead += 1
        if lead == len(piece):  # moves only: no text object, just the pen
            if piece:
                self._stream.show_text(" ".join(piece))
            return
        if lead and sum(float(move) for move in piece[:lead]) > 0:
            self._stream.show_text(" ".join(piece[:lead]))
            piece = piece[lead:]
        self._stream.show_text(" ".join(piece))


def _has_words(text: str) -> bool:
    """Say whether a text holds a letter or digit of a left-to-right run (PDFium's L or W)."""
    return any(char.isalnum() and _pdfium_class(char) in ("L", "W") for char in text)


def _number(value: float) -> str:
    """Write a TJ move as WeasyPrint does, without a float's noise."""
    return f"{value:.4f}".rstrip("0").rstrip(".") or "0"


class _PathPen(BasePen):
    """Write a glyph's outline as PDF path operators, in glyph units."""

    def __init__(self, glyphs) -> None:  # noqa: ANN001
        super().__init__(glyphs)
        self.operators: list[str] = []

    def _moveTo(self, point) -> None:  # noqa: ANN001
        self.operators.append(f"{_coordinates(point)} m")

    def _lineTo(self, point) -> None:  # noqa: ANN001
        self.operators.append(f"{_coordinates(point)} l")

    def _curveToOne(self, first, second, third) -> None:  # noqa: ANN001
        self.operators.append(f"{_coordinates(first, second, third)} c")

    def _qCurveToOne(self, control, end) -> None:  # noqa: ANN001
        (x0, y0), (x1, y1), (x2, y2) = self._getCurrentPoint(), control, end
        first = (x0 + 2 * (x1 - x0) / 3, y0 + 2 * (y1 - y0) / 3)
        second = (x2 + 2 * (x1 - x2) / 3, y2 + 2 * (y1 - y2) / 3)
        self._curveToOne(first, second, end)

    def _closePath(self) -> None:
        self.operators.append("h")


def _coordinates(*points: tuple[float, float]) -> str:
    return " ".join(_number(value) for point in points for value in point)


@functools.cache
def _glyph_set(file_content: bytes, index: int):  # noqa: ANN202
    return TTFont(io.BytesIO(file_content), fontNumber=index, lazy=True)


@functools.cache
def _outline(file_content: bytes, index: int, glyph: int) -> tuple[str, tuple[float, ...]]:
    font = _glyph_set(file_content, index)
    glyphs = font.getGlyphSet()
    pen = _PathPen(glyphs)
    glyphs[font.getGlyphName(glyph)].draw(pen)
    if not pen.operators:
        return "", ()
    numbers = [float(value) for operator in pen.operators for value in operator.split()[:-1]]
    xs, ys = numbers[0::2], numbers[1::2]  # control points too: a box the outline fits in
    return " ".join(pen.operators) + " f", (min(xs), min(ys), max(xs), max(ys))


def outline(font, glyph: int) -> tuple[str, tuple[float, ...]]:  # noqa: ANN001
    """Return a glyph's filled outline as PDF path operators, in glyph units, and a box
    that holds it ("" and () for a glyph with no outline)."""
    return _outline(font.file_content, font.index, glyph)


def _mark_form(stream: Stream, font, glyph: int) -> str | None:  # noqa: ANN001
    """Return the name of a form XObject drawing a glyph's outline, added once to the
    resources of the page (or group) `stream` draws on; None for a glyph with no outline."""
    resources = stream._resources
    forms = resources.__dict__.setdefault("brochurekit_marks", {})
    key = (font.hash, glyph)
    if key not in forms:
        path, box = outline(font, glyph)
        forms[key] = None
        if path:
            name = f"mark{len(forms)}"
            resources["XObject"][name] = pydyf.Stream([path], pydyf.Dictionary({
                "Type": "/XObject", "Subtype": "/Form", "BBox": pydyf.Array(box)}),
                compress=stream.compress)
            forms[key] = name
    return forms[key]


def _pdfium_class(char: str) -> str:
    """Return the direction class PDFium's bidi gives a character (core/fxcrt/fx_bidi.cpp):
    L, R, W (digits, their signs and marks) or N."""
    kind = unicodedata.bidirectional(char)
    if kind == "L":
        return "L"
    if kind in ("R", "AL"):
        return "R"
    return "W" if kind in ("AN", "EN", "NSM", "CS", "ES", "ET", "BN") else "N"


def _pdfium_reads_right_to_left(text: str) -> bool:
    """Say whether PDFium reads a line of a left-to-right document as right-to-left: it
    has more right-to-left runs than left-to-right ones (CFX_BidiString; a tie reads left
    to right)."""
    runs = [kind for kind, _ in itertools.groupby(map(_pdfium_class, text))]
    return runs.count("R") > runs.count("L")


@dataclass
class _Line:
    """The line box being drawn: does PDFium read it right to left? And where the last
    line with text was drawn: (stream, left, top, right, bottom, right-to-left)."""

    right_to_left: bool = False
    last: tuple | None = None
    run_has_words: bool = False  # letters or digits drawn on the line since its last
    # right-to-left letter


_line = _Line()


# Side by side. PDFium takes text objects drawn one after the other on one baseline as one
# line, whatever lies between them (CPDF_TextPage::ProcessTextObject gathers them, sorted by
# where they start; ProcessInsertObject breaks a line only where the baseline moves). Two
# blocks side by side, the halves of a bilingual pair or a table's cells, are drawn one
# after the other: when the first has one line, it and the other's first line were read as
# one line, in one direction: "أهم ما تحتاج إلى معرفته most you What". Between two such
# lines, when either holds right-to-left text or the document reads right to left (the
# English half's table cells, "Week 1 2 3" read "3 2 1 Week"), an invisible space
# (/Artifact, text render mode 3, /ActualText " ") is drawn a line lower: PDFium ends the
# line there, poppler skips a space, and a screen reader following the tags does not
# meet it.
def _side_by_side(stream: Stream, line: boxes.LineBox, document: bool) -> None:
    """Note where a line is drawn; if it is beside the line drawn before it (level with
    it, not above or below it), with right-to-left text in either or in a right-to-left
    `document`, end PDFium's line between them."""
    first = next((child for child in line.descendants() if isinstance(child, boxes.TextBox)
                  and child.text.strip()), None)
    tag = line.element_tag or ""
    if first is None or "::" in tag or tag.startswith("@"):
        return
    left, top = line.position_x, line.position_y
    right, bottom = left + line.width, top + line.height
    rtl = line.style["direction"] == "rtl"
    last, _line.last = _line.last, (stream, left, top, right, bottom, rtl)
    if (last is None or last[0] is not stream or not (document or rtl or last[5])
            or not (top < last[4] and last[2] < bottom)  # level with it
            or (left < last[3] and last[1] < right)):  # not beside it
        return
    _end_pdfium_line(stream, first)


def _end_pdfium_line(stream: Stream, textbox: boxes.TextBox) -> None:
    """Draw an invisible space a line below a text box's start, as an artifact: PDFium
    ends its line there, and a text object drawn after it starts another."""
    textbox.pango_layout.reactivate(textbox.style)  # as draw_text does before drawing it
    try:
        run = textbox.pango_layout.get_first_line()[0].runs[0].data
        font, _ = stream.add_font(run.item.analysis.font)
        utf8 = textbox.pango_layout.text.encode()[run.item.offset:]
        glyphs = [(run.glyphs.glyphs[i], run.glyphs.log_clusters[i])
                  for i in range(run.glyphs.num_glyphs)]
        # One with ink: PDFium skips a text object with no width (a space's).
        glyph = next((info.glyph for info, start in glyphs if info.geometry.width > 0
                      and not utf8[start:start + 1].isspace()
                      and info.glyph != pango.PANGO_GLYPH_EMPTY
                      and not info.glyph & pango.PANGO_GLYPH_UNKNOWN_FLAG), None)
    finally:
        textbox.pango_layout.deactivate()
    if glyph is None or font.bitmap:
        return
    size = textbox.style["font_size"]
    stream.push_state()
    pydyf.Stream.begin_marked_content(stream, "Artifact")
    pydyf.Stream.begin_marked_content(stream, "Span", pydyf.Dictionary(
        {"ActualText": pydyf.String(" ")}))
    stream.begin_text()
    stream.set_text_rendering(3)
    stream.set_font_size(font.hash, size)
    stream.set_text_matrix(1, 0, 0, -1, textbox.position_x,
                           textbox.position_y + textbox.baseline + size)
    stream.show_text(f"<{glyph:04x}>")
    stream.end_text()
    pydyf.Stream.end_marked_content(stream)
    pydyf.Stream.end_marked_content(stream)
    stream.pop_state()


# Across text boxes. PDFium puts a line's text objects in order of where they start, then
# turns the order of its runs around in a line it reads right to left. A left-to-right run
# drawn in one text object is drawn piece by piece from its last for it
# (_ClusterStream._in_pdfium_order), but one that goes on in the next text box (a link, a
# term in bold, a reference's DOI) is two text objects, which PDFium would swap:
# "doi:10.1245/s10434" copied out as "10.1245/s10434 doi:". Between two such boxes, its line
# is ended (as for blocks side by side): the run copies out in its order, on two lines.
def _across_boxes(stream: Stream, textbox: boxes.TextBox) -> None:
    """Before a text box is drawn: end PDFium's line if the box goes on with a
    left-to-right run the box before it on the line ended with, with letters or digits on
    both sides (a stop or a colon after a number is left where PDFium puts it)."""
    text = textbox.text
    right = [i for i, char in enumerate(text) if _pdfium_class(char) == "R"]
    before, after = (text[:right[0]], text[right[-1] + 1:]) if right else (text, text)
    if _line.right_to_left and _line.run_has_words and _has_words(before):
        _end_pdfium_line(stream, textbox)
    _line.run_has_words = _has_words(after) or (not right and _line.run_has_words)


def finish(document, pdf: pydyf.PDF) -> None:  # noqa: ANN001 (WeasyPrint's Document)
    """Give a right-to-left document its direction: /ViewerPreferences /Direction /R2L,
    "the predominant logical content order for text" (ISO 32000-1, 12.2). Viewers then
    set pages side by side from the right, and PDFium reads every line right to left
    (CPDF_TextPage::CloseTempLine), as the drawing above is made for: a line with as many
    left-to-right runs as right-to-left ones, or more, no longer copies out back to front."""
    if document.pages and document.pages[0]._page_box.style["direction"] == "rtl":
        preferences = pdf.catalog.get("ViewerPreferences") or pydyf.Dictionary()
        preferences["Direction"] = "/R2L"
        pdf.catalog["ViewerPreferences"] = preferences


def _install_right_to_left() -> None:
    original = draw_text.draw_first_line
    draw_inline_level = draw.draw_inline_level

    def line_level(stream, page, box, *args, **kwargs):  # noqa: ANN001, ANN202
        if not isinstance(box, boxes.LineBox):
            return draw_inline_level(stream, page, box, *args, **kwargs)
        text = "".join(child.text for child in box.descendants()
                       if isinstance(child, boxes.TextBox))
        document = page is not None and page.style["direction"] == "rtl"
        _side_by_side(stream, box, document)
        before = _line.right_to_left, _line.run_has_words
        _line.run_has_words = False
        _line.right_to_left = bool(text.strip()) and (document or bool(
            RIGHT_TO_LEFT.search(text)) and _pdfium_reads_right_to_left(text))
        try:
            return draw_inline_level(stream, page, box, *args, **kwargs)
        finally:
            _line.right_to_left, _line.run_has_words = before

    def draw_first_line(stream, textbox, text_overflow, block_ellipsis, *args):  # noqa: ANN001, ANN202
        if not RIGHT_TO_LEFT.search(textbox.text) and not (
                _line.right_to_left and len(set(map(_pdfium_class, textbox.text))) > 1):
            return original(stream, textbox, text_overflow, block_ellipsis, *args)
        found = None
        if text_overflow != "ellipsis" and block_ellipsis == "none":
            # The line as WeasyPrint will draw it (it sets this mode first too), its glyphs
            # named before WeasyPrint names them from whichever cluster comes first.
            pango.pango_layout_set_single_paragraph_mode(textbox.pango_layout.layout, True)
            found = clusters(stream, textbox)
            for cluster in found:
                cluster.name_glyphs()
        tagged = _ClusterStream(stream, textbox, found)
        try:
            return original(tagged, textbox, text_overflow, block_ellipsis, *args)
        finally:
            tagged.finish()

    draw_text.draw_first_line = draw_first_line
    draw.draw_inline_level = line_level
