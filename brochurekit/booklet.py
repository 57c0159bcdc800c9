"""Impose a brochure as a saddle-stitched booklet: two pages a side, to print and fold.

The brochure is rendered at half size (half-letter for Letter, A5 for A4), padded with
blank pages to a multiple of four, and placed two-up on landscape sheets in booklet
order, so printing both sides (flip on the short edge) and folding gives the brochure.
Right-to-left brochures are bound on the right: their pages run the other way.

The imposed file stays a tagged PDF/UA-1 document. Each page of the brochure becomes a
form XObject (its content stream, unchanged, with its resources) drawn on its sheet, and the
structure tree is kept: the marked content a structure element pointed to on a page is
pointed to in that page's form (a marked-content reference with /Stm, ISO 32000-1 14.7.4.3),
the form keeps the page's /StructParents, so the parent tree still answers. Links move to
their sheet, and every destination points to the sheet and place its page went to.
"""

from __future__ import annotations

import io

from pypdf import PageObject, PdfWriter
from pypdf.generic import (
    ArrayObject,
    DecodedStreamObject,
    DictionaryObject,
    FloatObject,
    IndirectObject,
    NameObject,
    NumberObject,
    TextStringObject,
)


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
    writer = PdfWriter(clone_from=io.BytesIO(pdf))
    pages = list(writer.pages)
    width, height = float(pages[0].mediabox.width), float(pages[0].mediabox.height)
    sheet_width, sheet_height = SHEETS[paper]
    left_edge, bottom = (sheet_width - 2 * width) / 2, (sheet_height - height) / 2
    forms = [_as_form(writer, page) for page in pages]
    placed: dict[int, tuple[IndirectObject, float, float]] = {}  # page id: sheet, x, y
    sides = booklet_order(len(pages))
    for left, right in sides:
        if right_to_left:
            left, right = right, left
        sheet = writer.add_page(PageObject.create_blank_page(width=sheet_width,
                                                             height=sheet_height))
        drawing, xobjects, annotations = [], DictionaryObject(), ArrayObject()
        for slot, index in enumerate((left, right)):
            if index is None:
                continue
            x, y = left_edge + slot * width, bottom
            name = NameObject(f"/Page{index + 1}")
            xobjects[name] = forms[index]
            drawing.append(b"q 1 0 0 1 %.4f %.4f cm %s Do Q" % (x, y, name.encode()))
            placed[pages[index].indirect_reference.idnum] = (sheet.indirect_reference, x, y)
            for annotation in pages[index].get("/Annots", ()):
                annotation = annotation.get_object()
                rect = [float(value) for value in annotation["/Rect"]]
                annotation[NameObject("/Rect")] = ArrayObject(FloatObject(value + shift) for
                                                             value, shift in zip(rect, (x, y) * 2,
                                                                                 strict=True))
                annotation[NameObject("/P")] = sheet.indirect_reference
                annotations.append(annotation.indirect_reference)
        content = DecodedStreamObject()
        content.set_data(b"\n".join(drawing))
        sheet[NameObject("/Contents")] = writer._add_object(content)
        sheet[NameObject("/Resources")] = DictionaryObject({NameObject("/XObject"): xobjects})
        if annotations:
            sheet[NameObject("/Annots")] = annotations
            sheet[NameObject("/Tabs")] = NameObject("/S")
    forms_by_page = {page.indirect_reference.idnum: form for page, form in zip(pages, forms,
                                                                              strict=True)}
    root = writer.root_object
    if "/StructTreeRoot" in root:
        _retarget_structure(root["/StructTreeRoot"], None, placed, forms_by_page)
    _retarget_destinations(writer, placed)
    del writer.pages[:len(pages)]
    writer.compress_identical_objects(remove_duplicates=False)  # drop the pages left behind
    root[NameObject("/Lang")] = TextStringObject(lang)
    output = io.BytesIO()
    writer.write(output)
    return output.getvalue(), 2 * len(sides)


def _as_form(writer: PdfWriter, page: PageObject) -> IndirectObject:
    """Make a page's content stream a form XObject, with the page's resources and its
    place in the parent tree; return a reference to it."""
    contents = page.raw_get("/Contents")
    stream = contents.get_object()
    if isinstance(stream, ArrayObject):  # several streams: one form of their data
        joined = DecodedStreamObject()
        joined.set_data(b"\n".join(part.get_object().get_data() for part in stream))
        contents, stream = writer._add_object(joined), joined
    stream[NameObject("/Type")] = NameObject("/XObject")
    stream[NameObject("/Subtype")] = NameObject("/Form")
    stream[NameObject("/BBox")] = ArrayObject(FloatObject(value) for value in page.mediabox)
    stream[NameObject("/Resources")] = page.raw_get("/Resources")
    if "/StructParents" in page:
        stream[NameObject("/StructParents")] = NumberObject(page["/StructParents"])
    return contents


def _retarget_structure(element: DictionaryObject, page: int | None,
                        placed: dict[int, tuple[IndirectObject, float, float]],
                        forms: dict[int, IndirectObject]) -> None:
    """Point a structure element and those under it at the sheets: /Pg at the sheet, and
    each marked-content id at the form of the page it was on."""
    if "/Pg" in element:
        page = element.raw_get("/Pg").idnum
        element[NameObject("/Pg")] = placed[page][0]
    kids = element.get("/K")
    if kids is None:
        return
    single = not isinstance(kids, ArrayObject)
    retargeted = ArrayObject()
    for kid in [kids] if single else kids:
        resolved = kid.get_object()
        if isinstance(resolved, int):  # a marked-content id on the element's page
            retargeted.append(DictionaryObject({
                NameObject("/Type"): NameObject("/MCR"), NameObject("/Pg"): placed[page][0],
                NameObject("/MCID"): NumberObject(resolved), NameObject("/Stm"): forms[page]}))
            continue
        kind = resolved.get("/Type")
        if kind in ("/MCR", "/OBJR"):
            on = resolved.raw_get("/Pg").idnum if "/Pg" in resolved else page
            resolved[NameObject("/Pg")] = placed[on][0]
            if kind == "/MCR" and "/Stm" not in resolved:
                resolved[NameObject("/Stm")] = forms[on]
        else:
            _retarget_structure(resolved, page, placed, forms)
        retargeted.append(kid)
    element[NameObject("/K")] = retargeted[0] if single else retargeted


def _retarget_destinations(writer: PdfWriter,
                           placed: dict[int, tuple[IndirectObject, float, float]]) -> None:
    """Point every explicit destination (outline, named, link) at the sheet its page went
    to, moved by where the page sits on it."""
    def retarget(destination) -> None:  # noqa: ANN001
        destination = destination.get_object()
        if not isinstance(destination, ArrayObject) or not destination:
            return
        target = destination[0]
        if not isinstance(target, IndirectObject) or target.idnum not in placed:
            return
        sheet, x, y = placed[target.idnum]
        destination[0] = sheet
        if destination[1] == "/XYZ":  # [page /XYZ left top zoom]
            for index, shift in ((2, x), (3, y)):
                if isinstance(destination[index], (int, float)):
                    destination[index] = FloatObject(float(destination[index]) + shift)

    def outline(item) -> None:  # noqa: ANN001
        while item is not None:
            item = item.get_object()
            if "/Dest" in item:
                retarget(item["/Dest"])
            if "/A" in item and "/D" in item["/A"]:
                retarget(item["/A"]["/D"])
            if "/First" in item:
                outline(item["/First"])
            item = item.get("/Next")

    root = writer.root_object
    if "/Outlines" in root and "/First" in root["/Outlines"]:
        outline(root["/Outlines"]["/First"])
    names = root.get("/Names", {}).get("/Dests")
    stack = [names] if names is not None else []
    while stack:
        node = stack.pop().get_object()
        values = node.get("/Names", ArrayObject())
        for value in values[1::2]:  # [page ...], or a dictionary holding it as /D
            value = value.get_object()
            retarget(value["/D"] if isinstance(value, DictionaryObject) else value)
        stack.extend(node.get("/Kids", ()))
    for page in writer.pages:
        for annotation in page.get("/Annots", ()):
            annotation = annotation.get_object()
            if "/Dest" in annotation:
                retarget(annotation["/Dest"])
            if "/A" in annotation and "/D" in annotation["/A"]:
                retarget(annotation["/A"]["/D"])
