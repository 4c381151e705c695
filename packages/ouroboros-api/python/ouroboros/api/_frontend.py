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
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Literal

from ouroboros.api.exceptions import HTTPException, error_dicts

__all__ = ["Frontend", "answer_unrouted", "frontend_response", "make_frontend"]

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
    # Its routers' and inclusions' `dependencies=`, outermost first.
    dependencies: tuple[Any, ...] = ()

    def under(self, prefix: str, dependencies: Sequence[Any] = ()) -> Frontend:
        """The same frontend included under ``prefix``, after ``dependencies``."""
        path = self.path if not prefix else prefix if self.path == "/" else prefix + self.path
        return replace(self, path=path, dependencies=(*dependencies, *self.dependencies))

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
    dependencies: Sequence[Any] = (),
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
    return Frontend(path, directory, fallback, bool(check_dir), tuple(dependencies)).under(prefix)


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


async def answer_unrouted(frontends: list[Frontend], guarded: dict[int, Callable[..., Any]], request: Any) -> Any:
    """The answer of the frontends to a request no route matched: the
    longest matching one serves it, after its dependencies (``guarded``
    holds the compiled ones) for a GET or HEAD.

    Raises:
        HTTPException: 404 (nothing here), 405 (a file, but not GET/HEAD),
            401 (access refused by the file system).
        RuntimeError: The folder or the chosen fallback file is missing.
    """
    chosen = _choose(frontends, request.url.path)
    if chosen is None:
        raise HTTPException(404)
    invoke = guarded.get(id(chosen[0]))
    if invoke is not None and request.method in ("GET", "HEAD"):
        return await invoke(request, chosen)
    return frontend_response(request, chosen)


def frontend_response(request: Any, chosen: tuple[Frontend, str]) -> Any:
    """The file (or fallback, or redirect) a chosen frontend answers with."""
    from ouroboros.api.responses import FileResponse, RedirectResponse

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


def compile_guard(app: Any, dependencies: Sequence[Any]) -> Callable[..., Any]:
    """A frontend's dependencies compiled as a route's (overrides, caching,
    ``yield``, ``Response`` and background-task parameters), its parameters
    read from the request here: the invoke serving the chosen file after them.
    """
    from ouroboros.api import _plan
    from ouroboros.api.requests import Request

    async def serve(request: Any) -> Any:
        return frontend_response(request, request._ouroboros_frontend)

    serve.__annotations__ = {"request": Request, "return": Any}
    builder = _plan.PlanBuilder(set(), app.dependency_overrides)
    root = builder.dependant(serve)
    pre = [builder.declared(d) for d in dependencies if d.dependency]
    builder.finish()
    params = list(builder.params)
    # The request itself comes last in the flat values, as for a route.
    render = _plan.make_render(lambda result: b"", 200)
    invoke, _ = _plan.build_invoke(root, pre, builder, len(params), render, app.thread_pool)

    async def run(request: Any, chosen: tuple[Frontend, str]) -> Any:
        values = [*_read_params(params, request), request]
        # The first step of a coroutine runs outside its Task (see _serve):
        # the choice travels on the request, not in a context variable.
        request._ouroboros_frontend = chosen
        return await invoke(*values)

    return run


def _sent(request: Any, query: dict[str, list[str]], source: str, alias: str) -> list[str]:
    """Every value a request sent for a parameter (none from a body or path)."""
    if source == "query":
        return query.get(alias, [])
    if source == "header":
        return request.headers.getlist(alias)
    if source == "cookie" and alias in request.cookies:
        return [request.cookies[alias]]
    return []


def _read_params(params: list[dict[str, Any]], request: Any) -> list[Any]:
    """The flat parameter values of a frontend's dependencies, read from the
    request's query, headers and cookies and validated by their types.

    Raises:
        RequestValidationError: Missing or invalid values, FastAPI's 422.
    """
    from urllib.parse import parse_qsl

    from ouroboros.api.exceptions import RequestValidationError
    from ouroboros.validation import TypeAdapter

    query: dict[str, list[str]] = {}
    for key, value in parse_qsl(request.url.query, keep_blank_values=True):
        query.setdefault(key, []).append(value)
    values: list[Any] = []
    errors: list[dict[str, Any]] = []
    for entry in params:
        source, alias = entry["source"], entry["alias"]
        found = _sent(request, query, source, alias)
        if not found:
            if entry["required"]:
                errors.append({"type": "missing", "loc": (source, alias), "msg": "Field required", "input": None})
            values.append(entry["default"])
            continue
        raw = found if entry["list"] else found[-1]
        try:
            values.append(TypeAdapter(entry["annotation"]).validate_python(raw))
        except ValueError as exc:
            errors.extend({**e, "loc": (source, alias, *e.get("loc", ()))} for e in error_dicts(exc) or ())
            values.append(None)
    if errors:
        raise RequestValidationError(errors)
    return values
