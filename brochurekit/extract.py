"""A Babel extractor for the YAML content, registered as `brochure_yaml`.

`pybabel extract -F babel.cfg` calls it for every file under `brochures/` and `sites/`. Each unit
becomes one catalog entry: the English text is the msgid, msgctxt says which topic and
section it belongs to, and the `#.` comment says what kind of text it is.
"""

from __future__ import annotations

from collections.abc import Collection, Iterator, Mapping
from typing import IO, Any

from .content import SHARED_FILE, Message, parse_shared, parse_topic
from .sites import SITES, parse_site


def extract_brochure_yaml(
    fileobj: IO[bytes],
    keywords: Mapping[str, Any],
    comment_tags: Collection[str],
    options: Mapping[str, Any],
) -> Iterator[tuple[int, str, tuple[str, str], list[str]]]:
    """Yield `(line, "pgettext", (context, text), [comment])` for every unit of a file."""
    name = getattr(fileobj, "name", "<yaml>")
    if isinstance(name, bytes):
        name = name.decode()
    text = fileobj.read().decode(options.get("encoding", "utf-8"))
    for message in _messages(text, str(name)):
        yield message.line, "pgettext", (message.context, message.text), [message.comment]


def _messages(text: str, name: str) -> Iterator[Message]:
    """Return the units of a topic file or of the shared file, in reading order."""
    parts = name.replace("\\", "/").split("/")
    if len(parts) > 1 and parts[-2] == SITES.name:  # a clinic's site: its services' words
        yield from parse_site(text, f"{SITES.name}/{parts[-1]}", None).messages()
        return
    if parts[-1] == SHARED_FILE:
        for block in parse_shared(text, name).blocks.values():
            yield from block.messages()
        return
    yield from parse_topic(text, name).messages()
