"""Jinja2 templates (FastAPI's ``fastapi.templating``): ``templates.TemplateResponse(request,
"page.html", {...})`` renders a page, and templates call ``url_for("route_name", **params)``
for the URL of a route or a static mount.

Needs the ``jinja2`` package (``pip install jinja2``).
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Callable, Mapping, Sequence
from typing import Any

from ouroboros.api.requests import Request
from ouroboros.api.responses import HTMLResponse

__all__ = ["Jinja2Templates"]


def _jinja2() -> Any:
    try:
        import jinja2
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("ouroboros.api.templating needs jinja2: install it with `pip install jinja2`") from exc
    return jinja2


class _TemplateResponse(HTMLResponse):
    """An HTML page rendered from a template; ``template`` and ``context`` stay readable
    (tests look at what a page was rendered with)."""

    def __init__(
        self,
        template: Any,
        context: dict[str, Any],
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
        media_type: str | None = None,
        background: Any = None,
    ) -> None:
        self.template = template
        self.context = context
        super().__init__(template.render(context), status_code, headers, media_type, background)


class Jinja2Templates:
    """Templates read from ``directory`` (one or several folders), or from a ready
    ``jinja2.Environment`` given as ``env``.

    ``context_processors`` are functions of the request returning extra context for every
    page. The environment gets a ``url_for(name, **path_params)`` global (unless it has one)
    that resolves against the page's request, so links follow the app's routes, mounts and
    ``root_path``. Other keyword arguments go to ``jinja2.Environment``; autoescaping is on
    unless they say otherwise.

    Raises:
        AssertionError: Both or neither of ``directory`` and ``env`` given (as Starlette).
    """

    def __init__(
        self,
        directory: str | os.PathLike[str] | Sequence[str | os.PathLike[str]] | None = None,
        *,
        context_processors: list[Callable[[Request], dict[str, Any]]] | None = None,
        env: Any = None,
        **env_options: Any,
    ) -> None:
        jinja2 = _jinja2()
        assert bool(directory) ^ bool(env), "either 'directory' or 'env' arguments must be passed"
        self.context_processors = list(context_processors or [])
        if env is None:
            env_options.setdefault("loader", jinja2.FileSystemLoader(directory))
            env_options.setdefault("autoescape", True)
            env = jinja2.Environment(**env_options)
        self.env = env
        self._add_url_for(env)

    @staticmethod
    def _add_url_for(env: Any) -> None:
        jinja2 = _jinja2()

        @jinja2.pass_context
        def url_for(context: Any, name: str, /, **path_params: Any) -> Any:
            return context["request"].url_for(name, **path_params)

        env.globals.setdefault("url_for", url_for)

    def get_template(self, name: str) -> Any:
        """The template ``name``.

        Raises:
            jinja2.TemplateNotFound: No such template under the directories.
        """
        return self.env.get_template(name)

    def TemplateResponse(self, *args: Any, **kwargs: Any) -> _TemplateResponse:
        """Render ``name`` with ``context`` (plus ``request`` and the context processors'
        values) as an HTML response.

        Call it as ``TemplateResponse(request, name, context=None, status_code=200,
        headers=None, media_type=None, background=None)``; the older ``TemplateResponse(name, {"request":
        request, ...})`` still works, with a ``DeprecationWarning``.

        Raises:
            ValueError: The older form without a ``request`` in its context.
            jinja2.TemplateNotFound: No template ``name``.
        """
        if (args and isinstance(args[0], str)) or ("name" in kwargs and "request" not in kwargs and not args):
            warnings.warn(
                "The `name` is not the first parameter anymore. The first parameter should be the "
                "`Request` instance.\nReplace `TemplateResponse(name, {'request': request})` by "
                "`TemplateResponse(request, name)`.",
                DeprecationWarning,
                stacklevel=2,
            )
            names = ("name", "context", "status_code", "headers", "media_type", "background")
            options = dict(zip(names, args, strict=False)) | kwargs
            context = dict(options.get("context") or {})
            request = context.get("request")
            if request is None:
                raise ValueError('context must include a "request" key')
        else:
            names = ("request", "name", "context", "status_code", "headers", "media_type", "background")
            options = dict(zip(names, args, strict=False)) | kwargs
            request = options.get("request")
            if request is None:
                raise ValueError("TemplateResponse needs the request as its first argument")
            context = dict(options.get("context") or {})
        unknown = set(options) - set(names)
        if unknown:
            raise TypeError(f"TemplateResponse() got unexpected keyword arguments: {sorted(unknown)}")
        context.setdefault("request", request)
        for processor in self.context_processors:
            context.update(processor(request))
        return _TemplateResponse(
            self.get_template(options["name"]),
            context,
            status_code=options.get("status_code", 200),
            headers=options.get("headers"),
            media_type=options.get("media_type"),
            background=options.get("background"),
        )
