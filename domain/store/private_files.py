"""Files that hold personal data (returns, reports, histories with children's facts): created
readable and writable by their owner only (0600), whatever the umask, and a file that was
there before is made 0600 too before a byte is written. Never handed to Prefect (R-G1)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO

PRIVATE = 0o600


@contextmanager
def open_private(path: Path) -> Iterator[BinaryIO]:
    """A binary file opened for writing from the start, mode 0600."""
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, PRIVATE)
    os.fchmod(descriptor, PRIVATE)  # an existing file keeps its old mode through O_CREAT
    with os.fdopen(descriptor, "wb") as handle:
        yield handle


def write_private(path: Path, data: bytes | str) -> Path:
    with open_private(path) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)
    return path
