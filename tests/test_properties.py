"""Property-based tests: junk never crashes with a traceback; valid content loses nothing."""

from __future__ import annotations

import io
import re
import shutil
import subprocess
from unittest import mock

import polib
import pytest
import yaml
from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from markupsafe import escape

from brochurekit import catalogs, gate
from brochurekit.build import BuildOptions, build
from brochurekit.content import load_content, parse_shared, parse_topic
from brochurekit.errors import ContentError
from brochurekit.render import make_environment, render_html, translate
from conftest import PROJECT_PARTS, ROOT

# --- Junk never crashes ----------------------------------------------------------------

scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text()
documents = st.recursive(
    scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(), inner,
                                                                         max_size=4),
    max_leaves=20)
TOPIC_KEYS = ["id", "title", "summary", "sources", "review", "references", "sections"]


@given(st.text(max_size=400))
def test_any_text_gives_content_or_our_error(text):
    for parse in (parse_topic, parse_shared):
        try:
            parse(text, "brochures/junk.yaml")
        except ContentError as error:
            assert str(error).startswith("brochures/junk.yaml")


@given(st.dictionaries(st.sampled_from(TOPIC_KEYS), documents, max_size=7))
def test_any_yaml_structure_gives_content_or_our_error(data):
    text = yaml.safe_dump({"id": "junk", **data}, allow_unicode=True)
    try:
        parse_topic(text, "brochures/junk.yaml")
    except ContentError as error:
        assert str(error).startswith("brochures/junk.yaml")


# --- Valid content round-trips ---------------------------------------------------------

words = st.text(alphabet=st.characters(codec="latin-1", categories=("L", "N", "P", "S")),
                min_size=1, max_size=12)
texts = st.lists(words, min_size=1, max_size=8).map(" ".join)
blocks = st.one_of(
    st.builds(lambda t: {"paragraph": t}, texts),
    st.builds(lambda t: {"subheading": t}, texts),
    st.builds(lambda items: {"bullets": items}, st.lists(texts, min_size=1, max_size=3)),
    st.builds(lambda items: {"questions": items}, st.lists(texts, min_size=1, max_size=3)),
)
sections = st.lists(
    st.fixed_dictionaries({"heading": texts, "content": st.lists(blocks, min_size=1,
                                                                  max_size=3)}),
    min_size=1, max_size=3,
)
topics = st.fixed_dictionaries({"title": texts, "summary": texts, "sections": sections})


def topic_yaml(data: dict) -> str:
    """Write generated content as a topic file, with ids and the fields it needs."""
    document = {
        "id": "generated",
        "title": data["title"],
        "summary": data["summary"],
        "sources": ["acs-treating-anal-cancer"],
        "review": {"last_reviewed": "2026-01-01", "next_review_due": "2027-01-01"},
        "references": ["czito-2019"],
        "sections": [{"id": f"s{i}", **s} for i, s in enumerate(data["sections"])],
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False, width=60)


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    """One throw-away project for all examples; only the generated topic changes."""
    root = tmp_path_factory.mktemp("props")
    for part in PROJECT_PARTS:
        source = ROOT / part
        copy = shutil.copytree if source.is_dir() else shutil.copy
        copy(source, root / part)
    for path in (root / "brochures").glob("*.yaml"):
        if path.name != "_shared.yaml":
            path.unlink()
    return root


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=topics)
def test_valid_content_round_trips_through_extract_translate_build(sandbox, data):
    (sandbox / "brochures" / "generated.yaml").write_text(topic_yaml(data), encoding="utf-8")
    topic = parse_topic((sandbox / "brochures" / "generated.yaml").read_text(),
                        "brochures/generated.yaml")
    assert topic.title.text == " ".join(data["title"].split())

    pot = catalogs.extract(sandbox)
    with pot.open("rb") as handle:
        template = read_po(handle, locale="es")
    content_topic = load_content(sandbox).topic("generated")
    wanted = {(m.context, m.text) for m in content_topic.messages()}
    assert wanted <= {(m.context, m.id) for m in template if m.id}

    for message in template:  # "translate": a marker the output must show for every unit
        if message.id:
            message.string = f"ES·{message.id}"
    with catalogs.catalog_path(sandbox, "es").open("wb") as handle:
        write_po(handle, template, width=76)

    # The stand-in translation is English text, which the gate rightly withdraws
    # (tests/test_translation_safety.py): here it is off, to test the round trip itself.
    translator = gate.load_translator(sandbox, "es", enforce=False)
    rendered = render_html(make_environment(sandbox / "templates"), content_topic, translator,
                           "letter")
    assert not rendered.missing
    html = rendered.html
    shown = re.sub(r'</?span(?: class="nw")?>', "", html)  # numbers kept on one line
    for message in content_topic.messages():
        assert str(escape(translate(translator, message))) in shown

    with mock.patch("brochurekit.build.enforce_rules", lambda root, translator, content:
                    translator):
        (result,) = build(sandbox, BuildOptions(out=sandbox / "dist", languages=("es",)))
    assert result.error is None, result.error
    assert result.pages >= 2


# --- Catalog merge and our writer ------------------------------------------------------

msgids = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc")), min_size=1,
                 max_size=120).filter(str.strip)


@settings(max_examples=60, deadline=None)
@given(kept=st.lists(msgids, max_size=6, unique=True),
       changed=st.lists(msgids, max_size=6, unique=True),
       added=st.lists(msgids, max_size=3, unique=True))
def test_merge_keeps_translations_and_writes_a_valid_catalog(kept, changed, added):
    new_ids = [f"{t} (revised)" for t in changed] + [f"new: {t}" for t in added]
    assume(not set(kept) & set(changed) and not set(kept) & set(new_ids))
    old = Catalog(locale="fr")
    new = Catalog()
    for text in kept + changed:
        old.add(text, f"FR {text}", context="ctx")
    for text in kept:
        new.add(text, context="ctx")
    for text in changed:
        new.add(f"{text} (revised)", context="ctx")
    for text in added:
        new.add(f"new: {text}", context="ctx")
    old.update(new, update_header_comment=False)

    previous = {m.id: m.previous_id[0] for m in old if m.id and m.fuzzy and m.previous_id}
    data = catalogs.format_catalog(old)
    merged = read_po(io.BytesIO(data), locale="fr")
    for text in kept:  # unchanged English: translation kept, not fuzzy
        message = merged.get(text, context="ctx")
        assert message is not None and not message.fuzzy and message.string == f"FR {text}"
    for message in merged:
        if message.id and message.fuzzy:
            assert message.string.startswith("FR ")  # a kept translation, marked for review
    # The previous English survives our writer exactly, as Poedit and msgmerge read it.
    entries = {e.msgid: e for e in polib.pofile(data.decode("utf-8"))}
    for msgid, old_text in previous.items():
        assert entries[msgid].previous_msgid == old_text
    check = subprocess.run(["msgfmt", "--check-format", "-o", "/dev/null", "-"], input=data,
                           capture_output=True)
    assert check.returncode == 0, check.stderr.decode()
