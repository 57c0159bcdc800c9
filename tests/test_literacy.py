"""Health literacy: what the content must carry, and scoring sheets that stay true to it."""

from __future__ import annotations

import re

import pytest

from brochurekit import literacy
from brochurekit.content import parse_topic, resolve_topic
from conftest import CONTENT, ROOT, TOPICS

SHEETS = ROOT / literacy.SHEETS
UNDERSTANDABLE = [*range(1, 13), *range(15, 20)]  # PEMAT-P items for print
ACTIONABLE = list(range(20, 27))
ROW = re.compile(r"^\| (\d+) \| [^|]+ \| (Agree|Disagree|N/A|1|0) \| [^|]+\|$", re.MULTILINE)


def ratings(sheet: str, part: str) -> dict[int, str]:
    """Return the ratings of one instrument's table, by item number."""
    table = sheet.split(f"## {part}", 1)[1].split("\n## ", 1)[0]
    found = [(int(n), rating) for n, rating in ROW.findall(table)]
    items = [n for n, _ in found]
    assert len(items) == len(set(items)), f"{part}: an item is rated twice"
    return dict(found)


def score(ratings: dict[int, str], items: list[int]) -> int:
    """Return a scale's score: the share of applicable items rated Agree (or 1), rounded."""
    applicable = [ratings[n] for n in items if ratings[n] != "N/A"]
    return round(100 * sum(r in ("Agree", "1") for r in applicable) / len(applicable))


@pytest.mark.parametrize("topic_id", TOPICS)
def test_topic_has_what_its_scores_rest_on(topic_id):
    assert list(literacy.problems(CONTENT.topic(topic_id))) == []


@pytest.mark.parametrize("topic_id", TOPICS)
def test_scoring_sheet_is_for_this_english(topic_id):
    sheet = (SHEETS / f"{topic_id}.md").read_text()
    digest = literacy.content_digest(CONTENT.topic(topic_id))
    assert f"content digest: {digest}\n" in sheet, (
        f"{topic_id}'s English changed since it was scored: re-rate the items the change "
        f"touches in {literacy.SHEETS}/{topic_id}.md, then set its digest to {digest}")


@pytest.mark.parametrize("topic_id", TOPICS)
def test_scoring_sheet_adds_up_and_passes(topic_id):
    sheet = (SHEETS / f"{topic_id}.md").read_text()
    pemat = ratings(sheet, "PEMAT-P")
    assert sorted(pemat) == UNDERSTANDABLE + ACTIONABLE
    cdc = ratings(sheet, "CDC Clear Communication Index")
    assert sorted(cdc) == list(range(1, 21))
    understandable, actionable = score(pemat, UNDERSTANDABLE), score(pemat, ACTIONABLE)
    clear = score(cdc, list(range(1, 21)))
    assert f"= **{understandable} %**. Actionability" in sheet
    assert sheet.rstrip().endswith(f"= **{clear}**.")
    assert re.search(rf"Actionability: .* = \*\*{actionable} %\*\*", sheet)
    assert min(understandable, actionable, clear) >= 90
    summary = (SHEETS / "README.md").read_text()
    assert (f"| [{topic_id}]({topic_id}.md) | {understandable} % | {actionable} % | {clear} |"
            in summary)


BAD_TOPIC = """\
id: bad
title: A title
summary: A summary.
sources: [acs-treating-anal-cancer]
review:
  last_reviewed: 2026-01-01
  next_review_due: 2027-01-01
references: []
sections:
  - id: one
    heading: Stage IV
    content:
      - paragraph: In stage IV, doctors may use EBRT. Ask about APR and APR again.
"""


def test_problems_name_what_is_missing_and_where():
    topic = resolve_topic(parse_topic(BAD_TOPIC, "brochures/bad.yaml"), CONTENT.shared)
    found = [(p.line, p.message.split(":")[0]) for p in literacy.problems(topic)]
    assert [message for _, message in found[:4]] == [
        "no key_messages", "no key_points", "no figure", "no alert box"]
    assert (11, "'Stage IV'") in found and (13, "'stage IV'") in found
    assert (13, "the acronym 'EBRT' is used only once") in found
    assert not any("APR" in message for _, message in found)


def test_check_reports_health_literacy_as_warnings(project):
    path = project / "brochures" / "stage-4-anal-cancer.yaml"
    text = path.read_text()
    path.write_text(text[:text.index("key_points:")])
    import datetime as dt

    from brochurekit.checks import check
    from brochurekit.content import load_content
    report = check(project, load_content(project), 0, dt.date(2027, 1, 1))
    found = [f for f in report.findings if f.rule == "health-literacy"]
    assert [(f.level, f.file, f.message.split(":")[0]) for f in found] == [
        ("warning", "brochures/stage-4-anal-cancer.yaml", "no key_points")]
