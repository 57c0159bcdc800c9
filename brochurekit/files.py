"""Files and the repository: the one way this project writes a file, and asks git.

A file is written beside its target under a unique name and renamed into place, so a
reader never sees half of it and two builds side by side never share a temporary name.
"""

from __future__ import annotations

import os
import subprocess
import tempfile
from pathlib import Path


def write_atomically(target: Path, data: bytes) -> None:
    """Write bytes to a temporary file beside `target`, then move it into place."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{target.name}.", dir=target.parent)
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())  # on disk before it takes the name
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp makes files private; ours are not
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def git(root: Path, *args: str) -> str | None:
    """Return what `git ARGS` prints in `root`, or None outside a repository or without
    git (a release tarball, a container with no git)."""
    try:
        return subprocess.run(["git", *args], cwd=root, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip() or None
    except (OSError, subprocess.SubprocessError):
        return None


def source_epoch(root: Path) -> str | None:
    """Return the date the sources are from, in seconds since 1970 as text, unparsed:
    SOURCE_DATE_EPOCH, else the last commit's date, else None."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    return epoch if epoch is not None else git(root, "log", "-1", "--format=%ct")
