"""What a billing file is before it is read, and proof that it did not change while it was.

An export still being written (or rotated, or truncated by a sync) would otherwise be ingested
as complete: a billing period replaced by part of itself. The file's identity (size, mtime,
inode, device) is taken before its header is read and again after its last row; the bytes
hashed must also number exactly its size. Anything that is not a regular file (a FIFO, a
device such as /dev/zero, a socket) is refused before it is opened: reading one never ends.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path

CHANGED_WHILE_READ = "the file changed while it was read; ingest it again once it is complete."


class FileChangedError(ValueError):
    """A file is not a regular file, or it moved while costbot read it."""


@dataclass(frozen=True)
class FileIdentity:
    size: int
    mtime_ns: int
    inode: int
    device: int


def regular_file_identity(path: Path) -> FileIdentity:
    """The identity of a regular file (symbolic links followed); refuse anything else unopened."""
    try:
        info = os.stat(path)
    except OSError as exc:
        raise FileChangedError(f"{path}: cannot read the file ({exc.strerror}).") from exc
    if not stat.S_ISREG(info.st_mode):
        raise FileChangedError(
            f"{path}: not a regular file ({_kind(info.st_mode)}); costbot reads billing "
            "exports saved as files. Copy the data to a .csv, .csv.gz or .parquet file first."
        )
    return FileIdentity(info.st_size, info.st_mtime_ns, info.st_ino, info.st_dev)


def check_unchanged(path: Path, before: FileIdentity, bytes_hashed: int) -> None:
    """Refuse a file whose identity moved since `before`, or whose bytes did not all get read."""
    try:
        after = regular_file_identity(path)
    except FileChangedError:
        after = None
    if after != before or bytes_hashed != before.size:
        raise FileChangedError(f"{path}: {CHANGED_WHILE_READ}")


def refuse_if_changed(path: Path, before: FileIdentity) -> None:
    """Raise FileChangedError when the file moved since `before`: a parse error in a file
    truncated or rewritten mid-read says the file changed, not that the export is malformed."""
    try:
        after = regular_file_identity(path)
    except FileChangedError:
        after = None
    if after != before:
        raise FileChangedError(f"{path}: {CHANGED_WHILE_READ}")


def _kind(mode: int) -> str:
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISDIR(mode):
        return "a folder"
    return "not a file"
