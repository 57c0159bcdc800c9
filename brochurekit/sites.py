"""Clinic sites: the brochures a clinic hands out, with its name, logo, numbers and help.

A site is one file, `sites/<id>.yaml`, read like the content: YAML's plain types only, and
every error names the file and line. Phone numbers are parsed, checked and formatted for
the clinic's country with `phonenumbers`; they are never translated, and are set apart
from the text around them so that right-to-left text cannot reorder their digits. The
descriptions of support services are the only words a site adds to the catalogs (context
"site support"); the labels around them ("Your care team", "Hours"...) are template
strings. The brand colour must pass WCAG AA wherever the brochure uses it; a colour that
does not is refused with the nearest shade that does.
"""

from __future__ import annotations

import colorsys
import datetime as dt
import re
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass
from pathlib import Path

import phonenumbers
from babel import Locale
from babel.dates import format_interval
from yaml.nodes import Node, ScalarNode

from .content import Message, Reader, compose
from .errors import ContentError, ContentErrors

SITES = Path("sites")
SUPPORT_CONTEXT = "site support"
# What each phone number is for; the template translates each label.
PHONE_KINDS = ("main", "nurse", "after-hours", "appointments")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# The number to call in an emergency, by country, where one number serves every service.
EMERGENCY = {"US": "911", "CA": "911", "MX": "911", "GB": "999", "IE": "112", "AU": "000",
             "NZ": "111", **{c: "112" for c in (
                 "AT", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR",
                 "GR", "HR", "HU", "IT", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT",
                 "RO", "SE", "SI", "SK")}}
# The brand colour is the colour of headings and rules on white and on the boxes' tint,
# and the background of white text on the cover (styles/tokens.css): WCAG AA for text.
PAPER = "#ffffff"
PROJECT_BRAND = "#0b4f6c"  # styles/tokens.css's --brand: a site without a colour of its own
# The lighter colours of styles/tokens.css, made from a clinic's colour as the project's
# are from its blue (#0b4f6c): its hue, a fixed lightness, a share of its saturation.
SHADES = {"brand-tint": (0.935, 0.48),  # the background of boxes and cards
          "brand-pale": (0.861, 0.43),  # the light stripes of "may be given"
          "brand-rule": (0.694, 0.535),  # the rule on the cover band
          "rule": (0.631, 0.3),  # diagram frames, note lines
          "write-line": (0.471, 0.133)}  # the writing lines after questions
AA_CONTRAST = 4.5
COLOUR = re.compile(r"^#[0-9a-fA-F]{6}$")
LOGO_FOLDERS = ("sites/logos", "images")  # the folders brochurekit.pdf lets the renderer read
LOGO_TYPES = {".svg": "image/svg+xml", ".png": "image/png"}
MAX_LOGO_BYTES = 512_000
MAX_LOGO_PIXELS = 4000  # wider or taller than this, a PNG is far more than a cover needs


@dataclass(frozen=True)
class Phone:
    """A checked phone number: as dialled (E.164), and as the clinic's country writes it."""

    kind: str
    e164: str
    shown: str

    @property
    def uri(self) -> str:
        return f"tel:{self.e164}"


@dataclass(frozen=True)
class Opening:
    """Days the clinic is open, and from when to when."""

    first: int  # 0 is Monday
    last: int
    opens: dt.time
    closes: dt.time

    def text(self, locale: Locale) -> str:
        """Say the days and hours in a language: "Monday–Friday 8:00 AM – 5:00 PM"."""
        names = locale.days["format"]["wide"]
        days = names[self.first] if self.first == self.last else \
            f"{names[self.first]}–{names[self.last]}"
        skeleton = "hm" if "h" in locale.time_formats["short"].pattern else "Hm"
        return f"{days} {format_interval(self.opens, self.closes, skeleton, locale=locale)}"


@dataclass(frozen=True)
class Support:
    """A support service the back page lists: its name and number are never translated."""

    name: str
    country: str
    phone: Phone
    description: Message


@dataclass(frozen=True)
class Site:
    """One clinic's profile, validated."""

    id: str
    file: str
    name: str
    country: str
    emergency: str
    colour: str
    languages: tuple[str, ...]
    phones: tuple[Phone, ...]
    example: bool = False
    names: tuple[tuple[str, str], ...] = ()  # (language, the clinic's name in it)
    logo: str | None = None  # a path under the project
    address: tuple[str, ...] = ()
    website: str | None = None
    hours: tuple[Opening, ...] = ()
    paper: str | None = None
    support: tuple[Support, ...] = ()
    base_url: str | None = None

    @property
    def own_colour(self) -> str | None:
        """Return the site's brand colour if it is not the project's own, else None."""
        return None if self.colour == PROJECT_BRAND else self.colour

    def name_in(self, lang: str) -> str:
        """Return the clinic's name in a language, if it has one there, else its own."""
        return dict(self.names).get(lang, self.name)

    def messages(self) -> list[Message]:
        """Return the site's translatable units: its support services' descriptions."""
        return [support.description for support in self.support]

    def online_url(self, lang: str, topic_id: str) -> str | None:
        """Return where the site publishes a brochure's web edition, if it says."""
        return f"{self.base_url}/{lang}/{topic_id}.html" if self.base_url else None


SITE_KEYS = ("name", "country", "languages", "phones")
OPTIONAL_KEYS = ("example", "names", "logo", "address", "website", "hours", "emergency",
                 "colour", "paper", "support", "base_url")


def load_sites(root: Path, known_languages: tuple[str, ...] = (),
               papers: tuple[str, ...] = ()) -> dict[str, Site]:
    """Load every `sites/*.yaml`; report every broken file at once."""
    sites, errors = {}, []
    for path in sorted((root / SITES).glob("*.yaml")):
        try:
            site = parse_site(path.read_text(encoding="utf-8"), path.relative_to(root).as_posix(),
                              root, known_languages, papers)
        except ContentError as error:
            errors.append(error)
            continue
        except (OSError, UnicodeDecodeError) as error:
            errors.append(ContentError(f"cannot be read: {error}", str(path)))
            continue
        sites[site.id] = site
    if errors:
        raise ContentErrors(errors)
    return sites


def parse_site(text: str, file: str, root: Path | None, known_languages: tuple[str, ...] = (),
               papers: tuple[str, ...] = ()) -> Site:
    """Validate one site file's text (`file` names it in errors, as sites/<id>.yaml);
    without `root`, its logo is not looked at (extraction reads only its words)."""
    node = compose(text, file)
    reader = Reader(file)
    site_id = Path(file).stem
    fields = reader.mapping(node, "site", SITE_KEYS, OPTIONAL_KEYS)
    country = _country(reader, fields["country"], "country")
    languages = reader.texts(fields["languages"], "languages")
    for item, lang in zip(reader.sequence(fields["languages"], "languages"), languages,
                          strict=True):
        if known_languages and lang not in known_languages:
            raise reader.fail(item, "languages", f"no catalog for {lang!r} (languages: "
                              f"{', '.join(known_languages)})")
    phones = tuple(_phone(reader, item, f"phones[{i}]", country, kinds=True)
                   for i, item in enumerate(reader.sequence(fields["phones"], "phones")))
    if not phones:
        raise reader.fail(fields["phones"], "phones", "list at least one number to call")
    emergency = _emergency(reader, fields.get("emergency"), country, fields["country"])
    colour = PROJECT_BRAND
    if "colour" in fields:
        colour = reader.text(fields["colour"], "colour")
        if not COLOUR.match(colour):
            raise reader.fail(fields["colour"], "colour", f"{colour!r} is not a colour written "
                              "#rrggbb")
        colour = colour.lower()
        failing = contrast_problem(colour)
        if failing:
            raise reader.fail(fields["colour"], "colour", failing)
    names = ()
    if "names" in fields:
        named = reader.keyed(fields["names"], "names", reader.text, "language")
        for lang, value in named.items():
            if known_languages and lang not in known_languages:
                raise reader.fail(value, "names", f"no catalog for {lang!r}")
        names = tuple((lang, reader.text(value, f"names.{lang}"))
                      for lang, value in named.items())
    logo = None
    if "logo" in fields:
        logo = reader.text(fields["logo"], "logo")
        problem = logo_problem(root, logo) if root is not None else None
        if problem:
            raise reader.fail(fields["logo"], "logo", problem)
    paper = None
    if "paper" in fields:
        paper = reader.text(fields["paper"], "paper")
        if papers and paper not in papers:
            raise reader.fail(fields["paper"], "paper", f"choose from {', '.join(papers)}")
    support = tuple(
        _support(reader, item, f"support[{i}]", file)
        for i, item in enumerate(reader.sequence(fields["support"], "support"))
    ) if "support" in fields else ()
    return Site(
        id=site_id, file=file, name=reader.text(fields["name"], "name"), country=country,
        emergency=emergency, colour=colour, languages=languages, phones=phones,
        example=reader.flag(fields["example"], "example") if "example" in fields else False,
        names=names, logo=logo,
        address=reader.texts(fields["address"], "address") if "address" in fields else (),
        website=_https(reader, fields.get("website"), "website"),
        hours=tuple(_opening(reader, item, f"hours[{i}]") for i, item in
                    enumerate(reader.sequence(fields["hours"], "hours")))
        if "hours" in fields else (),
        paper=paper, support=support,
        base_url=(_https(reader, fields.get("base_url"), "base_url") or "").rstrip("/") or None,
    )


def _phone(reader: Reader, node: Node, where: str, country: str, kinds: bool) -> Phone:
    """Read a phone number, as `{kind: ..., number: ...}` or, for a service, as text."""
    kind = "main"
    if kinds:
        fields = reader.mapping(node, where, ("kind", "number"))
        kind = reader.text(fields["kind"], f"{where}.kind")
        if kind not in PHONE_KINDS:
            raise reader.fail(fields["kind"], f"{where}.kind",
                              f"{kind!r}: choose from {', '.join(PHONE_KINDS)}")
        node = fields["number"]
    text = reader.text(node, where)
    try:
        number = phonenumbers.parse(text, country)
    except phonenumbers.NumberParseException as error:
        raise reader.fail(node, where, f"{text!r} is not a phone number: {error}") from None
    if not phonenumbers.is_valid_number(number):
        raise reader.fail(node, where, f"{text!r} is not a valid number in "
                          f"{phonenumbers.region_code_for_number(number) or country}")
    # At home (toll-free numbers are shared across North America: +1 is home in CA too).
    home = number.country_code == phonenumbers.country_code_for_region(country)
    shown = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.INTERNATIONAL)
    if home:
        national = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.NATIONAL)
        # Brackets, "(217) 555-0142", are mirrored by bidi-aware readers in right-to-left
        # text; the international form without its country code says the same with none.
        shown = shown.removeprefix(f"+{number.country_code} ") if "(" in national \
            else national
    return Phone(kind, phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164),
                 shown)


def _country(reader: Reader, node: Node, where: str) -> str:
    """Read a two-letter country code that phonenumbers knows."""
    country = reader.text(node, where).upper()
    if country not in phonenumbers.SUPPORTED_REGIONS:
        raise reader.fail(node, where, f"{country!r} is not a country code phonenumbers "
                          "knows (two letters: US, CA, GB...)")
    return country


def _emergency(reader: Reader, node: Node | None, country: str, country_node: Node) -> str:
    """Return the emergency number: as written, if it is one there, else the country's."""
    if node is None:
        if country not in EMERGENCY:
            raise reader.fail(country_node, "emergency", f"no emergency number known for "
                              f"{country}: add `emergency:` with the number to call there")
        return EMERGENCY[country]
    number = reader.text(node, "emergency")
    if not phonenumbers.is_emergency_number(number, country):
        raise reader.fail(node, "emergency", f"{number!r} is not an emergency number in "
                          f"{country}")
    return number


def _support(reader: Reader, node: Node, where: str, file: str) -> Support:
    fields = reader.mapping(node, where, ("name", "country", "phone", "description"))
    country = _country(reader, fields["country"], f"{where}.country")
    described = fields["description"]
    text = reader.text(described, f"{where}.description")
    if len(text) > 160:
        raise reader.fail(described, f"{where}.description", f"one line, please: {len(text)} "
                          "characters, at most 160")
    return Support(reader.text(fields["name"], f"{where}.name"), country,
                   _phone(reader, fields["phone"], f"{where}.phone", country, kinds=False),
                   Message(text, SUPPORT_CONTEXT, "support", file,
                           described.start_mark.line + 1))


def _opening(reader: Reader, node: Node, where: str) -> Opening:
    fields = reader.mapping(node, where, ("days", "opens", "closes"))
    days = reader.text(fields["days"], f"{where}.days")
    first, _, last = days.partition("-")
    if first not in DAYS or (last or first) not in DAYS:
        raise reader.fail(fields["days"], f"{where}.days", f"{days!r}: a day or a range of "
                          f"days, such as mon-fri ({', '.join(DAYS)})")
    opens, closes = (_time(reader, fields[key], f"{where}.{key}") for key in ("opens", "closes"))
    if closes <= opens:
        raise reader.fail(fields["closes"], f"{where}.closes", "closes before it opens")
    return Opening(DAYS.index(first), DAYS.index(last or first), opens, closes)


def _time(reader: Reader, node: Node, where: str) -> dt.time:
    # YAML reads an unquoted 08:00 as a number in base 60; ask for quotes, not magic.
    if (not isinstance(node, ScalarNode) or node.tag != "tag:yaml.org,2002:str"
            or not re.fullmatch(r"[0-2][0-9]:[0-5][0-9]", node.value)):
        raise reader.fail(node, where, "expected a time on the 24-hour clock, quoted: "
                          '"08:30"')
    try:
        return dt.time.fromisoformat(node.value)
    except ValueError:
        raise reader.fail(node, where, f"{node.value!r} is not a time of day") from None


def _https(reader: Reader, node: Node | None, where: str) -> str | None:
    if node is None:
        return None
    value = reader.text(node, where)
    if not re.fullmatch(r"https://[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[A-Za-z0-9._~%/-]*)?", value):
        raise reader.fail(node, where, f"{value!r}: an https:// address, without spaces, "
                          "quotes or a query")
    return value


# --- Brand colour --------------------------------------------------------------------


def luminance(colour: str) -> float:
    """Return a #rrggbb colour's relative luminance (WCAG 2.1)."""
    linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4
              for c in _rgb(colour)]
    return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]


def contrast(first: str, second: str) -> float:
    """Return the WCAG contrast ratio of two colours."""
    lighter, darker = sorted((luminance(first), luminance(second)), reverse=True)
    return (lighter + 0.05) / (darker + 0.05)


def palette(colour: str) -> dict[str, str]:
    """Return the colours a brochure is drawn in for a brand colour: the colour itself
    (`brand`) and its lighter shades (SHADES), as custom properties of styles/tokens.css."""
    hue, _, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    return {"brand": colour, **{name: _hex(colorsys.hls_to_rgb(hue, light, saturation * share))
                                for name, (light, share) in SHADES.items()}}


def backgrounds(colour: str) -> dict[str, str]:
    """Return what text in a brand colour is printed on: white paper, and the boxes' tint
    made from the colour."""
    return {"white paper": PAPER, "the boxes' tint": palette(colour)["brand-tint"]}


def channels(colour: str) -> tuple[int, int, int]:
    """Return a #rrggbb colour's red, green and blue, 0 to 255."""
    red, green, blue = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return red, green, blue


def _rgb(colour: str) -> tuple[float, float, float]:
    red, green, blue = (channel / 255 for channel in channels(colour))
    return red, green, blue


def _hex(rgb: tuple[float, float, float]) -> str:
    return "#" + "".join(f"{round(c * 255):02x}" for c in rgb)


def contrast_problem(colour: str) -> str | None:
    """Say why a brand colour fails WCAG AA somewhere the brochure uses it, proposing the
    nearest shade that passes everywhere (the same hue, darker); None if it passes."""
    failing = [(name, contrast(colour, background))
               for name, background in backgrounds(colour).items()
               if contrast(colour, background) < AA_CONTRAST]
    if not failing:
        return None
    where = ", ".join(f"{ratio:.2f}:1 against {name}" for name, ratio in failing)
    return (f"{colour} is too light for text: {where}; WCAG AA needs {AA_CONTRAST}:1. "
            f"The nearest shade that passes is {passing_shade(colour)}")


def passing_shade(colour: str) -> str:
    """Return the lightest shade of a colour's hue and saturation that passes AA on every
    background it is used on."""
    hue, light, saturation = colorsys.rgb_to_hls(*_rgb(colour))
    for step in range(round(light * 1000), -1, -1):
        shade = _hex(colorsys.hls_to_rgb(hue, step / 1000, saturation))
        if all(contrast(shade, bg) >= AA_CONTRAST for bg in backgrounds(shade).values()):
            return shade
    return "#000000"


# --- Logo ----------------------------------------------------------------------------

SVG_ALLOWED_REFERENCE = re.compile(r"^#[A-Za-z_][\w.-]*$")
SVG_FORBIDDEN = {"script", "foreignObject", "iframe", "object", "embed", "audio", "video"}
URL_IN_CSS = re.compile(r"url\(\s*['\"]?\s*([^'\")\s]*)", re.IGNORECASE)


def logo_problem(root: Path, logo: str) -> str | None:
    """Say why a logo cannot be printed, or None: it must be an SVG or PNG file inside the
    project, small enough, and (an SVG) refer to nothing outside itself."""
    suffix = Path(logo).suffix.lower()
    if suffix not in LOGO_TYPES:
        return f"{logo!r}: a logo is an .svg or .png file"
    if Path(logo).is_absolute() or ".." in Path(logo).parts:
        return f"{logo!r}: give a path inside the project, relative to it"
    path = (root / logo).resolve()
    if not any(path.is_relative_to((root / folder).resolve()) for folder in LOGO_FOLDERS):
        return (f"{logo!r} is not in {' or '.join(f'{f}/' for f in LOGO_FOLDERS)} (after "
                "following links): the renderer reads no other file")
    if not path.is_file():
        return f"{logo!r}: no such file"
    size = path.stat().st_size
    if size > MAX_LOGO_BYTES:
        return f"{logo!r} is {size} bytes; a logo is at most {MAX_LOGO_BYTES}"
    data = path.read_bytes()
    if suffix == ".png":
        return _png_problem(logo, data)
    return svg_problem(logo, data)


def _png_problem(logo: str, data: bytes) -> str | None:
    if data[:8] != b"\x89PNG\r\n\x1a\n" or data[12:16] != b"IHDR":
        return f"{logo!r} is not a PNG file"
    width, height = int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")
    if not 0 < max(width, height) <= MAX_LOGO_PIXELS:
        return f"{logo!r} is {width} x {height} pixels; at most {MAX_LOGO_PIXELS} a side"
    return None


def svg_problem(logo: str, data: bytes) -> str | None:
    """Say what in an SVG could run code or fetch something (a URL, a local file), or None."""
    if b"<!DOCTYPE" in data or b"<!ENTITY" in data:
        return f"{logo!r} declares a DOCTYPE or entities; an SVG logo needs neither"
    try:
        tree = ElementTree.fromstring(data)
    except ElementTree.ParseError as error:
        return f"{logo!r} is not well-formed SVG: {error}"
    if tree.tag.rsplit("}", 1)[-1] != "svg":
        return f"{logo!r} is not an SVG file"
    for element in tree.iter():
        name = element.tag.rsplit("}", 1)[-1]
        if name in SVG_FORBIDDEN:
            return f"{logo!r} contains <{name}>: a logo may not run code or embed pages"
        texts = [element.text or ""] if name == "style" else []
        for attribute, value in element.attrib.items():
            local = attribute.rsplit("}", 1)[-1]
            if local.lower().startswith("on"):
                return f"{logo!r} has an event handler ({local}): a logo may not run code"
            if local in ("href", "src") and not SVG_ALLOWED_REFERENCE.match(value.strip()):
                return (f"{logo!r} refers to {value.strip()[:60]!r}: a logo may only refer "
                        "to its own parts (#id), never to a URL or a file")
            texts.append(value)
        for text in texts:
            if "@import" in text:
                return f"{logo!r} imports a stylesheet: a logo may not fetch anything"
            for target in URL_IN_CSS.findall(text):
                if not SVG_ALLOWED_REFERENCE.match(target):
                    return (f"{logo!r} refers to {target[:60]!r}: a logo may only refer to "
                            "its own parts (#id), never to a URL or a file")
    return None


STARTER = """\
# A clinic's site: brochures with its name, logo, numbers and local help.
# Build them with `make_brochures.py build --site {id}`; `make_brochures.py check` checks
# this file. Only `name`, `country`, `languages` and `phones` are required.

# The clinic's name as it prints, never translated; `names` gives it in other languages
# where the clinic has an official form there.
name: Your Clinic Name
# names:
#   es: Nombre de su clínica

# Two-letter country code: phone numbers are checked and written as that country does,
# and it sets the emergency number (911 in the US and Canada, 112 in most of Europe).
country: US
# emergency: "911"

# The languages the clinic hands brochures out in (each needs a catalog in locales/).
languages: [en, es]

# Numbers to call. kind: main, nurse, after-hours or appointments. Write them as you
# would dial them; they print as the country writes them.
phones:
  - kind: main
    number: "+1 217 555 0100"

# address:
#   - 100 Main Street
#   - Springfield, ST 00000
# website: https://clinic.example.org
# Days (mon..sun, or a range such as mon-fri) and times on the 24-hour clock, quoted.
# hours:
#   - days: mon-fri
#     opens: "08:00"
#     closes: "17:00"

# A logo, SVG or PNG, in sites/logos/ (at most 512 KB). An SVG may not refer to any
# file or web address.
# logo: sites/logos/{id}.svg

# The colour of headings and the cover band, #rrggbb. It must be dark enough to read on
# white (WCAG AA); a colour that is not is refused with the nearest shade that is.
# colour: "#0b4f6c"

# Paper for this clinic's brochures (letter, a4); default: each language's.
# paper: letter

# Where the clinic publishes the web editions: the QR code on the back page points there.
# base_url: https://clinic.example.org/brochures

# Support services listed on the back page. The description is translated through the
# catalogs (run extract and update); the name and number never are.
# support:
#   - name: American Cancer Society
#     country: US
#     phone: "1-800-227-2345"
#     description: Cancer information and support, at any hour of the day or night.
"""


def starter(site_id: str) -> str:
    """Return the commented profile `init-site` writes for a new site."""
    return STARTER.format(id=site_id)
