"""Routes and routers: the decorators FastAPI users know."""

from __future__ import annotations

import os
import re
import uuid
import warnings
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Literal, TypeVar

from ouroboros.api._form_limits import _FormLimits, _validate_form_limits, validate_body_size
from ouroboros.api._frontend import Frontend, make_frontend
from ouroboros.api.params import Depends
from ouroboros.api.utils import generate_unique_id

__all__ = ["APIRoute", "APIRouter", "APIWebSocketRoute", "RouteContext", "iter_route_contexts"]

# Seconds without an event before a Server-Sent Events stream sends a
# keep-alive comment (FastAPI's `fastapi.routing._PING_INTERVAL`).
_PING_INTERVAL: float = 15.0

F = TypeVar("F", bound=Callable[..., Any])


class _Inferred:
    """``response_model`` not given: the return annotation is used (an
    explicit ``response_model=None`` turns that off, as in FastAPI)."""

    def __repr__(self) -> str:
        return "<inferred>"


INFERRED: Any = _Inferred()
# How a route serialises its response model; copied by include_router.
RESPONSE_OPTIONS = (
    "response_model_include",
    "response_model_exclude",
    "response_model_by_alias",
    "response_model_exclude_unset",
    "response_model_exclude_defaults",
    "response_model_exclude_none",
    "response_description",
    "openapi_extra",
    "callbacks",
    "generate_unique_id_function",
)
_PATH_PARAM = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::[a-zA-Z]+)?}")


class _Convertor:
    """How a path parameter's text becomes its value (Starlette's ``convert``)."""

    __slots__ = ("convert", "regex")

    def __init__(self, regex: str, convert: Callable[[str], Any]) -> None:
        self.regex = regex
        self.convert = convert

    def to_string(self, value: Any) -> str:
        return str(value)


_CONVERTORS = {
    "str": _Convertor("[^/]+", str),
    "path": _Convertor(".*", str),
    "int": _Convertor("[0-9]+", int),
    "float": _Convertor(r"[0-9]+(\.[0-9]+)?", float),
    "uuid": _Convertor("[0-9a-fA-F-]{36}", uuid.UUID),
}
_TYPED = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*)(?::([a-zA-Z]+))?}")


class APIRoute:
    """One path + methods + handler, with its OpenAPI metadata."""

    def __init__(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str] | None = None,
        response_model: Any = INFERRED,
        status_code: int | None = None,
        tags: Sequence[str] | None = None,
        summary: str | None = None,
        description: str | None = None,
        responses: dict[int | str, Any] | None = None,
        deprecated: bool | None = None,
        name: str | None = None,
        operation_id: str | None = None,
        dependencies: Sequence[Depends] | None = None,
        include_in_schema: bool = True,
        response_class: type | None = None,
        response_model_include: Any = None,
        response_model_exclude: Any = None,
        response_model_by_alias: bool = True,
        response_model_exclude_unset: bool = False,
        response_model_exclude_defaults: bool = False,
        response_model_exclude_none: bool = False,
        response_description: str = "Successful Response",
        openapi_extra: dict[str, Any] | None = None,
        callbacks: list[Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        max_body_size: int | None = None,
        form_limits: _FormLimits | None = None,
        strict_content_type: bool | None = None,
        dependency_overrides_provider: Any = None,
    ) -> None:
        self.dependency_overrides_provider = dependency_overrides_provider
        # Body limits: this route's own (None: its routers' or the app's).
        self.max_body_size = validate_body_size(max_body_size)
        # Whether a JSON body needs a JSON Content-Type (None: its routers' or the app's, True by default).
        self.strict_content_type = strict_content_type
        self.form_limits = _validate_form_limits(form_limits)
        self.callbacks = callbacks
        self.generate_unique_id_function = generate_unique_id_function or generate_unique_id
        self.response_model_include = response_model_include
        self.response_model_exclude = response_model_exclude
        self.response_model_by_alias = response_model_by_alias
        self.response_model_exclude_unset = response_model_exclude_unset
        self.response_model_exclude_defaults = response_model_exclude_defaults
        self.response_model_exclude_none = response_model_exclude_none
        self.response_description = response_description
        self.openapi_extra = openapi_extra
        self.path = path
        self.endpoint = endpoint
        self.methods = [m.upper() for m in (methods or ["GET"])]
        self.response_model = response_model
        self.status_code = status_code
        self.tags = list(tags or [])
        self.summary = summary
        self.description = description
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.name = name or getattr(endpoint, "__name__", "endpoint")
        self.operation_id = operation_id
        self.dependencies = list(dependencies or [])
        self.include_in_schema = include_in_schema
        self.response_class = response_class
        # The route as declared, for a route an inclusion derived from it.
        self._original_route: APIRoute = self
        # Set by the server serving it: what its default `get_route_handler` runs.
        self._request_dispatch: Callable[[Any], Any] | None = None
        from ouroboros.api._plan import check_dependency_scopes, check_path_params, check_response_models

        check_path_params(endpoint, self.path_names)
        check_response_models(self)
        check_dependency_scopes(self)

    def get_route_handler(self) -> Callable[[Any], Any]:
        """The coroutine function answering a `Request` with this route's
        `Response` (FastAPI's). Override it in a subclass to wrap it (time
        it, change the request, catch `RequestValidationError`): the server
        then hands the request to the handler it returns.

        Raises (when called):
            RequestValidationError: The request's parameters are invalid.
        """
        route = self

        async def handle(request: Any) -> Any:
            dispatch = route._request_dispatch
            if dispatch is None:
                raise RuntimeError(f"the route {route.path} is not served yet (start the app first)")
            return await dispatch(request)

        return handle

    @property
    def path_names(self) -> set[str]:
        return set(_PATH_PARAM.findall(self.path))

    @property
    def param_convertors(self) -> dict[str, _Convertor]:
        """Each path parameter's convertor (``{id:int}``: `int`), as Starlette's."""
        return {
            m.group(1): _CONVERTORS.get(m.group(2) or "str", _CONVERTORS["str"]) for m in _TYPED.finditer(self.path)
        }

    def __repr__(self) -> str:
        return f"APIRoute({self.path!r}, methods={self.methods})"


class APIWebSocketRoute(APIRoute):
    """A WebSocket route (``@app.websocket(path)``): method ``WEBSOCKET``,
    never in the OpenAPI document."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        kwargs["methods"] = ["WEBSOCKET"]
        kwargs["include_in_schema"] = False
        super().__init__(path, endpoint, **kwargs)


class APIRouter:
    """A group of routes with a shared prefix, tags and dependencies.

    Args:
        prefix: Prepended to every route path (``/users``).
        tags: Added to every route's OpenAPI tags.
        dependencies: Run before every route's handler (results unused).
        responses: Extra OpenAPI responses for every route.
    """

    def __init__(
        self,
        prefix: str = "",
        tags: Sequence[str] | None = None,
        dependencies: Sequence[Depends] | None = None,
        responses: dict[int | str, Any] | None = None,
        deprecated: bool | None = None,
        *,
        default_response_class: type | None = None,
        callbacks: list[Any] | None = None,
        routes: Sequence[APIRoute] | None = None,
        include_in_schema: bool = True,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        max_body_size: int | None = None,
        form_limits: _FormLimits | None = None,
        strict_content_type: bool | None = None,
        route_class: type[APIRoute] | None = None,
        dependency_overrides_provider: Any = None,
        on_startup: Sequence[Callable[[], Any]] | None = None,
        on_shutdown: Sequence[Callable[[], Any]] | None = None,
        lifespan: Callable[[Any], Any] | None = None,
    ) -> None:
        if prefix and (not prefix.startswith("/") or prefix.endswith("/")):
            from ouroboros.core import InvalidArgumentError

            raise InvalidArgumentError(f"a router prefix must start with '/' and not end with '/', got {prefix!r}")
        self.prefix = prefix
        self.tags = list(tags or [])
        self.dependencies = list(dependencies or [])
        self.responses = dict(responses or {})
        self.deprecated = deprecated
        self.default_response_class = default_response_class
        self.callbacks = list(callbacks or [])
        self.include_in_schema = include_in_schema
        self.generate_unique_id_function = generate_unique_id_function
        # Defaults for the routes of this router once it is included (or
        # served, for an App); a route's own settings win.
        self.max_body_size = validate_body_size(max_body_size)
        self.form_limits = _validate_form_limits(form_limits)
        self.strict_content_type = strict_content_type
        # Its own routes and its inclusions (`_IncludedRouter`), in order.
        self.routes: list[Any] = list(routes or [])
        # What holds the `dependency_overrides` its routes use (the app, for an App).
        self.dependency_overrides_provider: Any = dependency_overrides_provider
        # The class of the routes its decorators create (FastAPI's `route_class`).
        self.route_class: type[APIRoute] = route_class or APIRoute
        # Static frontend builds served after every route (`frontend`).
        self.frontends: list[Frontend] = []
        self.websocket_routes: list[tuple[str, Callable[..., Any]]] = []
        # Startup/shutdown hooks and lifespans, included routers' too: the
        # app runs them all (its own lifespan outermost, then each included
        # router's in inclusion order).
        self.on_startup = list(on_startup or [])
        self.on_shutdown = list(on_shutdown or [])
        self.lifespan = lifespan
        self.included_lifespans: list[Callable[[Any], Any]] = []

    def add_event_handler(self, event_type: str, func: Callable[[], Any]) -> None:
        """Run ``func`` at ``"startup"`` or ``"shutdown"``."""
        if event_type not in ("startup", "shutdown"):
            raise ValueError(f"unknown event {event_type!r}: 'startup' or 'shutdown'")
        (self.on_startup if event_type == "startup" else self.on_shutdown).append(func)

    def on_event(self, event_type: str) -> Callable[[F], F]:
        """``@router.on_event("startup" | "shutdown")``: deprecated, as in
        FastAPI (use ``lifespan``); warns with ``DeprecationWarning``."""
        warnings.warn("on_event is deprecated, use lifespan event handlers instead.", DeprecationWarning, stacklevel=2)

        def decorator(func: F) -> F:
            self.add_event_handler(event_type, func)
            return func

        return decorator

    def add_api_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        *,
        methods: Sequence[str] = ("GET",),
        route_class: type[APIRoute] | None = None,
        route_class_override: type[APIRoute] | None = None,
        **kwargs: Any,
    ) -> APIRoute:
        """Register ``endpoint`` for ``methods`` at ``path`` (as a
        ``route_class_override`` or else this router's `route_class`)."""
        route = self._make_route(path, endpoint, methods, route_class_override or route_class, kwargs)
        self.routes.append(route)
        return route

    def _make_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        methods: Sequence[str],
        route_class: type[APIRoute] | None,
        kwargs: dict[str, Any],
    ) -> APIRoute:
        """A route of this router (its prefix, tags, dependencies and
        defaults applied), not yet added to it."""
        route_class = route_class or self.route_class
        kwargs.setdefault("dependency_overrides_provider", self.dependency_overrides_provider)
        kwargs["tags"] = [*self.tags, *(kwargs.get("tags") or [])]
        kwargs["dependencies"] = [*self.dependencies, *(kwargs.get("dependencies") or [])]
        kwargs["responses"] = {**self.responses, **(kwargs.get("responses") or {})}
        if kwargs.get("deprecated") is None:
            kwargs["deprecated"] = self.deprecated
        if kwargs.get("response_class") is None:
            kwargs["response_class"] = self.default_response_class
        if not self.include_in_schema:
            kwargs["include_in_schema"] = False
        if kwargs.get("generate_unique_id_function") is None:
            kwargs["generate_unique_id_function"] = self.generate_unique_id_function
        return route_class(self.prefix + path, endpoint, methods=methods, **kwargs)

    def api_route(self, path: str, *, methods: Sequence[str] = ("GET",), **kwargs: Any) -> Callable[[F], F]:
        def decorator(func: F) -> F:
            self.add_api_route(path, func, methods=methods, **kwargs)
            return func

        return decorator

    def get(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        """Register a GET handler (also answers HEAD)."""
        return self.api_route(path, methods=["GET"], **kwargs)

    def post(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["POST"], **kwargs)

    def put(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["PUT"], **kwargs)

    def patch(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["PATCH"], **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["DELETE"], **kwargs)

    def head(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["HEAD"], **kwargs)

    def options(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["OPTIONS"], **kwargs)

    def trace(self, path: str, **kwargs: Any) -> Callable[[F], F]:
        return self.api_route(path, methods=["TRACE"], **kwargs)

    def websocket(
        self, path: str, name: str | None = None, *, dependencies: Sequence[Any] | None = None, **_: Any
    ) -> Callable[[F], F]:
        """Register a WebSocket handler (usually taking a ``websocket: WebSocket``)."""

        def decorator(func: F) -> F:
            self.add_api_websocket_route(path, func, name=name, dependencies=dependencies)
            return func

        return decorator

    def add_api_websocket_route(
        self,
        path: str,
        endpoint: Callable[..., Any],
        name: str | None = None,
        *,
        dependencies: Sequence[Any] | None = None,
        **_: Any,
    ) -> None:
        """Register ``endpoint`` as the WebSocket handler of ``path``."""
        self.add_api_route(
            path,
            endpoint,
            methods=["WEBSOCKET"],
            name=name,
            include_in_schema=False,
            route_class=APIWebSocketRoute,
            dependencies=dependencies,
        )

    def websocket_route(self, path: str, name: str | None = None) -> Callable[[F], F]:
        """Starlette's spelling of `websocket`."""
        return self.websocket(path, name=name)

    def mount(self, path: str, app: Any, name: str | None = None) -> None:
        """Serve ``app`` under ``path``: a `StaticFiles`, or an `App` or
        `APIRouter` whose routes join this one's under the prefix (their body
        limits win over this router's, as for `include_router`).

        Raises:
            TypeError: any other ASGI application.
        """
        from ouroboros.api.responses import Response
        from ouroboros.api.staticfiles import StaticFiles

        prefix = path.rstrip("/")
        if isinstance(app, APIRouter):
            self.include_router(app, prefix=prefix)
            return
        if not isinstance(app, StaticFiles):
            raise TypeError(f"only StaticFiles, App or APIRouter can be mounted, got {type(app).__name__}")

        async def static_file(path: str) -> Response:
            return await app.serve(path)

        # `url_for(name, path="/styles.css")` gives the mount's path + `path`, as Starlette's.
        static_file._ouroboros_static = True  # type: ignore[attr-defined]

        async def static_root() -> Response:
            return await app.serve("")

        self.add_api_route(prefix + _STATIC_TAIL, static_file, methods=["GET"], name=name, include_in_schema=False)
        if app.html:
            self.add_api_route(prefix + "/", static_root, methods=["GET"], include_in_schema=False)

    def frontend(
        self,
        path: str,
        *,
        directory: str | os.PathLike[str],
        fallback: Literal["auto", "index.html", "404.html"] | None = "auto",
        check_dir: bool | Literal["auto"] = "auto",
    ) -> None:
        """Serve a static frontend build (a ``dist`` folder) under ``path``,
        after every route: only a request no route answers reaches it.

        Args:
            path: Where it is served (``"/"``, ``"/app"``); this router's
                prefix and those of its inclusions come before it.
            directory: The folder of the build.
            fallback: For a path with no file: ``"404.html"`` (answered with
                404), ``"index.html"`` (for browser navigations, the
                single-page-app way), ``"auto"`` (the first of those the
                folder has) or None.
            check_dir: Check the folder (and an explicit fallback file) now;
                ``"auto"`` only warns when ``FASTAPI_ENV=development``.

        Raises:
            AssertionError: An empty path, a path without a leading ``/``,
                or an unknown ``fallback``.
            RuntimeError: The folder or the fallback file is missing.
        """
        declared = make_frontend(self.prefix, path, directory, fallback, check_dir, 2, self.dependencies)
        self.frontends.append(declared)

    def include_router(
        self,
        router: APIRouter,
        *,
        prefix: str = "",
        tags: Sequence[str] | None = None,
        dependencies: Sequence[Depends] | None = None,
        responses: dict[int | str, Any] | None = None,
        default_response_class: type | None = None,
        deprecated: bool | None = None,
        include_in_schema: bool = True,
        callbacks: list[Any] | None = None,
        generate_unique_id_function: Callable[[APIRoute], str] | None = None,
        max_body_size: int | None = None,
        form_limits: _FormLimits | None = None,
    ) -> None:
        """Include ``router``'s routes, under ``prefix``, adding tags and dependencies.

        The inclusion is live, as in FastAPI: routes added to ``router`` (or
        to routers it includes) later are served and documented too. Body
        limits resolve nearest first: the route's, ``router``'s, then this
        inclusion's (``form_limits`` key by key); ``router`` itself is unchanged.

        Raises:
            AssertionError: ``router`` is this router, or includes it.
            FastAPIError: Both ``prefix`` and a route's path are empty.
        """
        assert router is not self, (
            "Cannot include the same APIRouter instance into itself. Did you mean to include a different router?"
        )
        assert not router._contains_router(self), (
            "Cannot include an APIRouter instance that already includes this router. "
            "Did you mean to include a different router?"
        )
        if not prefix:
            for r in router._effective_routes():
                if not r.path:
                    from ouroboros.api.exceptions import FastAPIError

                    raise FastAPIError(f"Prefix and path cannot be both empty (path operation: {r.name})")
        options = {
            "prefix": prefix,
            "tags": tags,
            "dependencies": dependencies,
            "responses": responses,
            "default_response_class": default_response_class,
            "deprecated": deprecated,
            "include_in_schema": include_in_schema,
            "callbacks": callbacks,
            "generate_unique_id_function": generate_unique_id_function,
            "max_body_size": validate_body_size(max_body_size),
            "form_limits": _validate_form_limits(form_limits),
        }
        self.on_startup.extend(router.on_startup)
        self.on_shutdown.extend(router.on_shutdown)
        if router.lifespan is not None:
            self.included_lifespans.append(router.lifespan)
        self.included_lifespans.extend(router.included_lifespans)
        self.frontends.extend(
            f.under(self.prefix + prefix, [*self.dependencies, *(dependencies or [])]) for f in router.frontends
        )
        self.routes.append(_IncludedRouter(self, router, options))  # type: ignore[arg-type]

    def _contains_router(self, router: APIRouter) -> bool:
        """Whether ``router`` is included here, directly or further down."""
        return any(
            isinstance(r, _IncludedRouter) and (r.router is router or r.router._contains_router(router))
            for r in self.routes
        )

    def _effective_routes(self) -> list[APIRoute]:
        """Every route this router serves: its own, then those of its
        inclusions as they are now (prefixes and defaults applied)."""
        out: list[APIRoute] = []
        for r in self.routes:
            if isinstance(r, _IncludedRouter):
                out.extend(r.effective_routes())
            else:
                out.append(r)
        return out

    def _routes_fingerprint(self) -> tuple[Any, ...]:
        """Changes when a route is added here or to an included router."""
        return (
            len(self.routes),
            *(r.router._routes_fingerprint() for r in self.routes if isinstance(r, _IncludedRouter)),
        )

    def url_path_for(self, name: str, /, **path_params: Any) -> str:
        """The path of the route named ``name`` with ``path_params`` filled in.

        Raises:
            NoMatchFound: No route has that name and those parameters.
        """
        return _url_path_for(self._effective_routes(), name, path_params)

    def _derive(self, router: APIRouter, r: APIRoute, options: dict[str, Any]) -> APIRoute:
        """The route ``r`` of ``router`` as this router serves it when it
        includes ``router`` with ``options``."""
        prefix = options["prefix"]
        tags = options["tags"]
        dependencies = options["dependencies"]
        responses = options["responses"]
        callbacks = options["callbacks"]
        form_limits = options["form_limits"]
        generate_unique_id_function = options["generate_unique_id_function"]
        body_limit = next(
            (v for v in (r.max_body_size, router.max_body_size, options["max_body_size"]) if v is not None), None
        )
        copied = {k: getattr(r, k) for k in RESPONSE_OPTIONS}
        copied["strict_content_type"] = next(
            (v for v in (r.strict_content_type, router.strict_content_type) if v is not None), None
        )
        if generate_unique_id_function is not None and r.generate_unique_id_function is generate_unique_id:
            copied["generate_unique_id_function"] = generate_unique_id_function
        if callbacks:
            copied["callbacks"] = [*callbacks, *(r.callbacks or [])]
        derived = self._make_route(
            prefix + r.path,
            r.endpoint,
            r.methods,
            type(r),
            {
                "response_model": r.response_model,
                "status_code": r.status_code,
                "tags": [*(tags or []), *r.tags],
                "summary": r.summary,
                "description": r.description,
                "responses": {**(responses or {}), **r.responses},
                "deprecated": r.deprecated or options["deprecated"],
                "name": r.name,
                "operation_id": r.operation_id,
                "dependencies": [*(dependencies or []), *r.dependencies],
                "include_in_schema": r.include_in_schema and options["include_in_schema"],
                "response_class": r.response_class or options["default_response_class"],
                "max_body_size": body_limit,
                "form_limits": {**form_limits, **router.form_limits, **r.form_limits},
                **copied,
            },
        )
        derived._original_route = r._original_route
        return derived


class NoMatchFound(Exception):
    """`url_path_for` found no route of that name taking those parameters
    (Starlette's exception)."""

    def __init__(self, name: str, path_params: dict[str, Any]) -> None:
        params = ", ".join(path_params)
        super().__init__(f'No route exists for name "{name}" and params "{params}".')


_STATIC_TAIL = "/{path:path}"


def _url_path_for(routes: Sequence[APIRoute], name: str, path_params: dict[str, Any]) -> str:
    for route in routes:
        if route.name != name:
            continue
        if getattr(route.endpoint, "_ouroboros_static", False) and route.path.endswith(_STATIC_TAIL):
            if set(path_params) != {"path"}:
                continue
            return route.path[: -len(_STATIC_TAIL)] + str(path_params["path"])
        wanted = {m.group(1) for m in _PATH_PARAM.finditer(route.path)}
        if wanted != set(path_params):
            continue
        return _PATH_PARAM.sub(lambda m: str(path_params[m.group(1)]), route.path)
    raise NoMatchFound(name, path_params)


class _IncludedRouter:
    """One `include_router` as the including router keeps it in its
    ``routes``: the included router itself, read each time its routes are
    needed (so routes added to it later are live), with the inclusion's
    prefix and defaults."""

    def __init__(self, parent: APIRouter, router: APIRouter, options: dict[str, Any]) -> None:
        self.parent = parent
        self.router = router
        self.original_router = router
        self.options = options

    @property
    def path(self) -> str:
        return self.parent.prefix + self.options["prefix"]

    def effective_routes(self) -> list[APIRoute]:
        """The included router's routes as the including router serves them."""
        return [self.parent._derive(self.router, r, self.options) for r in self.router._effective_routes()]

    def url_path_for(self, name: str, /, **path_params: Any) -> str:
        return _url_path_for(self.effective_routes(), name, path_params)

    def __repr__(self) -> str:
        return f"_IncludedRouter(prefix={self.path!r}, routes={len(self.router.routes)})"


class RouteContext:
    """A route as it is served (FastAPI's `RouteContext`): ``route`` and
    ``original_route`` are the route as declared; ``path``, ``tags``,
    ``dependencies``... are what its inclusions made of it."""

    __slots__ = ("_effective", "route")

    def __init__(self, route: APIRoute, effective: APIRoute | None = None) -> None:
        self.route = route
        self._effective = effective if effective is not None else route

    @property
    def original_route(self) -> APIRoute:
        return self.route

    @property
    def path_format(self) -> str:
        return _PATH_CONVERTOR.sub(r"{\1}", self._effective.path)

    @property
    def methods(self) -> set[str] | None:
        if isinstance(self._effective, APIWebSocketRoute):
            return None
        return set(self._effective.methods)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._effective, name)

    def __repr__(self) -> str:
        return f"RouteContext({self._effective.path!r})"


_PATH_CONVERTOR = re.compile(r"{([a-zA-Z_][a-zA-Z0-9_]*):[a-zA-Z]+}")


def flatten_routes(routes: Sequence[Any]) -> list[APIRoute]:
    """The served routes of a ``routes`` list: inclusions expanded, route
    contexts unwrapped."""
    out: list[APIRoute] = []
    for r in routes:
        if isinstance(r, _IncludedRouter):
            out.extend(r.effective_routes())
        elif isinstance(r, RouteContext):
            out.append(r._effective)
        else:
            out.append(r)
    return out


def iter_route_contexts(routes: Sequence[Any]) -> Iterator[RouteContext]:
    """Each route of ``routes`` as served, inclusions expanded (FastAPI's)."""
    for r in routes:
        if isinstance(r, RouteContext):
            yield r
        elif isinstance(r, _IncludedRouter):
            for derived in r.effective_routes():
                yield RouteContext(derived._original_route, derived)
        else:
            yield RouteContext(r)


def _iter_included_route_candidates(routes: Sequence[Any]) -> Iterator[APIRoute]:
    """The routes of ``routes`` as declared, inclusions expanded."""
    for route in flatten_routes(routes):
        yield route._original_route


_SCOPE_MISSING: Any = object()


def _restore_fastapi_scope_key(scope: dict[str, Any], key: str, previous: Any) -> None:
    """Put back (or remove, when it was missing) one key of
    ``scope["fastapi"]``; a non-dict value there is left alone."""
    fastapi_scope = scope.get("fastapi")
    if not isinstance(fastapi_scope, dict):
        return
    if previous is _SCOPE_MISSING:
        fastapi_scope.pop(key, None)
    else:
        fastapi_scope[key] = previous
