"""Every character of every catalog can be drawn by the fonts the stylesheet gives it."""

from __future__ import annotations

import pytest
from babel.messages.pofile import read_po

from brochurekit.catalogs import catalog_path
from brochurekit.errors import FontError
from brochurekit.fonts import (
    check_coverage,
    font_stacks,
    missing_characters,
    stack_for,
)
from conftest import ROOT, TRANSLATED

STACKS = font_stacks(ROOT / "styles" / "fonts.css")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_every_catalog_character_is_covered(lang):
    with catalog_path(ROOT, lang).open("rb") as handle:
        text = "".join(m.string for m in read_po(handle) if m.string)
    assert text
    assert missing_characters(text, stack_for(STACKS, lang)) == []


def test_stacks_follow_the_language():
    assert stack_for(STACKS, "ar")[0] == "Noto Naskh Arabic"
    assert stack_for(STACKS, "zh_Hans")[0] == "Noto Sans CJK SC"
    assert stack_for(STACKS, "es") == ("Noto Sans",)


def test_uncovered_text_names_the_characters():
    with pytest.raises(FontError) as caught:
        check_coverage(ROOT, "es", "Hola ሰላም", "locales/es/LC_MESSAGES/brochures.po")
    message = str(caught.value)
    assert message.startswith("locales/es/LC_MESSAGES/brochures.po: ")
    assert "ሰ (U+1230)" in message and "Noto Sans" in message
