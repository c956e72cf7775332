"""Atomic file writes shared by :func:`scratchnet.save` and ``torch_ref.serialization.save``.

A save writes a temporary file next to the target, flushes it to disk
(``fsync``) and only then renames it over the target (``os.replace``, atomic on
POSIX and Windows). If anything fails first — an unsaveable value, a full disk,
Ctrl-C — the temporary file is removed and the target, if any, is left byte for
byte as it was.

Two details make the result the file a plain ``open(path, "wb")`` would give:

* **Permissions.** A new file gets the mode the umask gives (``0o666 & ~umask``,
  as ``numpy.savez`` and ``torch.save`` do): the temporary file is created with
  ``os.open(..., 0o666)`` so the kernel applies the umask, instead of
  ``tempfile.mkstemp``'s private 0600. Replacing an existing file keeps that
  file's mode (its owner is the saver's, as with any rename).
* **Symbolic links.** Saving to a link writes to the file the link points to
  (resolved once, before writing), so the link stays a link, as with
  ``open(path, "wb")``; the temporary file is made in the target's folder, so
  the rename stays on one file system.
"""

from __future__ import annotations

import os
import secrets
import stat


def _fsync_directory(directory: str) -> None:
    """Make the rename itself durable (POSIX); a no-op where folders cannot be opened."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def resolve_target(path) -> str:
    """``path`` as a str, checked, with a symbolic link replaced by the file it points to."""
    if isinstance(path, (bytes, bytearray)) or not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    path = os.fspath(path)
    target = os.path.realpath(path) if os.path.islink(path) else path
    if os.path.isdir(target):
        raise IsADirectoryError(f"cannot save to {path!r}: it is a directory")
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"cannot save to {path!r}: the folder {directory!r} does not exist")
    return target


def atomic_write(path, write) -> None:
    """Call ``write(binary file object)`` on a temporary file, then move it to ``path``.

    ``path`` should come from :func:`resolve_target`. On any error (or
    interrupt) the temporary file is removed and the error re-raised.
    """
    directory = os.path.dirname(os.path.abspath(path))
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)  # replacing: keep the file's mode
    except FileNotFoundError:
        mode = None
    if mode is not None and not os.access(path, os.W_OK):
        # A rename would replace a file that open(path, "wb") may not write: refuse, as open would.
        raise PermissionError(f"cannot save to {path!r}: the file is write-protected (mode {mode:o})")
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0)
    for _ in range(100):
        tmp = os.path.join(directory, f".{os.path.basename(path)}.{secrets.token_hex(6)}.tmp")
        try:
            fd = os.open(tmp, flags, 0o666)  # the umask applies, as for open(path, "wb")
            break
        except FileExistsError:
            continue
    else:  # pragma: no cover - 100 collisions of 48 random bits
        raise FileExistsError(f"could not create a temporary file in {directory!r}")
    try:
        with os.fdopen(fd, "wb") as fh:
            if mode is not None and hasattr(os, "fchmod"):
                os.fchmod(fh.fileno(), mode)
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:  # an interrupt too: never leave a half-written temporary file behind
        try:
            os.unlink(tmp)
        except FileNotFoundError:
            pass
        raise
    _fsync_directory(directory)
