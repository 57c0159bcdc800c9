"""Impose a brochure as a saddle-stitched booklet: two pages a side, to print and fold.

The brochure is rendered at half size (half-letter for Letter, A5 for A4), padded with
blank pages to a multiple of four, and placed two-up on landscape sheets in booklet
order, so printing both sides (flip on the short edge) and folding gives the brochure.
Right-to-left brochures are bound on the right: their pages run the other way.
"""

from __future__ import annotations

import io

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.generic import NameObject, TextStringObject


def booklet_order(pages: int) -> list[tuple[int | None, int | None]]:
    """Return (left, right) page indexes for each sheet side; None is a blank page."""
    padded = -(-pages // 4) * 4
    index = [i if i < pages else None for i in range(padded)]
    sides = []
    for sheet in range(padded // 4):
        front = (index[padded - 1 - 2 * sheet], index[2 * sheet])
        back = (index[2 * sheet + 1], index[padded - 2 - 2 * sheet])
        sides.extend([front, back])
    return sides


SHEETS = {"letter": (792.0, 612.0), "a4": (841.89, 595.28)}  # landscape, in points


def impose(pdf: bytes, lang: str, paper: str, right_to_left: bool = False) -> tuple[bytes, int]:
    """Return the booklet on `paper` sheets as PDF bytes, and its page count after padding."""
    reader = PdfReader(io.BytesIO(pdf))
    width = float(reader.pages[0].mediabox.width)
    height = float(reader.pages[0].mediabox.height)
    sheet_width, sheet_height = SHEETS[paper]
    left_edge, bottom = (sheet_width - 2 * width) / 2, (sheet_height - height) / 2
    writer = PdfWriter()
    sides = booklet_order(len(reader.pages))
    for left, right in sides:
        if right_to_left:
            left, right = right, left
        sheet = PageObject.create_blank_page(width=sheet_width, height=sheet_height)
        for slot, index in enumerate((left, right)):
            if index is not None:
                sheet.merge_transformed_page(reader.pages[index], Transformation().translate(
                    tx=left_edge + slot * width, ty=bottom))
        writer.add_page(sheet)
    writer.add_metadata({key: value for key, value in (reader.metadata or {}).items()})
    writer.root_object[NameObject("/Lang")] = TextStringObject(lang)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue(), 2 * len(sides)
