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
