"""langid's model, unpacked once per machine.

langid ships its model as a bzip2-compressed pickle inside the package, and unpacks it
each time a process loads it: about 30 MB out of bzip2, 1.5 to 5 seconds on a small
machine, paid by every build that checks a translation. The unpacked arrays are kept in
the user's cache folder as a NumPy `.npz` file (no pickle: it is read with
`allow_pickle=False`), named by langid's version and the digest of the model it came
from, so an upgraded langid never meets an old file. A missing, unreadable or unwritable
cache only means unpacking as langid does.
"""

from __future__ import annotations

import array
import base64
import bz2
import hashlib
import io
import logging
import os
import pickle
import zipfile
from importlib.metadata import version
from pathlib import Path

log = logging.getLogger(__name__)


def cache_folder() -> Path:
    """Return this project's folder in the user's cache ($XDG_CACHE_HOME or ~/.cache)."""
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "brochurekit"


def cached_path() -> Path:
    """Return the cache file for the installed langid's model."""
    from langid.langid import model

    digest = hashlib.sha256(model).hexdigest()[:16]
    return cache_folder() / f"langid-{version('langid')}-{digest}.npz"


def identifier():  # noqa: ANN201
    """Return langid's LanguageIdentifier over its whole model, with normalised
    probabilities, from the cache when it holds this model."""
    from langid.langid import LanguageIdentifier, model

    cached = cached_path()
    parts = _read(cached)
    if parts is None:
        parts = _unpack(model)
        _write(cached, parts)
    return LanguageIdentifier(*parts, norm_probs=True)


def _unpack(model: bytes) -> tuple:
    """Unpack langid's model string as LanguageIdentifier.from_modelstring does (the
    package's own data: the one pickle read here)."""
    import numpy as np

    ptc, pc, classes, nextmove, output = pickle.loads(bz2.decompress(base64.b64decode(model)))
    features = len(ptc) // len(pc)
    return (np.array(ptc).reshape(features, len(pc)), np.array(pc), features, list(classes),
            nextmove, output)


def _read(path: Path) -> tuple | None:
    """Return the model's parts from a cache file, or None if it is missing or unreadable."""
    import numpy as np

    try:
        with path.open("rb") as stream, np.load(stream, allow_pickle=False) as data:
            ptc, pc = data["ptc"], data["pc"]
            nextmove = array.array(str(data["nextmove_type"]), data["nextmove"].tobytes())
            states, ends, indices = (data[k].tolist() for k in ("states", "ends", "indices"))
            classes = [str(c) for c in data["classes"]]
    except FileNotFoundError:
        return None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as error:
        log.debug("langid cache %s unreadable (%s): unpacking the model", path, error)
        return None
    output, start = {}, 0
    for state, end in zip(states, ends, strict=True):
        output[state] = tuple(indices[start:end])
        start = end
    return ptc, pc, ptc.shape[0], classes, nextmove, output


def _write(path: Path, parts: tuple) -> None:
    """Keep the model's parts in a cache file; say so at debug level if it cannot be."""
    import numpy as np

    from .files import write_atomically

    ptc, pc, _, classes, nextmove, output = parts
    states = sorted(output)
    flat = [index for state in states for index in output[state]]
    ends = np.cumsum([len(output[state]) for state in states])
    buffer = io.BytesIO()
    np.savez(buffer, ptc=ptc, pc=pc, classes=np.array(classes),
             nextmove=np.frombuffer(nextmove.tobytes(), dtype=np.uint8),
             nextmove_type=np.array(nextmove.typecode), states=np.array(states),
             ends=ends, indices=np.array(flat, dtype=np.int64))
    try:
        write_atomically(path, buffer.getvalue())
    except OSError as error:
        log.debug("langid cache %s not written (%s)", path, error)
