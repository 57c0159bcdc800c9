"""Turn a topic and a language's translations into the brochure's HTML.

Everything that comes from content or catalogs is text: Jinja's autoescape is on, and
the gettext functions given to templates escape the translation before Jinja formats it.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import re
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from babel import Locale
from babel.core import get_global, parse_locale
from babel.dates import format_date
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from markupsafe import Markup, escape

from .catalogs import Reading, Translator, translated_percent
from .content import TIMELINE_MARKS, Message, Source, Topic
from .errors import CatalogError
from .safety import NUMBERING_SYSTEMS
from .sites import Site, palette

PAPER_SIZES = {"letter": "letter", "a4": "A4", "half-letter": "5.5in 8.5in", "a5": "A5"}
HALF_SIZES = {"letter": "half-letter", "a4": "a5"}  # the page size inside a booklet
# On every page of a draft, in English: drafts are for translators and reviewers.
DRAFT_MARK = "DRAFT: not for patients"  # on every page of a draft (styles/page.css)
PLACEHOLDER = re.compile(r"%\((page|pages)\)s")
# CSS counter styles for Babel's numbering systems; others fall back to decimal.
COUNTER_STYLES = {"arab": "arabic-indic", "arabext": "persian", "deva": "devanagari",
                  "beng": "bengali", "thai": "thai"}
# Languages whose lines break only between words, although Unicode line breaking
# allows a break between any two of their syllables: Korean is set "keep-all", which
# WeasyPrint 70 does not support (it refuses `word-break: keep-all`).
KEEP_WORDS = frozenset({"ko"})


@dataclass(frozen=True)
class Notes:
    """Ruled lines for the reader's questions and notes, after the main text."""

    pages: tuple[int, ...]  # lines on each page: under the heading, then on whole pages
    new_page: bool = False  # the heading starts a page of its own


@dataclass(frozen=True)
class Language:
    """What the templates need to know about a language."""

    code: str
    tag: str
    direction: str
    name: str
    numbering: str
    script: str = "Latn"  # ISO 15924: the stylesheets size type by script, not by language
    keep_words: bool = False

    @classmethod
    def from_locale(cls, code: str, locale: Locale) -> Language:
        """Describe a language from its Babel locale."""
        return cls(
            code=code,
            tag=code.replace("_", "-"),
            direction="rtl" if locale.character_order == "right-to-left" else "ltr",
            name=locale.get_display_name(locale) or code,
            numbering=locale.default_numbering_system,
            script=script_of(locale),
            keep_words=locale.language in KEEP_WORDS,
        )


def in_numbering(text: str, numbering: str) -> str:
    """Write a text's Western digits in a CLDR numbering system's digits. Babel formats a
    date in Western digits whatever the locale's numbering: "23 نوامبر 2026" in Persian.

    >>> in_numbering("23 نوامبر 2026", "arabext"), in_numbering("7", "latn")
    ('۲۳ نوامبر ۲۰۲۶', '7')
    """
    zero = next((zero for zero, name in NUMBERING_SYSTEMS.items() if name == numbering), "0")
    return text.translate({ord("0") + i: ord(zero) + i for i in range(10)})


def long_date(value: dt.date, locale: Locale) -> str:
    """Write a date as a brochure prints it: Babel's long format, in the locale's digits."""
    return in_numbering(format_date(value, format="long", locale=locale),
                        locale.default_numbering_system)


def script_of(locale: Locale) -> str:
    """Return the script a locale is written in (ISO 15924), from CLDR's likely subtags.

    >>> script_of(Locale.parse("fa")), script_of(Locale.parse("zh_Hant"))
    ('Arab', 'Hant')
    """
    if locale.script:
        return locale.script
    likely = get_global("likely_subtags").get(locale.language)
    return (parse_locale(likely)[2] if likely else None) or "Latn"


def make_environment(templates: Path) -> Environment:
    """Make a Jinja environment for a folder of templates (the brochure's, the preview's,
    the release index's): autoescape everywhere, i18n, and undefined is an error."""
    env = Environment(
        loader=FileSystemLoader(templates),
        autoescape=select_autoescape(default=True, default_for_string=True),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["sentence"] = end_sentence
    return env


def end_sentence(text: str) -> str:
    """End a piece of a citation with a period, unless it already has one."""
    return text if text.endswith((".", "?", "!")) else f"{text}."


class Voice:
    """The language the template is writing in: the brochure's, or English while it
    writes the English half of a bilingual brochure (the `pair` macro switches it)."""

    def __init__(self) -> None:
        self.english = False

    def speak(self, english: bool) -> str:
        """Switch to English or back; return nothing, so a template can call it inline."""
        self.english = english
        return ""


@dataclass(frozen=True)
class Rendered:
    """A brochure's HTML and the catalog entries it looked up: those it prints, and those
    it had no translation for (shown in English, marked)."""

    html: str
    used: frozenset[tuple[str | None, str]] = frozenset()
    missing: frozenset[tuple[str | None, str]] = frozenset()

    @property
    def percent(self) -> float:
        """Return the share of the units it prints that are translated."""
        return translated_percent(self.used, self.missing)


def render_html(env: Environment, topic: Topic, translator: Translator, paper: str,
                draft: bool = False, created: dt.datetime | None = None,
                online: str | None = None, bilingual: bool = False,
                web_css: str | None = None, notes: Notes | None = None,
                fit: int = 0, cover_flows: bool = False, site: Site | None = None,
                logo: str | None = None) -> Rendered:
    """Render one brochure's HTML in the translator's language, with what it looked up.

    A unit with no translation is shown in English, marked as such, never silently:
    the build decides whether such a brochure may be released (see build.py).
    A bilingual brochure sets every block in the brochure's language and, beside it,
    in English. With `web_css`, the page is the web edition: a standalone HTML page with
    that stylesheet inside, for a browser rather than for the PDF renderer. With `notes`,
    a "My questions and notes" section of ruled lines ends the main text; `fit` above 0
    sets the page tighter (the `fit-N` classes of styles/fit.css; see fit.py); with
    `cover_flows`, the text follows a cover too long for its page on its second page.
    With `site`, the brochure is that clinic's: its name and logo on the cover, its numbers,
    hours and support services on the back page, its brand colour (brochurekit.sites);
    `logo` replaces the address of its logo (the web edition's, inline).
    """
    language = Language.from_locale(translator.lang, translator.locale)
    voice = Voice()
    reading = translator.reading()

    def text(context: str | None, message: str) -> Markup:
        if voice.english:
            return escape(message)
        found = reading.lookup(context, message)
        if found is not None:
            return keep_together(found, language.direction == "rtl", language.keep_words)
        return Markup('<span class="untranslated" lang="en" dir="ltr">%s</span>') % message

    def counted(singular: str, plural: str, n: int) -> Markup:
        if voice.english:
            return escape(singular if n == 1 else plural)
        return escape(translator.ngettext(singular, plural, n))

    # Jinja formats what these return with `%` (newstyle gettext): a translation's own
    # "%" must stay a literal percent sign, whatever follows it.
    env.install_gettext_callables(
        gettext=lambda s: literal_percent(text(None, s)),
        ngettext=lambda s, p, n: literal_percent(counted(s, p, n)),
        pgettext=lambda c, s: literal_percent(text(c, s)),
        npgettext=lambda c, s, p, n: literal_percent(counted(s, p, n)),
        newstyle=True,
    )

    def day(value: dt.date) -> str:
        return long_date(value, Locale("en") if voice.english else translator.locale)

    def number(value: str) -> str:
        """A number the brochure prints itself (a date, a figure's week), in the digits
        of the language it is printed in."""
        return value if voice.english else in_numbering(value, language.numbering)

    template = env.get_template("brochure.html.j2")
    brand = site.own_colour if site else None
    html = template.render(
        overdue=topic.review.overdue(created and created.date()),
        topic=topic,
        language=language,
        sources=brochure_sources(topic),
        t=lambda message: text(message.context, message.text),
        plain=lambda message: message.text if voice.english else translate(reading, message),
        marks=TIMELINE_MARKS,
        review=translator.review_status({(m.context, m.text) for m in topic.messages()}),
        isolate=lambda name: Markup("<bdi>%s</bdi>") % name,
        format_date=day,
        number=number,
        bilingual=bilingual,
        paper=paper,
        notes=notes,
        fit=fit,
        cover_flows=cover_flows,
        speak=voice.speak,
        english_date=lambda day: format_date(day, format="long", locale="en"),
        latin=isolate_english,
        page_css=Markup(web_css + brand_css(brand)) if web_css
        else page_css(reading, language, paper, draft, brand),
        own_colour=brand is not None,
        clinic=_clinic(site, translator, logo) if site else None,
        tel=lambda number: Markup('<bdi class="tel" dir="ltr">%s</bdi>') % number,
        own=lambda text: Markup('<bdi dir="%s">%s</bdi>') % (direction_of(text), text),
        direction=direction_of,
        web=web_css is not None,
        online=online,
        qr=qr_code(online) if online else None,
        created=(created or dt.datetime.combine(topic.review.last_reviewed, dt.time(),
                                                dt.UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
    )
    return Rendered(html, frozenset(reading.used), frozenset(reading.missing))


def qr_code(url: str) -> str:
    """Return a QR code for `url` as a small PNG data URI (the PDF fetcher allows those),
    in 8-bit grey: WeasyPrint draws that in DeviceGray, black ink only in print, where it
    turns segno's 1-bit PNG into RGB (which a PDF/X print-shop file may not hold)."""
    import segno
    from PIL import Image

    symbol = io.BytesIO()
    segno.make(url, error="m").save(symbol, kind="png", scale=4, border=2)
    grey = io.BytesIO()
    Image.open(symbol).convert("L").save(grey, format="png")
    return "data:image/png;base64," + base64.b64encode(grey.getvalue()).decode("ascii")


# A Latin term joined to digits by a hyphen, slash or point (5-FU, I-131), or a
# temperature (38 °C): inside right-to-left text the bidi algorithm would show "5-FU" as
# "FU-5" and "38 °C" as "C° 38".
# A temperature with its equivalent in brackets, "38 °C (100.4 °F)", is one term: apart,
# the two read in either order.
TEMPERATURE = r"\d+(?:[.,٫]\d+)?[ \u00a0]?°[CF]"
LATIN_TERM = re.compile(rf"({TEMPERATURE}(?:[ \u00a0]\({TEMPERATURE}\))?"
                        r"|[0-9A-Za-z]+(?:[-./+][0-9A-Za-z]+)+)")


def isolate_latin(text: str) -> Markup:
    """Escape a right-to-left translation, isolating its Latin terms left-to-right."""
    parts = LATIN_TERM.split(text)
    return Markup("").join(Markup('<bdi dir="ltr">%s</bdi>') % part if i % 2 else escape(part)
                           for i, part in enumerate(parts))


# A token with digits (1-800-227-2345, 5-FU, 38), with the word before it when that is
# a word of letters ("stage 4", "stade 4") and the unit after it ("38 °C", "50 %").
NUMBER_WITH_WORD = (
    r"(?:[^\W\d_]+[ \u00a0])?"                       # the word before, if letters
    r"(?:[^\W\d_]+-)?"                                # radium-223, I-131
    r"\d+(?:[.,:/٫٬]\d+)*(?:-\d+(?:[.,:/٫٬]\d+)*)*"   # 38, 100.4, ۱۰۰٫۴, 1-800-227-2345
    r"(?:-[^\W\d_]+)*"                                # 5-FU
    r"(?:[ \u00a0]?(?:°[CF]|%))?"                     # 38 °C, 50 %
)
TOGETHER = re.compile(f"({NUMBER_WITH_WORD})")
# In right-to-left text a temperature keeps its equivalent in brackets with it, so that
# it can be set apart as one term.
TOGETHER_RTL = re.compile(rf"({NUMBER_WITH_WORD}(?:[ \u00a0]\({TEMPERATURE}\))?)")


FORMAT_PLACEHOLDER = re.compile(r"%(?!\([a-z_]+\)[sd])")


def literal_percent(text: Markup) -> Markup:
    """Double every "%" that is not a placeholder, so that formatting prints it as written.

    >>> literal_percent(Markup("100 % sûr, le %(date)s")) % {"date": "1er mai"}
    Markup('100 % sûr, le 1er mai')
    """
    return Markup(FORMAT_PLACEHOLDER.sub("%%", text))


# A word with Hangul or digits in it, with the punctuation attached to it.
KEPT_WORD = re.compile(r"(\S*[\d\u1100-\u11ff\u3130-\u318f\uac00-\ud7a3]\S*)")
WORD_JOINER = "\u2060"  # no line break on either side (UAX #14); draws and copies as nothing


def keep_words(text: str) -> Markup:
    """Escape text, keeping each word with Hangul or digits on one line: a word joiner
    between its characters forbids a break inside it (a span per word did the same at
    2.6 times the rendering time; PDF text extraction drops the joiners).

    >>> keep_words("치료는 5~7주 <b>").replace(WORD_JOINER, "|")
    Markup('치|료|는 5|~|7|주 &lt;b&gt;')
    """
    parts = KEPT_WORD.split(text)
    return Markup("").join(escape(WORD_JOINER.join(part)) if i % 2 else escape(part)
                           for i, part in enumerate(parts))


def keep_together(text: str, rtl: bool = False, words: bool = False) -> Markup:
    """Escape a translation, keeping each number on one line with the word before it.

    With `words`, a line breaks only between words (Korean), which keeps numbers too.

    >>> keep_together("Call 1-800-227-2345 now, in week 5.")
    Markup('<span class="nw">Call 1-800-227-2345</span> now, in <span class="nw">week 5</span>.')
    """
    if words:
        return keep_words(text)
    parts = (TOGETHER_RTL if rtl else TOGETHER).split(text)
    inner = [isolate_latin(part) if rtl else escape(part) for part in parts]
    return Markup("").join(Markup('<span class="nw">%s</span>') % part if i % 2 else part
                           for i, part in enumerate(inner))


def isolate_english(text: str) -> Markup:
    """Wrap English text set inside another language, so bidi cannot reorder it."""
    return Markup('<bdi lang="en" dir="ltr">%s</bdi>') % text


def translate(translator: Translator | Reading, message: Message) -> str:
    """Return a content unit in the translator's language."""
    return translator.pgettext(message.context, message.text)


def brochure_sources(topic: Topic) -> tuple[Source, ...]:
    """Return the topic's sources, then those of its shared blocks, without repeats."""
    by_id = {source.id: source for source in topic.sources}
    for section in topic.sections:
        for source in section.sources:
            by_id.setdefault(source.id, source)
    return tuple(by_id.values())


def direction_of(text: str) -> str:
    """Return the direction of a name or an address line as its first strong letter has
    it (Unicode's rule for dir="auto", which the renderer does not apply itself)."""
    for char in text:
        kind = unicodedata.bidirectional(char)
        if kind == "L":
            return "ltr"
        if kind in ("R", "AL"):
            return "rtl"
    return "ltr"


# A project file named from the project's root ("project:sites/logos/x.png"), as a PDF's
# HTML names a clinic's logo: WeasyPrint names an image after its address, which must not
# depend on where the project is checked out for the PDF's bytes not to. The PDF
# renderer's fetcher (pdf.ProjectFetcher) serves it under the same rules as a file: URL.
PROJECT_URL = "project:"


def _clinic(site: Site, translator: Translator, logo: str | None) -> dict:
    """Return what the templates print of a clinic's site, in the brochure's language."""
    if logo is None and site.logo:  # a PDF's: named from the project
        logo = PROJECT_URL + site.logo
    return {"name": site.name_in(translator.lang), "logo": logo,
            "address": site.address,
            "phones": site.phones, "website": site.website, "emergency": site.emergency,
            "hours": [in_numbering(opening.text(translator.locale),
                                   translator.locale.default_numbering_system)
                      for opening in site.hours],
            "support": site.support}


def page_css(reading: Reading, language: Language, paper: str,
             draft: bool = False, brand: str | None = None) -> Markup:
    """Return what the page furniture of styles/page.css takes from the brochure: the
    paper, the localized "page X of Y" folio (`--folio`), on a draft the DRAFT mark
    (`--draft-mark`), and a clinic's brand colour (`--brand`, checked #rrggbb)."""
    label = page_label(reading)
    style = COUNTER_STYLES.get(language.numbering, "decimal")
    parts = PLACEHOLDER.split(label)
    if sorted(parts[1::2]) != ["page", "pages"]:
        raise CatalogError(
            f"the translation of 'Page %(page)s of %(pages)s' must keep %(page)s and "
            f"%(pages)s once each, got {label!r}", reading.translator.file)
    content = " ".join(
        f"counter({part}, {style})" if i % 2 else css_string(part)
        for i, part in enumerate(parts) if i % 2 or part
    )
    mark = f" --draft-mark: {css_string(DRAFT_MARK)};" if draft else ""
    return Markup(
        f"@page {{ size: {PAPER_SIZES[paper]} }}\n"
        f":root {{ --folio: {content};{mark} }}\n"
        f"body {{ page: {paper} }}"
    ) + Markup(brand_css(brand))


def brand_css(colour: str | None) -> str:
    """Return the CSS that draws a brochure in a clinic's brand colour, checked #rrggbb:
    the colour and its lighter shades (`--brand`, `--brand-tint`...: sites.palette)."""
    if colour is None:
        return ""
    if not re.fullmatch(r"#[0-9a-f]{6}", colour):
        raise ValueError(f"a brand colour is checked #rrggbb, got {colour!r}")
    shades = "; ".join(f"--{name}: {value}" for name, value in palette(colour).items())
    return f"\n:root {{ {shades} }}"


def page_label(translator: Translator | Reading) -> str:
    """Return the translated "Page %(page)s of %(pages)s" pattern."""
    # Translators: page footer. Keep %(page)s and %(pages)s: they become the page numbers.
    return translator.pgettext("page footer", "Page %(page)s of %(pages)s")


def css_string(text: str) -> str:
    """Quote text as a CSS string, escaping everything but ASCII letters and digits."""
    return '"' + "".join(
        char if char.isascii() and char.isalnum() else f"\\{ord(char):x} " for char in text
    ) + '"'
