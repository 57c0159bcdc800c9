"""Medical review of a translation, recorded apart from the catalog.

`locales/<lang>/review.yaml` is kept by the repository's owners (protect it with
CODEOWNERS), never by the translator whose work it vouches for: a reviewer header inside
the `.po` is ignored. Each review names the reviewer, the date, and the digest of every
entry reviewed (its context, English and translation), so an entry changed after its
review is no longer covered:

    reviews:
      - reviewer: Dr Ana Pérez, certified medical translator
        date: 2026-11-20
        entries: [3f2a9c0d1e7b6a54, ...]

`make_brochures.py review --lang es --reviewer NAME` records a review of every entry
that passes the checks today.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from dataclasses import dataclass
from pathlib import Path

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from .errors import CatalogError

FILE_NAME = "review.yaml"
DIGEST = re.compile(r"^[0-9a-f]{16}$")
MAX_BYTES = 2_000_000

Key = tuple[str | None, str]


def entry_digest(context: str | None, msgid: str, msgstr: str) -> str:
    """Return the digest that identifies one reviewed translation."""
    data = f"{context or ''}\x04{msgid}\x00{msgstr}".encode()
    return hashlib.sha256(data).hexdigest()[:16]


@dataclass(frozen=True)
class Review:
    """One review: who, when, and which translations."""

    reviewer: str
    date: dt.date
    entries: frozenset[str]


@dataclass(frozen=True)
class ReviewStatus:
    """What the back page says of a brochure's review."""

    reviewer: str
    date: dt.date
    changed: int  # printed entries not covered by any review (changed since, or new)


def review_path(root: Path, lang: str) -> Path:
    """Return where a language's review record lives."""
    return root / "locales" / lang / FILE_NAME


def load_reviews(root: Path, lang: str) -> tuple[Review, ...]:
    """Read a language's review record; no file means no review."""
    path = review_path(root, lang)
    display = path.relative_to(root).as_posix()
    try:
        with path.open("rb") as handle:
            data = handle.read(MAX_BYTES + 1)
    except FileNotFoundError:
        return ()
    if len(data) > MAX_BYTES:
        raise CatalogError(f"file is larger than {MAX_BYTES} bytes", display)
    try:
        document = yaml.compose(data.decode("utf-8"), Loader=yaml.SafeLoader)
    except (UnicodeDecodeError, yaml.YAMLError) as error:
        line = getattr(getattr(error, "problem_mark", None), "line", None)
        raise CatalogError(f"cannot be read: {error}", display,
                           line + 1 if line is not None else None) from None
    return tuple(_reviews(document, display))


def _reviews(document: Node | None, display: str):  # noqa: ANN202
    """Validate the record and yield its reviews."""
    def fail(node: Node, message: str) -> CatalogError:
        return CatalogError(message, display, node.start_mark.line + 1)

    if not isinstance(document, MappingNode) or [k.value for k, _ in document.value] != [
            "reviews"]:
        raise CatalogError("expected one key, `reviews`, holding a list", display, 1)
    reviews = document.value[0][1]
    if not isinstance(reviews, SequenceNode):
        raise fail(reviews, "`reviews` must be a list")
    for item in reviews.value:
        if not isinstance(item, MappingNode):
            raise fail(item, "a review has reviewer, date and entries")
        fields = {key.value: value for key, value in item.value}
        if sorted(fields) != ["date", "entries", "reviewer"]:
            raise fail(item, f"a review has exactly reviewer, date and entries, got "
                             f"{', '.join(sorted(fields))}")
        reviewer = fields["reviewer"]
        if not isinstance(reviewer, ScalarNode) or not reviewer.value.strip():
            raise fail(reviewer, "reviewer must name who reviewed the translation")
        try:
            date = dt.date.fromisoformat(fields["date"].value)
        except (AttributeError, TypeError, ValueError):
            raise fail(fields["date"], "date must be written YYYY-MM-DD") from None
        entries = fields["entries"]
        if not isinstance(entries, SequenceNode) or not all(
                isinstance(e, ScalarNode) and DIGEST.match(e.value) for e in entries.value):
            raise fail(entries, "entries must be a list of 16-character digests")
        yield Review(" ".join(reviewer.value.split()), date,
                     frozenset(e.value for e in entries.value))


def status(reviews: tuple[Review, ...], digests: dict[Key, str],
           keys: set[Key]) -> ReviewStatus | None:
    """Say who last reviewed the entries a brochure prints, and how many changed since;
    None when no review covers any of them."""
    printed = {digests[key] for key in keys if key in digests}
    covering = [r for r in reviews if r.entries & printed]
    if not covering:
        return None
    latest = max(covering, key=lambda r: r.date)
    reviewed = set().union(*(r.entries for r in covering))
    return ReviewStatus(latest.reviewer, latest.date, len(printed - reviewed))


def unreviewed(reviews: tuple[Review, ...], digests: dict[Key, str]) -> list[Key]:
    """Return the entries no review covers (all of them when there is no review)."""
    if not reviews:
        return []
    reviewed = set().union(*(r.entries for r in reviews))
    return [key for key, digest in digests.items() if digest not in reviewed]


def record_review(root: Path, lang: str, reviewer: str, date: dt.date,
                  digests: list[str]) -> Path:
    """Append a review of these entries to the language's record."""
    path = review_path(root, lang)
    load_reviews(root, lang)  # refuse to append to a broken record
    header = "" if path.exists() else (
        "# Medical review of this translation: who reviewed which entries, and when.\n"
        "# Kept by the repository's owners; see brochurekit/review.py.\n"
        "reviews:\n")
    name = yaml.safe_dump(reviewer, allow_unicode=True).strip().removesuffix("...").strip()
    entry = (f"  - reviewer: {name}\n"
             f"    date: {date.isoformat()}\n"
             f"    entries:\n" + "".join(f"      - {d}\n" for d in sorted(set(digests))))
    with path.open("a", encoding="utf-8") as handle:
        handle.write(header + entry)
    return path
