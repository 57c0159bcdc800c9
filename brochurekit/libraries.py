"""Import WeasyPrint without running a compiler.

WeasyPrint 70 finds each C library it needs (Pango, HarfBuzz, fontconfig...) by trying
several names in turn (`weasyprint/text/ffi.py`, `_dlopen`); cffi passes each name that
does not load to `ctypes.util.find_library`, which on Linux runs `ldconfig`, then `gcc` and
`ld`, for names that are never found. That is a third of the import: 0.35 of about 1 s.
The names that end the search on Linux are the sonames themselves ("libpango-1.0.so.0"),
which the dynamic loader finds without help; so the import is tried first with
`find_library` answering "not found" at once, and again as usual if that fails.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import io
import sys

# The WeasyPrint whose private internals actualtext.py and relayout.py adapt (pinned in
# pyproject.toml): each refuses another until it is checked against it.
WEASYPRINT = "70.0"


def require_weasyprint(adapter: str, internals: str, then: str) -> None:
    """Refuse a WeasyPrint other than WEASYPRINT: `adapter` (a module) adapts its
    `internals`; `then` says what to check before updating WEASYPRINT."""
    import weasyprint

    if weasyprint.__version__ != WEASYPRINT:
        raise RuntimeError(
            f"brochurekit/{adapter} adapts WeasyPrint {WEASYPRINT}'s private {internals}; "
            f"WeasyPrint {weasyprint.__version__} is installed. {then}, then update "
            "WEASYPRINT in brochurekit/libraries.py.")


def import_weasyprint() -> None:
    """Import WeasyPrint, its libraries loaded by soname when the loader can find them."""
    if "weasyprint.text.ffi" in sys.modules:
        return
    original = ctypes.util.find_library
    ctypes.util.find_library = _not_found
    try:
        # WeasyPrint prints its installation help before it fails: not for this attempt.
        with contextlib.redirect_stdout(io.StringIO()):
            import weasyprint.text.ffi  # noqa: F401
    except OSError:
        pass  # imported again below, the usual way
    finally:
        ctypes.util.find_library = original
    import weasyprint  # noqa: F401


def _not_found(name: str) -> None:  # noqa: ARG001
    return None
