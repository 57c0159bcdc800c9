"""The catalogs: valid gettext, proper headers, complete, placeholders intact."""

from __future__ import annotations

import re
import shutil
import subprocess

import pytest
from babel import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

from brochurekit.catalogs import catalog_path, template_path
from brochurekit.safety import INVARIANT_TERMS, compare_quantities, quantities
from conftest import ROOT, TRANSLATED

PLACEHOLDER = re.compile(r"%\([a-z_]+\)s")


def read(lang):
    with catalog_path(ROOT, lang).open("rb") as handle:
        return read_po(handle, locale=lang)


def test_languages_are_the_ones_we_ship():
    assert TRANSLATED == ["ar", "es", "fa", "fr", "ht", "ko", "pa", "pt_BR", "ru", "tl", "vi",
                          "zh_Hans", "zh_Hant"]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext is installed by the set-up")
@pytest.mark.parametrize("lang", TRANSLATED)
def test_msgfmt_check_passes(lang):
    result = subprocess.run(
        ["msgfmt", "--check", "-o", "/dev/null", str(catalog_path(ROOT, lang))],
        capture_output=True, text=True,
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.parametrize("lang", TRANSLATED)
def test_headers(lang):
    catalog = read(lang)
    header = dict(catalog.mime_headers)
    assert header["Language"] == lang
    plural = get_plural(Locale.parse(lang))
    assert header["Plural-Forms"] == f"nplurals={plural.num_plurals}; plural={plural.plural_expr};"
    assert re.match(r"\d{4}-\d\d-\d\d \d\d:\d\d[+-]\d{4}$", header["PO-Revision-Date"])
    assert "FULL NAME" not in header["Last-Translator"]


@pytest.mark.parametrize("lang", TRANSLATED)
def test_catalog_is_complete_and_current(lang):
    with template_path(ROOT).open("rb") as handle:
        template = read_po(handle)
    catalog = read(lang)
    wanted = {(m.context, m.id) for m in template if m.id}
    done = {(m.context, m.id) for m in catalog if m.id and m.string and not m.fuzzy}
    assert wanted - done == set(), "untranslated or fuzzy entries"


@pytest.mark.parametrize("lang", TRANSLATED)
def test_translations_keep_placeholders_and_numbers(lang):
    for message in read(lang):
        if not message.id or not message.string:
            continue
        where = f"{lang}:{message.lineno}"
        assert sorted(PLACEHOLDER.findall(message.string)) == sorted(
            PLACEHOLDER.findall(message.id)), where
        # Numbers by value, in any digits the language uses (the gate's own rule).
        missing, extra = compare_quantities(quantities(message.id, INVARIANT_TERMS),
                                            quantities(message.string, INVARIANT_TERMS))
        assert not missing and not extra, f"{where}: {missing} lost, {extra} added"
        assert "<" not in message.string and "\n" not in message.string, where
