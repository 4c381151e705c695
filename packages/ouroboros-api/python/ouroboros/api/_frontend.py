"""``app.frontend(path, directory=...)``: a static frontend build served
behind every route, FastAPI 0.165's low-priority frontend routes.

A request no route answers (the router's own 404) is looked up among the
frontends, longest path first: a file, a directory's ``index.html``, then
the fallback (``404.html`` with status 404, or ``index.html`` for a browser
navigation). Only GET and HEAD are served; another method gets 405 where a
file exists and 404 elsewhere.
"""

from __future__ import annotations

import email.message
import os
import stat
import warnings
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, Literal

from ouroboros.api.exceptions import HTTPException

__all__ = ["Frontend", "frontend_response", "make_frontend"]

Fallback = Literal["auto", "index.html", "404.html"] | None
_FALLBACKS = ("auto", "index.html", "404.html", None)
_NAVIGATION_TYPES = {"text/html", "application/xhtml+xml"}


@dataclass(frozen=True)
class Frontend:
    """One ``frontend()`` call: where it is served and from which folder."""

    path: str  # "/" or "/app" (no trailing slash), router prefixes included
    directory: str | os.PathLike[str]
    fallback: Fallback
    checked: bool  # whether the folder was checked when it was declared

    def under(self, prefix: str) -> Frontend:
        """The same frontend included under ``prefix``."""
        if not prefix:
            return self
        return replace(self, path=prefix if self.path == "/" else prefix + self.path)

    def relative(self, route_path: str) -> str | None:
        """The file path a request path names here (None: not under it)."""
        if self.path == "/":
            return route_path.lstrip("/")
        if route_path == self.path:
            return ""
        if route_path.startswith(self.path + "/"):
            return route_path[len(self.path) + 1 :]
        return None


def _missing_directory(directory: str | os.PathLike[str]) -> str:
    return f"Frontend directory '{directory}' does not exist. Resolved absolute path: '{os.path.realpath(directory)}'"


def _missing_fallback(fallback: str, directory: str | os.PathLike[str]) -> str:
    return (
        f"Frontend fallback file '{fallback}' does not exist in directory '{directory}'. "
        f"Resolved absolute directory: '{os.path.realpath(directory)}'"
    )


def make_frontend(
    prefix: str,
    path: str,
    directory: str | os.PathLike[str],
    fallback: Fallback,
    check_dir: bool | Literal["auto"],
    stacklevel: int,
) -> Frontend:
    """Check a ``frontend()`` declaration as FastAPI does.

    Raises:
        AssertionError: An empty path, one without a leading ``/``, or an
            unknown ``fallback``.
        RuntimeError: ``check_dir`` and the folder (or an explicit fallback
            file in it) is missing.
    """
    if fallback not in _FALLBACKS:
        raise AssertionError("fallback must be 'auto', 'index.html', '404.html', or None")
    if not path:
        raise AssertionError("A frontend path cannot be empty")
    if not path.startswith("/"):
        raise AssertionError("A frontend path must start with '/'")
    if path != "/":
        path = path.rstrip("/")
    if check_dir == "auto":
        # `fastapi dev` sets FASTAPI_ENV=development: a build may come later.
        check_dir = os.environ.get("FASTAPI_ENV") != "development"
        if not check_dir and not os.path.isdir(directory):
            warnings.warn(_missing_directory(directory), UserWarning, stacklevel=stacklevel + 1)
    if check_dir:
        if not os.path.isdir(directory):
            raise RuntimeError(_missing_directory(directory))
        if fallback in ("index.html", "404.html") and _regular_file(directory, fallback) is None:
            raise RuntimeError(_missing_fallback(fallback, directory))
    return Frontend(path, directory, fallback, bool(check_dir)).under(prefix)


def _regular_file(directory: str | os.PathLike[str], relative: str) -> str | None:
    """The real path of a regular file under ``directory`` (symlinks may not
    lead outside it), or None; an unusable name (NUL byte, too long) is None too.

    Raises:
        HTTPException: 401 when the file system refuses access.
    """
    root = os.path.realpath(directory)
    try:
        full = os.path.realpath(os.path.join(root, relative))
        if os.path.commonpath([root, full]) != root:
            return None
        mode = os.stat(full).st_mode
    except PermissionError:
        raise HTTPException(401) from None
    except (OSError, ValueError):
        return None
    return full if stat.S_ISREG(mode) else "" if stat.S_ISDIR(mode) else None


def _accepts_html(accept: str) -> bool:
    """Whether an Accept header asks for HTML (a browser navigation)."""
    for item in accept.split(","):
        message = email.message.Message()
        message["content-type"] = item.strip()
        media = f"{message.get_content_maintype()}/{message.get_content_subtype()}"
        quality = message.get_param("q")
        try:
            q = float(quality) if isinstance(quality, str) else 1.0
        except ValueError:
            q = 1.0
        if media in _NAVIGATION_TYPES and q != 0:
            return True
    return False


def _choose(frontends: Iterable[Frontend], route_path: str) -> tuple[Frontend, str] | None:
    best: tuple[Frontend, str] | None = None
    for frontend in frontends:
        relative = frontend.relative(route_path)
        if relative is None:
            continue
        if best is None or len(frontend.path.rstrip("/")) > len(best[0].path.rstrip("/")):
            best = (frontend, relative)
    return best


def _static_file(frontend: Frontend, relative: str) -> tuple[str, bool] | None:
    """(file, whether it is a directory's index) for a request, or None."""
    relative = os.path.normpath(os.path.join(*relative.split("/"))) if relative else "."
    found = _regular_file(frontend.directory, relative)
    if found:
        return found, False
    if found == "":  # a directory: its index.html
        index = _regular_file(frontend.directory, os.path.join(relative, "index.html"))
        if index:
            return index, True
    return None


def frontend_response(frontends: list[Frontend], request: Any) -> Any:
    """The answer of the frontends to a request no route matched.

    Raises:
        HTTPException: 404 (nothing here), 405 (a file, but not GET/HEAD),
            401 (access refused by the file system).
        RuntimeError: The folder or the chosen fallback file is missing.
    """
    from ouroboros.api.responses import FileResponse, RedirectResponse

    chosen = _choose(frontends, request.url.path)
    if chosen is None:
        raise HTTPException(404)
    frontend, relative = chosen
    if not frontend.checked and not os.path.isdir(frontend.directory):
        raise RuntimeError(_missing_directory(frontend.directory))
    found = _static_file(frontend, relative)
    if request.method not in ("GET", "HEAD"):
        raise HTTPException(405 if found is not None else 404)
    if found is not None:
        full, is_index = found
        if is_index and not request.url.path.endswith("/"):
            return RedirectResponse(str(request.url.replace(path=request.url.path + "/")), status_code=307)
        return FileResponse(full)
    fallback = frontend.fallback
    if fallback == "404.html" or (fallback == "auto" and _regular_file(frontend.directory, "404.html")):
        return _fallback(frontend, "404.html", 404)
    wants_index = fallback == "index.html" or (fallback == "auto" and _regular_file(frontend.directory, "index.html"))
    if wants_index and _accepts_html(request.headers.get("accept", "")):
        return _fallback(frontend, "index.html", 200)
    raise HTTPException(404)


def _fallback(frontend: Frontend, name: str, status: int) -> Any:
    from ouroboros.api.responses import FileResponse

    full = _regular_file(frontend.directory, name)
    if not full:
        raise RuntimeError(_missing_fallback(name, frontend.directory))
    return FileResponse(full, status_code=status)
