"""Editions: the forms a brochure is printed in besides the standard one.

An edition is one entry in EDITIONS and one stylesheet, `styles/editions/<name>.css`,
applied after the brochure's own. Its entry says what else it changes: how many pages
its page count must be a multiple of, whether its pages are half the paper and imposed
two-up (a booklet), whether each block is set twice (bilingual), whether it is written
for a print shop (CMYK, PDF/X). The command line offers each as `--<name>`, its file
names carry it (`<topic>.<name>.pdf`), and its build state and input hash name it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .errors import BrochureError


@dataclass(frozen=True)
class Edition:
    """One edition and what it changes beside its stylesheet."""

    name: str  # as in --<name>, its stylesheet and file names
    help: str  # for the command line
    page_multiple: int = 2  # the page count prints double-sided: a multiple of this
    half_pages: bool = False  # pages half the paper, imposed two-up on it (booklet.py)
    bilingual: bool = False  # each block in the brochure's language and in English
    print_shop: bool = False  # CMYK output intent and PDF/X (printshop.py)
    sets_page: bool = False  # its stylesheet sets the page format: it comes before others'


EDITIONS: dict[str, Edition] = {edition.name: edition for edition in (
    Edition("bilingual", "bilingual edition: each block in the brochure's language with "
            "English beside it", bilingual=True),
    Edition("large-print", "large print edition: 16pt body text, wider line spacing"),
    Edition("print-shop", "for print shops: 3 mm bleed, crop marks; not with --booklet",
            print_shop=True),
    Edition("booklet", "half-size pages imposed two-up, to print double-sided (flip on the "
            "short edge) and fold", page_multiple=4, half_pages=True, sets_page=True),
)}
STANDARD = "standard"  # no edition: what `build` makes by default
# Editions that make sense together, as one PDF; any other combination is refused. A
# bilingual brochure's half-width columns have no room for large print or half pages.
COMBINATIONS = (frozenset({"large-print", "booklet"}), frozenset({"large-print", "print-shop"}),
                frozenset({"bilingual", "print-shop"}))


def ordered(names) -> tuple[str, ...]:  # noqa: ANN001
    """Return edition names in the registry's order (as file names carry them)."""
    return tuple(name for name in EDITIONS if name in set(names))


def joined(names) -> str:  # noqa: ANN001
    """Return a combination as the command line writes it: "large-print+booklet"."""
    return "+".join(ordered(names)) or STANDARD


def parse(spec: str) -> tuple[str, ...]:
    """Return the editions of "standard" or of names joined by "+" ("large-print+booklet");
    raise BrochureError for a name that is not one."""
    names = set() if spec == STANDARD else set(spec.split("+"))
    unknown = sorted(names - set(EDITIONS))
    if unknown or not spec:
        raise BrochureError(f"unknown edition {spec!r}: choose from {STANDARD}, "
                            f"{', '.join(EDITIONS)}, or a combination of them joined with "
                            f"'+': {', '.join(sorted(map(joined, COMBINATIONS)))}")
    return ordered(names)


def check(names: tuple[str, ...]) -> None:
    """Refuse editions that do not combine into one PDF, saying which do."""
    chosen = [EDITIONS[name] for name in names]
    if any(e.print_shop for e in chosen) and any(e.half_pages for e in chosen):
        raise BrochureError("--print-shop and --booklet do not combine: imposing the pages "
                            "two-up would cut off their bleed and crop marks. For a print "
                            "shop, send --print-shop (the shop imposes and folds it); to "
                            "print and fold at the clinic, use --booklet")
    if len(names) > 1 and frozenset(names) not in COMBINATIONS:
        raise BrochureError(f"the editions {joined(names)} do not combine into one PDF; "
                            f"these do: {', '.join(sorted(map(joined, COMBINATIONS)))}. To "
                            "make several editions in one run, list them: "
                            "--edition standard,large-print,bilingual")


def stylesheets(names: tuple[str, ...]) -> list[str]:
    """Return the editions' stylesheets under styles/, the one that sets the page format
    first: a large-print booklet keeps large print."""
    chosen = sorted(names, key=lambda name: not EDITIONS[name].sets_page)
    return [f"editions/{name}.css" for name in chosen]
