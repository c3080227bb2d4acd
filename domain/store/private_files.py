"""Files that hold personal data (the SQLite store, returns, reports, exported histories):
readable and writable by their owner only from the start, whatever the umask (R-G1).

- a new file is created 0600, and the folders made for it 0700, each level;
- a file that was there before is made 0600 too before a byte is written or read, and one
  that belongs to another user, or is a symbolic link, is refused, saying why (its owner
  would lose it, or the data would go where the link points).

Never handed to Prefect.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

from domain.store.errors import StoreError

PRIVATE = 0o600
PRIVATE_FOLDER = 0o700


class NotPrivate(StoreError):
    """A file that cannot be kept private: the message says which and why."""


def private_folder(path: Path) -> Path:
    """``path`` as a folder, every level this makes of it readable by its owner only."""
    missing = []
    for level in (path, *path.parents):
        if level.exists():
            break
        missing.append(level)
    for level in reversed(missing):
        level.mkdir(mode=PRIVATE_FOLDER, exist_ok=True)
        level.chmod(PRIVATE_FOLDER)  # mkdir's mode passes through the umask
    return path


def make_private(path: Path) -> None:
    """An existing file made 0600 (or refused, saying why); nothing if there is none."""
    try:
        found = path.lstat()
    except FileNotFoundError:
        return
    if stat.S_ISLNK(found.st_mode):
        raise NotPrivate(f"{path} is a symbolic link: a file of personal data is never written "
                         "through one")  # fmt: skip
    if found.st_uid != os.geteuid():
        raise NotPrivate(
            f"{path} belongs to another user (uid {found.st_uid}): it holds children's data, "
            "so only its owner may open it; run as that user"
        )
    if stat.S_IMODE(found.st_mode) & 0o077:
        path.chmod(PRIVATE)


@contextmanager
def open_private(path: Path) -> Iterator[BinaryIO]:
    """A binary file opened for writing from the start, mode 0600."""
    private_folder(path.parent)
    make_private(path)
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW
    descriptor = os.open(path, flags, PRIVATE)
    os.fchmod(descriptor, PRIVATE)  # created through the umask: make sure
    with os.fdopen(descriptor, "wb") as handle:
        yield handle


def write_private(path: Path, data: bytes | str) -> Path:
    with open_private(path) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path
