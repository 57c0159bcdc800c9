"""Translation safety: the rules a translated entry must pass before a brochure prints it.

A translation is untrusted input to a medical document. Each rule here looks for one way
a translation can print something other than what the English says: a changed number or
unit, a character that reorders or hides text, a drug name misspelt, a warning cut short,
a paragraph in the wrong language. `check` reports every problem; `build` and `release`
withhold any brochure that would print an entry with an error.

The generic rules (end punctuation, double spaces, URLs, printf placeholders, XML tags,
whitespace at either end) come from translate-toolkit's checkers, the ones `pofilter`
runs, tuned for each language. docs/translation-checks.md lists every pofilter test and
why it is, or is not, enforced.
"""

from __future__ import annotations

import functools
import re
import statistics
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from babel import Locale
from babel.core import get_global

from .glossary import Glossary

# --- Characters ----------------------------------------------------------------------

# Scripts whose words need zero-width (non-)joiners, by language or by script.
JOINER_LANGUAGES = frozenset({"fa", "ps", "ur", "ckb", "ku", "sd"})
JOINER_SCRIPTS = frozenset({"Deva", "Beng", "Guru", "Gujr", "Orya", "Taml", "Telu", "Knda",
                            "Mlym", "Sinh"})
JOINERS = frozenset("\u200c\u200d")  # ZWNJ, ZWJ
ALLOWED_CONTROLS = frozenset("\n\t")  # gettext's \n and \t; the templates fold them anyway
# The scripts whose letters look alike: one word mixing them is a spoofed or mistyped word.
LOOKALIKE_SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
UNIT_MU = re.compile(r"\u03bc(?=[gLlm])")  # Greek mu as the micro prefix: "μg", "μL"


def script_of(lang: str) -> tuple[str, str | None]:
    """Return a language's base code and its likely script (CLDR likely subtags)."""
    base = lang.split("_")[0]
    likely = get_global("likely_subtags").get(lang) or get_global("likely_subtags").get(base)
    parts = (likely or "").split("_")
    script = next((p for p in parts[1:] if len(p) == 4 and p.istitle()), None)
    return base, script


def joiners_allowed(lang: str) -> bool:
    """Say whether a language's script uses ZWNJ and ZWJ inside words."""
    base, script = script_of(lang)
    return base in JOINER_LANGUAGES or script in JOINER_SCRIPTS


def hidden_characters(text: str, lang: str) -> list[str]:
    """Name every invisible or control character that has no place in a translation:
    bidi embeddings, overrides, isolates and marks (the templates set direction
    themselves), zero-width spaces, word joiners, soft hyphens, controls, and ZWNJ/ZWJ
    outside the scripts that need them."""
    found = []
    for char in dict.fromkeys(text):
        category = unicodedata.category(char)
        if char in ALLOWED_CONTROLS or (char in JOINERS and joiners_allowed(lang)):
            continue
        if category in ("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp") or char == "\u00ad":
            name = unicodedata.name(char, "control character")
            found.append(f"U+{ord(char):04X} {name}")
    return found


def mixed_script_words(text: str) -> list[str]:
    """Return the words that mix Latin, Cyrillic or Greek letters (a Cyrillic "о" in a drug
    name reads the same and matches nothing)."""
    words = []
    for word in re.findall(r"[^\W\d_]+", UNIT_MU.sub("u", text)):
        scripts = {unicodedata.name(c, "").split(" ")[0] for c in word}
        if len(scripts & set(LOOKALIKE_SCRIPTS)) > 1:
            words.append(word)
    return words


# --- Numbers and units ----------------------------------------------------------------

# The units a number can carry, with the ways languages write each one.
UNITS = {
    "mg": ("mg", "ملغ", "مغ", "毫克", "мг"),
    "µg": ("µg", "μg", "mcg", "ميكروغرام", "微克", "мкг"),
    "kg": ("kg", "كغ", "كجم", "公斤", "千克", "кг"),
    "g": ("g", "غ", "غرام", "克", "г"),
    "mL": ("mL", "ml", "مل", "毫升", "мл"),
    "L": ("L", "لتر", "升", "л"),
    "Gy": ("Gy", "غراي", "戈瑞", "Гр"),
    "mm": ("mm", "مم", "毫米", "мм"),
    "cm": ("cm", "سم", "厘米", "см"),
    "%": ("%", "٪", "％"),
    "°C": ("°C", "° C"),
    "°F": ("°F", "° F"),
}
_UNIT_ALIASES = sorted(((alias, unit) for unit, aliases in UNITS.items() for alias in aliases),
                       key=lambda pair: -len(pair[0]))
_UNIT_OF = dict(_UNIT_ALIASES)
NUMBER = re.compile(
    r"(?<![\d.,٫٬])(\d+(?:[.,٫٬\u00a0\u202f]\d+)*)"
    r"(?:[ \u00a0\u202f]?(" + "|".join(re.escape(a) for a, _ in _UNIT_ALIASES) + r")"
    r"(?![^\W\d_]))?"
)
# Spans that hold digits but are not quantities; each has its own rule.
NOT_QUANTITIES = re.compile(
    r"%\([a-z_]+\)[sd]"                    # placeholders
    r"|https?://\S+"                       # URLs
    r"|\b10\.\d{4,9}/\S+"                  # DOIs
    r"|\+?\d[\d ().-]{7,}\d"               # phone numbers
)
# CLDR numbering systems by the digit zero they start from.
NUMBERING_SYSTEMS = {"0": "latn", "٠": "arab", "۰": "arabext", "०": "deva", "੦": "guru",
                     "০": "beng", "૦": "gujr", "௦": "tamldec", "๐": "thai", "０": "fullwide"}


@dataclass(frozen=True)
class Quantity:
    """A number as written, the values it can mean, and the unit that follows it."""

    text: str
    values: frozenset[Decimal]
    unit: str | None

    def matches(self, other: Quantity) -> bool:
        """Say whether two quantities can be the same number in the same unit."""
        return self.unit == other.unit and bool(self.values & other.values)

    def __str__(self) -> str:
        return f"{self.text} {self.unit}" if self.unit and self.unit not in "%" else (
            f"{self.text}{self.unit or ''}")


def quantities(text: str, invariant_terms: Iterable[str] = ()) -> list[Quantity]:
    """Return the numbers of a text with their units, by value; digits of any numbering
    system count by their value, and "100.4", "100,4" and "100٫4" are the same number."""
    for term in invariant_terms:
        text = text.replace(term, " ")
    text = NOT_QUANTITIES.sub(" ", text)
    found = []
    for match in NUMBER.finditer(text):
        digits, unit = match[1], match[2]
        found.append(Quantity(digits, _values(digits), _UNIT_OF.get(unit) if unit else None))
    return found


def _values(token: str) -> frozenset[Decimal]:
    """Return what a written number can mean: its last separator as a decimal point, or
    every separator as a thousands separator (when each group has three digits)."""
    plain = "".join(str(unicodedata.decimal(c)) if c.isdigit() else "|" for c in token)
    groups = plain.split("|")
    values = set()
    try:
        if len(groups) == 1:
            return frozenset({Decimal(groups[0])})
        values.add(Decimal("".join(groups[:-1]) + "." + groups[-1]))
        if all(len(g) == 3 for g in groups[1:]):
            values.add(Decimal("".join(groups)))
    except InvalidOperation:
        pass
    return frozenset(values)


def compare_quantities(english: list[Quantity], translated: list[Quantity]) -> tuple[
        list[Quantity], list[Quantity]]:
    """Match the numbers one to one; return those of the English the translation lacks and
    those the translation has beyond the English."""
    left = list(translated)
    missing = []
    for quantity in english:
        match = next((q for q in left if q.matches(quantity)), None)
        if match is None:
            missing.append(quantity)
        else:
            left.remove(match)
    return missing, left


def numbering_systems(text: str) -> set[str]:
    """Return the CLDR numbering systems of the digits in a text."""
    systems = set()
    for char in text:
        if char.isdecimal():
            zero = chr(ord(char) - unicodedata.decimal(char))
            systems.add(NUMBERING_SYSTEMS.get(zero, unicodedata.name(zero, "?").lower()))
    return systems


def expected_numbering(locale: Locale) -> set[str]:
    """Return the digits a language's readers expect: Latin, and its default and native
    numbering systems in Babel's locale data."""
    native = locale.other_numbering_systems.get("native", "latn")
    return {"latn", locale.default_numbering_system, native}


# --- Negations --------------------------------------------------------------------------

# Words that turn a statement into its opposite, by language; a translation that has none
# where the English has one may have dropped the "not". Matched as whole words, except
# in languages written without spaces (their markers are matched anywhere).
NEGATIONS = {
    "en": ("not", "no", "never", "cannot", "can't", "don't", "doesn't", "won't", "isn't",
           "nothing", "none", "nor", "without"),
    "es": ("no", "nunca", "jamás", "sin", "ni", "ningún", "ninguna", "ninguno", "nada",
           "tampoco", "nadie", "incapaz", "imposible"),
    "fr": ("ne", "n’", "n'", "pas", "jamais", "sans", "aucun", "aucune", "rien", "ni",
           "non", "incapable", "impossible"),
    "ar": ("لا", "لم", "لن", "ليس", "ليست", "لست", "لسنا", "لستم", "ليسوا", "غير", "بدون",
           "دون", "بلا", "ما", "عدم"),
    "zh": ("不", "没", "沒", "無", "无", "别", "別", "勿", "未", "非", "否"),
    "pt": ("não", "nunca", "jamais", "sem", "nem", "nenhum", "nenhuma", "nada", "ninguém",
           "incapaz", "impossível"),
    "ru": ("не", "нет", "ни", "никогда", "без", "нельзя", "ничего", "никто", "невозможно"),
    "vi": ("không", "chưa", "chẳng", "đừng", "chớ"),
    "tl": ("hindi", "huwag", "wag", "wala", "walang", "ayaw"),
    "ht": ("pa", "san", "okenn", "pèsonn", "anyen", "janm"),
    "pa": ("ਨਹੀਂ", "ਨਾ", "ਬਿਨਾਂ", "ਮਤ"),
    # Korean and Persian write negation inside the word (않다, 못; نمی‌, ن- on the verb):
    # their markers are counted wherever they occur.
    "ko": ("않", "못", "없", "아니", "안 ", "말", "금지"),
    "fa": ("نه", "نمی", "نیست", "نباید", "نبا", "نکن", "نکرد", "ندار", "نشو", "نشد", "نخواه",
           "نتوان", "نده", "نگیر", "نبود", "نرسید", "بدون", "هیچ", "غیر"),
}
UNSPACED = frozenset({"zh", "ja", "th", "ko", "fa"})
# Arabic writes "and", "so", "by" and "for" onto the next word, and pronouns onto the last.
CLITICS = {"ar": (r"(?:و|ف|ب|ل)?", r"(?:ه|ها|هم|هما|هن|ك|كم|ي|نا)?")}


def negations(text: str, lang: str) -> int | None:
    """Count the negation words of a text, or None for a language without a list."""
    base = lang.split("_")[0]
    words = NEGATIONS.get(base)
    if words is None:
        return None
    if base in UNSPACED:
        return sum(text.count(word) for word in words)
    folded = text.casefold().replace("’", "'")
    pattern = "|".join(re.escape(w.replace("’", "'")) for w in words)
    before, after = CLITICS.get(base, ("", ""))
    letter = rf"[^\W\d_]|[{_marks()}]"  # a vowel sign continues a word: ਨਾਂ "name" is not ਨਾ
    return len(re.findall(rf"(?<!{letter}){before}(?:{pattern}){after}(?!{letter})", folded))


@functools.cache
def _marks() -> str:
    """Return a regex class body of the combining marks (vowel signs, diacritics) in the
    Basic Multilingual Plane: Python's \\w does not count them as part of a word."""
    marks = [c for c in map(chr, range(0x300, 0x10000))
             if unicodedata.category(c).startswith("M")]
    return "".join(re.escape(c) for c in marks)


# --- The rules ------------------------------------------------------------------------

PLACEHOLDER = re.compile(r"%\([a-z_]+\)[sd]")
INVARIANTS = re.compile(
    r"%\([a-z_]+\)[sd]"                    # placeholders
    r"|https?://[^\s)]+"                   # URLs
    r"|\b10\.\d{4,9}/[^\s)]+"              # DOIs
    r"|\+?\d[\d ().-]{7,}\d"               # phone numbers
)
# Terms that stay as written in every language (also in each glossary). Abbreviations
# such as APR are not here: French rightly writes AAP. They may still be copied as is.
INVARIANT_TERMS = ("5-FU", "I-131")
MAY_STAY_ENGLISH = (*INVARIANT_TERMS, "APR", "EBRT", "RFA", "CT", "HIV", "HPV")
MARKUP = re.compile(r"&[A-Za-z]+;|&#\d+;|&#x[0-9A-Fa-f]+;|\*\*|\]\(")
BRACKETS = {"(": ")", "[": "]", "{": "}", "（": "）", "«": "»", "“": "”", "「": "」"}
SPACE_BEFORE_END = re.compile(r"[ \u00a0\u202f]+([:;?!]\s*)$")
NO_SPACE_BEFORE_END = re.compile(r"(?<=\S)([:;?!]\s*)$")
LANGUAGE_MIN_LETTERS = 40  # shorter units are too short to identify reliably
LANGUAGE_MIN_CONFIDENCE = 0.9
CRITICAL_MIN_RATIO = 0.5  # a critical unit at half its usual length has lost something
# translate-toolkit checks enforced as errors; docs/translation-checks.md says why the
# others are not.
POFILTER_TESTS = ("compendiumconflicts", "doublespacing", "emails", "endpunc", "endwhitespace",
                  "escapes", "newlines", "printf", "purepunc", "startpunc", "startwhitespace",
                  "tabs", "urls", "xmltags")


def pofilter_failures(checker, source: str, target: str) -> dict:
    """Run translate-toolkit's checks on one entry, as `check` judges them.

    The space before a final colon or question mark is a typographic habit of the language
    (French wants one, Vietnamese none; pofilter expects French's for both), not a change of
    meaning, so an end-punctuation failure that only the spacing causes is dropped.
    """
    from translate.storage.pypo import pounit

    unit = pounit(source)
    unit.target = target
    failures = checker.run_filters(unit)
    if "endpunc" in failures:
        for spacing in (SPACE_BEFORE_END.sub(r"\1", target),
                        NO_SPACE_BEFORE_END.sub(r" \1", target)):
            unit.target = spacing
            if "endpunc" not in checker.run_filters(unit):
                del failures["endpunc"]
                break
    return failures


@dataclass(frozen=True)
class Problem:
    """One rule an entry breaks."""

    level: str  # "error" or "warning"
    rule: str
    message: str


@dataclass(frozen=True)
class Entry:
    """What a rule needs to know of one catalog entry."""

    context: str | None
    source: str
    target: str
    critical: bool = False


class EntryChecker:
    """Run every rule on the entries of one language's catalog."""

    def __init__(self, lang: str, locale: Locale, glossary: Glossary | None,
                 languages: Iterable[str] = (), typical_ratio: float = 1.0):
        self.lang = lang
        self.locale = locale
        self.glossary = glossary
        self.languages = tuple(languages)
        self.typical_ratio = typical_ratio
        self._pofilter = _pofilter_checker(lang)

    @classmethod
    def for_entries(cls, lang: str, locale: Locale, glossary: Glossary | None,
                    entries: list[Entry], languages: Iterable[str] = ()) -> EntryChecker:
        """Make a checker whose length rules know the language's usual length ratio."""
        return cls(lang, locale, glossary, languages,
                   typical_ratio((e.source, e.target) for e in entries))

    def problems(self, entry: Entry) -> Iterator[Problem]:
        """Yield every problem of one translated entry."""
        source, target = entry.source, entry.target
        hidden = hidden_characters(target, self.lang)
        if hidden:
            yield Problem("error", "hidden-characters",
                          f"invisible or control characters: {', '.join(hidden)}")
        if "\\" in target and "\\" not in source:
            yield Problem("error", "escapes", "a backslash: gettext escapes other than \\n, "
                          "\\t, \\\" and \\\\ mean different text in different tools")
        if _has_words(source) and not re.search(r"[^\W_]", target):
            yield Problem("error", "empty", "the translation has no letters or digits")
            return
        yield from self._numbers(source, target)
        yield from self._invariants(source, target)
        mixed = mixed_script_words(target)
        if mixed:
            yield Problem("error", "mixed-script",
                          f"letters of two scripts in one word: {', '.join(mixed)}")
        if sorted(MARKUP.findall(target)) != sorted(MARKUP.findall(source)):
            yield Problem("error", "markup",
                          "entities or markdown differ from the English (plain text only)")
        if target == source and _has_words(source):
            yield Problem("error", "untranslated", "the translation is a copy of the English")
        language = self.identify(target)
        if language:
            yield Problem("error", "language", language)
        unbalanced = _unbalanced(target)
        if unbalanced and not _unbalanced(source):
            yield Problem("error", "brackets", f"unbalanced {unbalanced}")
        yield from self._pofilter_problems(source, target)
        if self.glossary:
            for level, message in self.glossary.problems(source, target):
                yield Problem(level, "glossary", message)
        yield from self._length(entry)
        yield from self._negations(source, target)

    def _numbers(self, source: str, target: str) -> Iterator[Problem]:
        """Compare numbers and units by value; check the digits are the language's."""
        foreign = numbering_systems(target) - expected_numbering(self.locale)
        if foreign:
            yield Problem("error", "digits", f"digits of the {', '.join(sorted(foreign))} "
                          f"numbering system; {self.lang} uses "
                          f"{', '.join(sorted(expected_numbering(self.locale)))}")
        missing, extra = compare_quantities(quantities(source, INVARIANT_TERMS),
                                            quantities(target, INVARIANT_TERMS))
        if missing or extra:
            parts = []
            if missing:
                parts.append(f"lacks {', '.join(map(str, missing))}")
            if extra:
                parts.append(f"has {', '.join(map(str, extra))} not in the English")
            yield Problem("error", "numbers", "numbers or units differ from the English: "
                          + "; ".join(parts))

    def _invariants(self, source: str, target: str) -> Iterator[Problem]:
        """Placeholders, URLs, DOIs, phone numbers and fixed terms stay as written."""
        missing = [t for t in INVARIANTS.findall(source) if t not in target]
        missing += [t for t in INVARIANT_TERMS if t in source and t not in target]
        if missing:
            yield Problem("error", "invariants",
                          f"must keep {', '.join(dict.fromkeys(missing))} unchanged")
        extra = set(PLACEHOLDER.findall(target)) - set(PLACEHOLDER.findall(source))
        if extra:
            yield Problem("error", "invariants",
                          f"adds placeholders {', '.join(sorted(extra))}")
        phones = set(INVARIANTS.findall(target)) - set(INVARIANTS.findall(source))
        phones = {p for p in phones if not p.startswith(("%", "http"))}
        if phones:
            yield Problem("error", "invariants",
                          f"has {', '.join(sorted(phones))}, not in the English")

    def _pofilter_problems(self, source: str, target: str) -> Iterator[Problem]:
        """Run translate-toolkit's checks for this language."""
        failures = pofilter_failures(self._pofilter, source, target)
        for test, failure in sorted(failures.items()):
            message = failure.get("message", test) if isinstance(failure, dict) else failure
            if test in ("endpunc", "startpunc"):
                edge = (lambda text: text.strip()[-1:]) if test == "endpunc" else (
                    lambda text: text.strip()[:1])
                where = "ends" if test == "endpunc" else "starts"
                message += (f": the English {where} with {edge(source)!r}, the translation "
                            f"with {edge(target)!r}")
            yield Problem("error", test, f"{message} (pofilter)")

    def _length(self, entry: Entry) -> Iterator[Problem]:
        """Warn of a translation far from the usual length; refuse a short critical one."""
        if _length(entry.source) < 20:
            return
        ratio = _length(entry.target) / _length(entry.source) / self.typical_ratio
        if entry.critical and ratio < CRITICAL_MIN_RATIO:
            yield Problem("error", "critical", f"{ratio:.1f}x the usual length: a critical "
                          "unit (doses, schedule, warning, numbers to call) must be "
                          "translated in full")
        elif ratio > 2.2 or ratio < 1 / 2.2:
            yield Problem("warning", "length", f"{ratio:.1f}x the usual length for this "
                          "language: check nothing was added or dropped")

    def _negations(self, source: str, target: str) -> Iterator[Problem]:
        """Flag a translation with fewer negation words than the English (French "ne ...
        pas" counts two: more is fine, fewer may mean a dropped "not")."""
        counted = negations(target, self.lang)
        english = negations(source, "en")
        if counted is not None and counted < english:
            yield Problem("error", "negation", f"the English has {english} negations (no, "
                          f"not, never, without...), the translation {counted}: check the "
                          "meaning is not reversed")

    def identify(self, text: str) -> str | None:
        """Say which other language a long translation is written in, if it is clearly one."""
        base = self.lang.split("_")[0]
        plain = INVARIANTS.sub(" ", text)
        if len(re.findall(r"[^\W\d_]", plain)) < LANGUAGE_MIN_LETTERS:
            return None
        candidates = tuple(sorted({c.split("_")[0] for c in (*self.languages, "en")}))
        identifier = _identifier(candidates)
        if identifier is None or base not in identifier.nb_classes:
            return None
        found, confidence = identifier.classify(plain)
        if found != base and confidence >= LANGUAGE_MIN_CONFIDENCE:
            name = Locale.parse(found).get_display_name("en")
            return f"the text reads as {name} ({found}), not {self.lang}"
        return None


@functools.cache
def _identifier(languages: tuple[str, ...]):  # noqa: ANN202
    """Load langid's model (it ships inside the package) for these languages."""
    from .langmodel import identifier as full_model

    identifier = full_model()
    known = [lang for lang in languages if lang in identifier.nb_classes]
    if len(known) < 2:
        return None
    identifier.set_languages(known)
    return identifier


@functools.cache
def _pofilter_checker(lang: str):  # noqa: ANN202
    """Return translate-toolkit's standard checker for a language, limited to the tests
    this project enforces."""
    from translate.filters import checks

    config = checks.CheckerConfig(targetlanguage=lang.split("_")[0])
    return checks.StandardChecker(checkerconfig=config, limitfilters=list(POFILTER_TESTS))


def typical_ratio(pairs: Iterable[tuple[str, str]]) -> float:
    """Return a catalog's usual length of a translation to its source: the median over
    its (source, translation) pairs long enough to judge. A length rule that is an error
    (a critical unit far shorter than usual) depends on it, so on every entry."""
    ratios = [_length(target) / _length(source) for source, target in pairs
              if _length(source) >= 20 and target]
    return statistics.median(ratios) if ratios else 1.0


def _length(text: str) -> int:
    """Count the characters a reader sees, without placeholders."""
    return len(PLACEHOLDER.sub("", text))


def _has_words(text: str) -> bool:
    """Say whether text has words beyond terms that may stay the same in every language."""
    for term in MAY_STAY_ENGLISH:
        text = text.replace(term, " ")
    return bool(re.search(r"[^\W\d_]{3,}", INVARIANTS.sub(" ", text)))


def _unbalanced(text: str) -> str | None:
    """Return the first bracket or quote left open or closed twice, if any."""
    closing = {v: k for k, v in BRACKETS.items()}
    stack: list[str] = []
    for char in text:
        if char in BRACKETS:
            stack.append(char)
        elif char in closing:
            if not stack or stack.pop() != closing[char]:
                return char
    if stack:
        return stack[-1]
    return '"' if text.count('"') % 2 else None

