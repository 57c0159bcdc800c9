"""Give runs of Indic text their logical text in the PDF (/ActualText), so that copy, search
and screen readers get what is printed.

WeasyPrint 70 maps each glyph to text once per font, from the first cluster it draws it in
(`weasyprint/draw/text.py`, `font.to_unicode`). In Gurmukhi, HarfBuzz draws the vowel
sign ਿ before its consonant and WeasyPrint gives the whole cluster's text to one glyph: after
"ਹਿ", the glyph ਹ copies out as "ਹਿ" everywhere, so every "ਹੈ" reads "ਹਿੈ", and the ਿ glyph
copies out as nothing (Kozea/WeasyPrint#2841). The page is right; its text layer is not.

PDF has the mechanism for this: marked content with /ActualText gives the logical text of
what it draws, whatever its glyphs. WeasyPrint already wraps each line's text box in a /Span
marked-content sequence with its structure id (MCID); this adds the box's text to that
sequence's properties, for text in the scripts listed below.

Right-to-left scripts are left out on purpose: poppler and PDFium, given an Arabic
/ActualText in logical order, reorder it once more as if it were visual, so copies come
out reversed (measured with WeasyPrint 70, poppler 22.12 and pypdfium2's PDFium 159).
That needs more than this (issue #14).

It replaces `weasyprint.pdf.stream.Stream.marked`, a private method: the version check
below refuses any other WeasyPrint, and tests/test_accessibility.py fails if the Punjabi
text layer stops matching the page.
"""

from __future__ import annotations

import re
from contextlib import contextmanager

import pydyf
import weasyprint
from weasyprint.formatting_structure import boxes
from weasyprint.pdf.stream import Stream

SUPPORTED = "70.0"
# Scripts whose shaping reorders or merges glyphs of a cluster: Devanagari to Malayalam
# (Gurmukhi is U+0A00-U+0A7F), Sinhala, Thai, Lao, Tibetan, Myanmar, Khmer.
REORDERED = re.compile("[\u0900-\u0dff\u0e00-\u0eff\u0f00-\u0fff\u1000-\u109f\u1780-\u17ff]")


def needs_actual_text(text: str) -> bool:
    """Say whether a run of text is in a script whose glyphs may not map back to it."""
    return REORDERED.search(text) is not None


def install() -> None:
    """Wrap WeasyPrint's marked-content writer, once; refuse a WeasyPrint not checked."""
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
