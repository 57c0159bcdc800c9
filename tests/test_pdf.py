"""Every topic x language PDF: opens, has sane pages, metadata, text and fonts."""

from __future__ import annotations

import re
import unicodedata

import pytest

from brochurekit.fonts import font_stacks, stack_for
from brochurekit.render import translate
from conftest import CONTENT, LANGUAGES, ROOT, TOPICS

BROCHURES = [(lang, topic) for lang in LANGUAGES for topic in TOPICS]
PAGES = range(3, 10)


def squash(text: str) -> str:
    """Fold presentation forms and drop whitespace and hyphens, as PDF text extraction varies."""
    text = unicodedata.normalize("NFKC", text)
    return re.sub(r"[\s\u00ad\u200c\u200d\u200e\u200f-]+", "", text)


def page_text(reader, index: int) -> str:
    return squash(reader.pages[index].extract_text())


def all_text(reader) -> str:
    return "".join(page_text(reader, i) for i in range(len(reader.pages)))


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_brochure_is_built_with_metadata(built, pdfs, translators, lang, topic):
    result = built[(lang, topic)]
    assert result.error is None, str(result.error)
    assert result.path.name == f"{topic}.pdf" and result.path.parent.name == lang
    reader = pdfs[(lang, topic)]
    assert len(reader.pages) in PAGES
    assert result.pages == len(reader.pages)
    title = translate(translators[lang], CONTENT.topic(topic).title)
    assert reader.metadata.title == title
    assert reader.trailer["/Root"]["/Lang"] == lang.replace("_", "-")
    size = reader.pages[0].mediabox
    assert (round(float(size.width)), round(float(size.height))) == (612, 792)  # US Letter


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_text_has_title_sections_and_back_matter(pdfs, translators, lang, topic):
    reader, translator, content = pdfs[(lang, topic)], translators[lang], CONTENT.topic(topic)
    first, text, last = page_text(reader, 0), all_text(reader), page_text(reader, -1)
    assert squash(translate(translator, content.title)) in first
    for section in content.sections:
        assert squash(translate(translator, section.heading)) in text, section.id
    # The back page: sources, references, review dates and the disclaimer, all translated.
    for source in content.sources:
        assert squash(source.title) in last
    if content.references:
        assert squash(translator.gettext("References")) in last
    for reference in content.references:
        assert squash(reference.authors[0]) in last
        if reference.doi:
            assert squash(reference.doi) in last
    assert squash(translator.gettext("Review dates")) in last
    assert squash(translate(translator, content.disclaimer.heading)) in last
    for block in content.disclaimer.blocks:
        assert squash(translate(translator, block.items[0])) in last


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_page_footer_is_localized(pdfs, translators, lang, topic):
    reader = pdfs[(lang, topic)]
    label = translators[lang].pgettext("page footer", "Page %(page)s of %(pages)s")
    total = len(reader.pages)
    footer = squash(label % {"page": total, "pages": total})
    assert footer in page_text(reader, total - 1)


def embedded_fonts(reader) -> set[str]:
    """Return the embedded fonts' names, without the subset prefix."""
    names = set()
    for page in reader.pages:
        for font in page["/Resources"].get("/Font", {}).values():
            names.add(str(font.get_object()["/BaseFont"]).lstrip("/").split("+", 1)[-1])
    return names


def family_of(font_name: str, families: tuple[str, ...]) -> str | None:
    """Match an embedded name such as 'Noto-Sans-Bold' to a family of the stack."""
    matches = [f for f in families if font_name.startswith(f.replace(" ", "-"))]
    return max(matches, key=len) if matches else None


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_pdf_embeds_only_the_language_fonts(pdfs, lang, topic):
    stack = stack_for(font_stacks(ROOT / "styles" / "fonts.css"), lang)
    embedded = embedded_fonts(pdfs[(lang, topic)])
    used = {name: family_of(name, stack) for name in embedded}
    assert None not in used.values(), f"fonts outside the stack {stack}: {used}"
    assert stack[0] in used.values()
