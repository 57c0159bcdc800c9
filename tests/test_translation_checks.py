"""docs/translation-checks.md against the code: every pofilter test has a row, the enforced
ones are the ones `check` runs, and pofilter flags nothing on the shipped catalogs that
`check` misses without a written reason."""

from __future__ import annotations

import re

import pytest
from babel.messages.pofile import read_po
from translate.filters import checks

from brochurekit.catalogs import catalog_path
from brochurekit.safety import POFILTER_TESTS, pofilter_failures
from conftest import ROOT, TRANSLATED

DOC = ROOT / "docs" / "translation-checks.md"


def rows() -> dict[str, tuple[str, str]]:
    """Return the pofilter table: test -> (status, reason)."""
    text = DOC.read_text(encoding="utf-8").split("## translate-toolkit's pofilter tests")[1]
    found = {}
    for line in text.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 3 and re.fullmatch(r"[a-z]+", cells[0]) and cells[0] != "test":
            found[cells[0]] = (cells[1], cells[2])
    return found


def all_tests() -> set[str]:
    checker = checks.StandardChecker(checkerconfig=checks.CheckerConfig(targetlanguage="fr"))
    return set(checker.getfilters())


def test_every_pofilter_test_has_a_row_and_the_enforced_ones_run():
    table = rows()
    assert set(table) == all_tests()
    assert {t for t, (status, _) in table.items() if status == "enforced"} == set(POFILTER_TESTS)
    assert all(reason for status, reason in table.values() if status != "enforced")


@pytest.mark.parametrize("lang", TRANSLATED)
def test_pofilter_flags_nothing_check_misses_without_a_reason(lang):
    table = rows()
    checker = checks.StandardChecker(
        checkerconfig=checks.CheckerConfig(targetlanguage=lang.split("_")[0]))
    with catalog_path(ROOT, lang).open("rb") as handle:
        catalog = read_po(handle)
    flagged = set()
    for message in catalog:
        if not message.id or not message.string:
            continue
        flagged |= set(pofilter_failures(checker, message.id, message.string))
    # The shipped catalogs pass `check`, so an enforced test must flag nothing (judged as
    # `check` judges: a space before a final colon is the language's habit, not a change).
    assert not flagged & set(POFILTER_TESTS)
    assert all(table[test][1] for test in flagged)
