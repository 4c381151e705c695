"""Serving a directory: ``app.mount("/static", StaticFiles(directory="public"))``."""

from __future__ import annotations

import os
from pathlib import Path

from ouroboros.api.exceptions import HTTPException
from ouroboros.api.responses import FileResponse, Response

__all__ = ["StaticFiles"]


class StaticFiles:
    """Files under ``directory``, never outside it.

    Args:
        directory: The folder to serve.
        html: Serve ``index.html`` for directories (and for the mount root).
        check_dir: Fail at construction if ``directory`` does not exist.

    Raises:
        ouroboros.core.InvalidArgumentError: ``directory`` is missing.
    """

    def __init__(self, *, directory: str | os.PathLike[str], html: bool = False, check_dir: bool = True) -> None:
        self.directory = Path(directory).resolve()
        self.html = html
        if check_dir and not self.directory.is_dir():
            from ouroboros.core import InvalidArgumentError

            raise InvalidArgumentError(f"StaticFiles directory {str(directory)!r} does not exist")

    def lookup(self, path: str) -> Path:
        """The file for a request path (404 when absent, outside the directory,
        or not a name the file system accepts: a NUL byte, a name too long)."""
        if "\x00" in path:
            raise HTTPException(404)
        try:
            candidate = (self.directory / path.lstrip("/")).resolve()
            if candidate != self.directory and self.directory not in candidate.parents:
                raise HTTPException(404)
            if candidate.is_dir() and self.html:
                candidate = candidate / "index.html"
            if not candidate.is_file():
                raise HTTPException(404)
        except (OSError, ValueError):
            # ENAMETOOLONG, ELOOP, EACCES... : nothing servable at this path.
            raise HTTPException(404) from None
        return candidate

    async def serve(self, path: str) -> Response:
        """The response for ``path`` relative to the mount point."""
        return FileResponse(self.lookup(path))
