"""`check --sources`: word runs the English shares with the source pages, found and reported.

The source pages here are made up in each test, from words of a unit picked from the
content at run time, so the tests hold while the brochures are rewritten.
"""

from __future__ import annotations

import doctest
import json
import logging
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from brochurekit import originality
from brochurekit.cli import EXIT_FAILED, EXIT_INPUT, EXIT_OK, main
from brochurekit.content import Message, load_content
from brochurekit.originality import STOPS, SourcePage, load_sources, shared_passages, words

# A date when no review is due and every source page is under 5 years old, and no
# completeness threshold: only originality can fail, while the content is being rewritten.
QUIET = ("--today", "2021-01-01", "--threshold", "0", "--lang", "es")  # English, one gate
FILLER = "Zorblax quintet vrell ompa skiv, drummet plaxo."  # shares no words with the content


def check(project: Path, capsys, *args: str) -> tuple[int, dict]:
    status = main(["--root", str(project), "check", "--json", *QUIET, *args])
    return status, json.loads(capsys.readouterr().out)


def shared(report: dict) -> list[tuple[str, int, str]]:
    return [(f["file"], f["line"], f["message"]) for f in report["findings"]
            if f["rule"] == "originality"]


def write_pages(folder: Path, **pages: str) -> Path:
    folder.mkdir()
    for name, text in pages.items():
        (folder / f"{name}.txt").write_text(text, encoding="utf-8")
    return folder


def page(copied: list[str]) -> str:
    """Make up a source page with these words in the middle of its prose."""
    return f"{FILLER}\n{FILLER} {' '.join(copied)}. {FILLER}\n"


def runs(sequence: list[str], n: int) -> list[tuple[str, ...]]:
    return [tuple(sequence[i:i + n]) for i in range(len(sequence) - n + 1)]


def printed_units(project: Path) -> list[Message]:
    units = {(m.file, m.line, m.text): m
             for topic in load_content(project).topics for m in topic.messages()}
    return list(units.values())


def distinctive_unit(project: Path, length: int = 12) -> tuple[Message, list[str]]:
    """Pick a unit whose first `length` words share no run of 8 with the rest of the content."""
    units = printed_units(project)
    unit_runs = [runs(words(unit.text), 8) for unit in units]
    for i, unit in enumerate(units):
        window = words(unit.text)[:length]
        others = {run for j, r in enumerate(unit_runs) if j != i for run in r}
        if len(window) == length and all(
                unit_runs[i].count(run) == 1 and run not in others for run in runs(window, 8)):
            return unit, window
    pytest.fail(f"no unit has {length} words unlike the rest of the content")


@pytest.fixture(autouse=True)
def _info_logs(caplog):
    caplog.set_level(logging.INFO)


# --- What is found ------------------------------------------------------------------------


def test_a_copied_passage_is_reported_with_its_place_and_words(project, capsys, tmp_path):
    unit, window = distinctive_unit(project)
    sources = write_pages(tmp_path / "pages", made_up=page(window))
    status, report = check(project, capsys, "--sources", str(sources))
    assert status == EXIT_OK
    [(file, line, message)] = shared(report)
    assert (file, line) == (unit.file, unit.line)
    assert message.startswith('12 words shared with made_up.txt: "')
    quote = message.split(": ", 1)[1]
    assert words(quote) == window
    assert quote.strip('"') in " ".join(unit.text.split())  # quoted as the unit writes it
    finding = next(f for f in report["findings"] if f["rule"] == "originality")
    assert finding["level"] == "warning"


def test_runs_shorter_than_words_are_not_reported(project, capsys, tmp_path):
    unit, window = distinctive_unit(project)
    sources = write_pages(tmp_path / "pages", made_up=page(window))
    for length, found in (("8", 12), ("12", 12), ("13", None)):
        _, report = check(project, capsys, "--sources", str(sources), "--words", length)
        assert [m.split(" words")[0] for *_, m in shared(report)] == (
            [str(found)] if found else []), length


def test_a_run_one_word_short_is_not_reported(project, capsys, tmp_path):
    _, window = distinctive_unit(project)
    seven = write_pages(tmp_path / "seven", made_up=page(window[:7]))
    eight = write_pages(tmp_path / "eight", made_up=page(window[:8]))
    assert shared(check(project, capsys, "--sources", str(seven))[1]) == []
    [(_, _, message)] = shared(check(project, capsys, "--sources", str(eight))[1])
    assert message.startswith("8 words shared with made_up.txt")


def test_each_page_sharing_the_run_is_named(project, capsys, tmp_path):
    _, window = distinctive_unit(project)
    sources = write_pages(tmp_path / "pages", b_page=page(window), a_page=page(window[2:]),
                          c_page=FILLER)
    [(_, _, message)] = shared(check(project, capsys, "--sources", str(sources))[1])
    assert message.startswith('12 words shared with a_page.txt, b_page.txt: "')


def test_titles_are_compared_too(project, capsys, tmp_path):
    topic = load_content(project).topics[0]
    title = words(topic.title.text)
    if len(title) < 3:
        pytest.skip(f"the title {topic.title.text!r} is under 3 words")
    sources = write_pages(tmp_path / "pages", made_up=page(title))
    _, report = check(project, capsys, "--sources", str(sources), "--words", str(len(title)))
    assert (topic.file, topic.title.line) in [(file, line) for file, line, _ in shared(report)]


def test_a_shared_block_is_reported_once(project, capsys, tmp_path):
    content = load_content(project)
    seen: dict[tuple, int] = {}
    for topic in content.topics:
        for m in set(topic.messages()):
            seen[m.file, m.line, m.text] = seen.get((m.file, m.line, m.text), 0) + 1
    recurring = [key for key, count in seen.items() if count > 1 and len(words(key[2])) >= 8]
    if not recurring:
        pytest.skip("no unit of 8 words or more is printed by two topics")
    file, line, text = recurring[0]
    sources = write_pages(tmp_path / "pages", made_up=page(words(text)))
    _, report = check(project, capsys, "--sources", str(sources))
    assert [(f, n) for f, n, _ in shared(report)].count((file, line)) == 1


def test_reference_lists_and_review_blocks_are_left_out(project, capsys, tmp_path):
    _, window = distinctive_unit(project)
    sources = write_pages(tmp_path / "pages",
                          made_up=f"{FILLER}\nReferences\n{' '.join(window)}\n")
    assert shared(check(project, capsys, "--sources", str(sources))[1]) == []


@pytest.mark.parametrize("stop", STOPS)
def test_each_stop_marker_ends_the_prose(tmp_path, stop):
    folder = write_pages(tmp_path / "pages", p=f"kept words here\n{stop} dropped words\n")
    assert load_sources(folder) == (SourcePage("p.txt", ("kept", "words", "here")),)


# --- How it is reported -------------------------------------------------------------------


def test_warnings_fail_only_when_strict(project, capsys, tmp_path):
    assert main(["--root", str(project), "check", *QUIET, "--strict"]) == EXIT_OK, (
        "the shipped content must pass --strict on this date for this test to mean anything")
    capsys.readouterr()
    _, window = distinctive_unit(project)
    sources = str(write_pages(tmp_path / "pages", made_up=page(window)))
    assert check(project, capsys, "--sources", sources)[0] == EXIT_OK
    assert check(project, capsys, "--sources", sources, "--strict")[0] == EXIT_FAILED


def test_table_output_has_the_total(project, capsys, tmp_path):
    unit, window = distinctive_unit(project)
    sources = str(write_pages(tmp_path / "pages", made_up=page(window)))
    assert main(["--root", str(project), "check", *QUIET, "--sources", sources]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert any(line.startswith(f"{unit.file}:{unit.line}: warning: [originality] 12 words "
                               "shared with made_up.txt: ") for line in lines)
    assert lines[-2:] == ["1 passages share 8+ words with the sources", "0 errors, 1 warnings"]
    main(["--root", str(project), "check", *QUIET])
    assert "with the sources" not in capsys.readouterr().out


# --- Bad input ----------------------------------------------------------------------------


def test_a_missing_or_non_folder_is_refused(project, capsys, caplog, tmp_path):
    for path in (tmp_path / "nowhere", project / "pyproject.toml"):
        assert main(["--root", str(project), "check", "--sources", str(path)]) == EXIT_INPUT
        assert f"error: {path}: not a folder" in caplog.text
    assert capsys.readouterr().out == ""


def test_a_folder_without_pages_is_refused(project, caplog, tmp_path):
    folder = write_pages(tmp_path / "pages")
    (folder / "README.md").write_text("not a page")
    (folder / "sub.txt").mkdir()
    assert main(["--root", str(project), "check", "--sources", str(folder)]) == EXIT_INPUT
    assert f"error: {folder}: no *.txt files in this folder" in caplog.text


def test_unreadable_pages_are_all_named(project, caplog, tmp_path, monkeypatch):
    folder = write_pages(tmp_path / "pages", big="x " * 60, fine="fine")
    (folder / "latin1.txt").write_bytes("café ok".encode("latin-1"))
    monkeypatch.setattr(originality, "MAX_SOURCE_BYTES", 100)
    assert main(["--root", str(project), "check", "--sources", str(folder)]) == EXIT_INPUT
    assert f"error: {folder / 'big.txt'}: file is larger than 100 bytes" in caplog.text
    assert (f"error: {folder / 'latin1.txt'}: not UTF-8 text (invalid continuation byte "
            "at byte 3)") in caplog.text


@pytest.mark.parametrize(("value", "reason"), [
    ("2", "must be 3 or more, got 2"),
    ("-8", "must be 3 or more, got -8"),
    ("eight", "expected a whole number, got 'eight'"),
])
def test_a_bad_run_length_is_refused(project, capsys, value, reason):
    with pytest.raises(SystemExit) as exit_:
        main(["--root", str(project), "check", "--sources", str(project), "--words", value])
    assert exit_.value.code == EXIT_INPUT
    assert f"argument --words: {reason}" in capsys.readouterr().err


# --- The pure helpers ---------------------------------------------------------------------


def test_the_doctests_pass():
    result = doctest.testmod(originality)
    assert result.attempted >= 5 and result.failed == 0


@given(st.text(alphabet=st.sampled_from("aZ9 '\u2019-.\nİKÉéσΣ") | st.characters()))
def test_quoted_words_are_the_compared_words(text):
    tokens = originality._tokens(text)
    assert [word for word, _, _ in tokens] == words(text)
    assert all(words(text[start:end]) == [word] for word, start, end in tokens)


def test_too_short_runs_are_a_programming_error():
    with pytest.raises(ValueError, match="3 words or more"):
        shared_passages([], [], 2)


def test_passages_of_plain_units():
    unit = Message("Take the pill with food, twice a day, every day.", "ctx", "paragraph",
                   "brochures/x.yaml", 7)
    pages = [SourcePage("a.txt", tuple(words("so take the pill with food twice a day"))),
             SourcePage("b.txt", tuple(words("twice a day every day")))]
    [passage] = shared_passages([unit], pages, 4)
    assert passage == originality.Passage(
        "brochures/x.yaml", 7, "Take the pill with food, twice a day, every day", 10,
        ("a.txt", "b.txt"))
