"""PDF/UA-1, as veraPDF judges it, on one brochure per script and per edition.

The print-shop edition is validated in tests/test_print_shop.py, on the files it builds."""

from __future__ import annotations

import pytest
from verapdf import validate

from conftest import EDITION_TOPIC, EDITIONS

SCRIPTS = ("en", "ar", "zh_Hans", "ko", "pa", "ru")  # Latin, Arabic, Han, Hangul, Gurmukhi,
# Cyrillic: the standard edition, from the session's build


@pytest.fixture(scope="module")
def verdicts(built, edition_pdfs):
    """Validate every chosen PDF in one run of veraPDF."""
    paths = {("standard", lang): built[(lang, EDITION_TOPIC)].path for lang in SCRIPTS}
    paths.update(edition_pdfs)
    found = validate(list(paths.values()))
    return {key: found[path] for key, path in paths.items()}


CASES = [("standard", lang) for lang in SCRIPTS] + [
    (edition, lang) for edition, langs in EDITIONS.items() for lang in langs]


@pytest.mark.parametrize("case", CASES, ids="-".join)
def test_pdf_ua_1_with_no_failed_rule(verdicts, case):
    verdict = verdicts[case]
    assert (verdict.status, verdict.rules) == ("compliant", {})

