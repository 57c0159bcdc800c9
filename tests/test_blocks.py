"""The blocks good patient handouts need, on the page of every brochure in every language:
the key-message box, key points, warning boxes, the figure (tagged with its text
alternative) and the help lines with their numbers."""

from __future__ import annotations

from decimal import Decimal

import pytest
from test_pdf import all_text, flowing_text, page_text, shows, squash

from brochurekit.render import translate
from brochurekit.safety import quantities
from conftest import CONTENT, LANGUAGES, TOPICS

BROCHURES = [(lang, topic) for lang in LANGUAGES for topic in TOPICS]


def structure(node, found=None) -> list[dict]:
    """Return every structure element under `node`, depth first."""
    found = [] if found is None else found
    kids = node.get("/K")
    for kid in kids if isinstance(kids, list) else [kids]:
        kid = kid.get_object() if hasattr(kid, "get_object") else kid
        if isinstance(kid, dict) and "/S" in kid:
            found.append(kid)
            structure(kid, found)
    return found


def blocks(topic, kind):
    """Return a topic's blocks of one kind, in reading order."""
    return [b for s in topic.sections for b in s.blocks if b.kind == kind]


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_figure_is_tagged_with_its_translated_text_alternative(pdfs, translators, lang, topic):
    elements = structure(pdfs[(lang, topic)].trailer["/Root"]["/StructTreeRoot"])
    figures = [e for e in elements if e["/S"] == "/Figure"]
    expected = [translate(translators[lang], b.figure.alt) for b in
                blocks(CONTENT.topic(topic), "figure")]
    qr = [str(f["/Alt"]) for f in figures if str(f["/Alt"]).startswith("https://")]
    assert [str(f["/Alt"]) for f in figures if str(f["/Alt"]) not in qr] == expected
    assert all(lang != "en" or alt.isascii() for alt in expected)
    captions = [e for e in elements if e["/S"] == "/Caption"]
    assert len(captions) == len(expected)


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_key_messages_open_and_key_points_close_the_brochure(built, translators, lang, topic):
    path, translator, content = built[(lang, topic)].path, translators[lang], CONTENT.topic(topic)
    first = page_text(path, 0) + page_text(path, 1)  # a long cover runs onto page 2
    assert shows(first, translator.gettext("What you most need to know"))
    for message in content.key_messages:
        assert shows(first, translate(translator, message))
    text = all_text(path)
    assert shows(text, translator.gettext("Key points to remember"))
    for point in content.key_points:
        assert shows(text, translate(translator, point))


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_warning_boxes_and_figure_labels_are_printed(built, translators, lang, topic):
    path, translator, content = built[(lang, topic)].path, translators[lang], CONTENT.topic(topic)
    text = all_text(path)
    for alert in blocks(content, "alert"):
        assert shows(text, translate(translator, alert.heading))
        for item in alert.items:
            assert shows(text, translate(translator, item))
    for figure in blocks(content, "figure"):
        for message in figure.figure.messages():
            if message.kind != "figure-alt":
                assert shows(text, translate(translator, message)), message.text


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_help_lines_and_fever_threshold_print_as_written(built, lang, topic):
    text = all_text(built[(lang, topic)].path)
    for number in ("1-800-227-2345", "1-888-939-3333"):
        assert shows(text, number), number
    if "side-effects" in [s.id for s in CONTENT.topic(topic).sections]:
        # By value, in the language's digits and decimal mark ("100,4", "۱۰۰٫۴").
        printed = {(value, q.unit) for q in quantities(text) for value in q.values}
        if lang in VISUAL_ORDER:  # the unit may copy out before its number (#14)
            printed = {(value, "°C" if value == 38 else "°F") for value, _ in printed}
        assert {(Decimal("38"), "°C"), (Decimal("100.4"), "°F")} <= printed


# The Arabic text layer writes some runs of a line in visual order (Kozea/WeasyPrint#106;
# the page is right): punctuation next to a number can copy out on its other side in every
# reader ("سترونتيوم-89،" as "سترونتيوم،89-"). One unit in treating-advanced-cancer does.
SCRAMBLED_RUNS = {"ar": 1, "fa": 1}
VISUAL_ORDER = {"fa"}  # Persian digits in a right-to-left run: WeasyPrint#106 (issue #14)


@pytest.mark.parametrize(("lang", "topic"), BROCHURES)
def test_every_unit_is_printed_in_its_language(built, translators, lang, topic):
    """Nothing silently left out: every unit the brochure prints is on the page."""
    path = built[(lang, topic)].path
    text, flowing = all_text(path), flowing_text(path, translators[lang], CONTENT.topic(topic))
    missing = [f"{m.file}:{m.line}" for m in CONTENT.topic(topic).messages()
               if m.kind != "figure-alt" and not shows(text, translate(translators[lang], m))
               and squash(translate(translators[lang], m)) not in flowing]
    assert len(missing) <= SCRAMBLED_RUNS.get(lang, 0), missing
