"""``@route_doc``: what an API view needs and answers, stated once, enforced, and documented.

Each JSON API view carries one decorator under its Flask route::

    @bp.post("/keys")
    @route_doc(role="admin", body="ApiKeyCreate", responses=[json_answer(201, "ApiKeyCreated", "...")])
    def create_key_view(body): ...

The decorator *enforces* what it states: the key's role (401 without a valid key, 403 below the
role), then the declared query parameters (422 naming the parameter), handed to the view as its
``query`` argument, then, with ``body``, the JSON request body against ``components/schemas/<body>``
(:func:`api.validation.json_body`: 415, 413, 400, 422 naming the field), handed to the view as
its ``body`` argument, or, with ``upload``, the multipart/form-data body against its schema the
same way (:func:`api.validation.multipart_body`), handed to the view as its ``upload`` argument.
It *records* the same on the view (``view.route_doc``), and
:func:`api.openapi.build_spec` turns every routed view's record into its OpenAPI operation: the
role as ``security`` and ``x-required-role``, the request body, the parameters, and the answers,
with the error answers that follow from the rest (401/429 for a key, 403 above the lowest role,
400/413/415/422 for a body, 404 for a path variable, 422 for query parameters). The view's
docstring gives the operation's summary (first paragraph) and description (the rest).
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import wraps
from typing import Any, TypeVar

from flask import current_app, request

from .auth import check_role
from .errors import ApiError
from .schemas import ERROR_RESPONSES, configured, ref
from .storage.models import ROLES
from .validation import json_body, multipart_body, query_value

F = TypeVar("F", bound=Callable[..., Any])

#: An answer of an operation: (status, OpenAPI response object, or the name of a shared error answer).
Answer = tuple[int, dict[str, Any] | str]


def json_answer(
    status: int, schema: str | dict[str, Any], description: str, headers: Mapping[str, str] | None = None
) -> Answer:
    """A JSON answer: ``schema`` is a ``components/schemas`` name or an inline schema."""
    return status, _answer(description, "application/json", ref(schema) if isinstance(schema, str) else schema, headers)


def media_answer(status: int, media_type: str, schema: dict[str, Any], description: str) -> Answer:
    """An answer of another media type (``text/html``, ``application/zip``)."""
    return status, _answer(description, media_type, schema, None)


def empty_answer(status: int, description: str) -> Answer:
    """An answer without a body (204)."""
    return status, {"description": description}


def _answer(
    description: str, media_type: str, schema: dict[str, Any], headers: Mapping[str, str] | None
) -> dict[str, Any]:
    out: dict[str, Any] = {"description": description}
    if headers:
        out["headers"] = {name: {"description": text, "schema": {"type": "string"}} for name, text in headers.items()}
    out["content"] = {media_type: {"schema": schema}}
    return out


_BODY_ERRORS = ("BadRequest", "PayloadTooLarge", "UnsupportedMediaType", "Unprocessable")


@dataclass(frozen=True)
class RouteDoc:
    """What one view needs and answers (see :func:`route_doc`)."""

    role: str | None
    summary: str
    description: str
    responses: tuple[Answer, ...]
    body: str | None = None
    upload: str | None = None
    examples: Mapping[str, tuple[str, Any]] = field(default_factory=dict)
    query: tuple[dict[str, Any], ...] = ()
    strict_query: bool = False
    errors: tuple[Answer | str, ...] = ()
    limited: bool = True
    operation_id: str | None = None

    def answers(self, has_path_parameters: bool) -> dict[int, dict[str, Any] | str]:
        """Status -> response: the declared ones, the named extra errors, and those that follow from
        the role, the body, the parameters and the rate limit."""
        names: list[str] = []
        if self.body or self.upload:
            names += _BODY_ERRORS
        if self.role is not None:
            names.append("Unauthorized")
            if self.role != ROLES[0]:
                names.append("Forbidden")
        if has_path_parameters:
            names.append("NotFound")
        if self.query:
            names.append("Unprocessable")
        if self.limited:
            names.append("TooManyRequests")
        out: dict[int, dict[str, Any] | str] = dict(self.responses)
        for extra in self.errors:
            if isinstance(extra, str):
                names.append(extra)
            else:
                out[extra[0]] = extra[1]
        for name in names:
            out[ERROR_RESPONSES[name][0]] = name
        return dict(sorted(out.items()))


def route_doc(
    *,
    role: str | None,
    responses: Sequence[Answer],
    body: str | None = None,
    upload: str | None = None,
    examples: Mapping[str, tuple[str, Any]] | None = None,
    query: Iterable[dict[str, Any]] = (),
    strict_query: bool = False,
    errors: Iterable[Answer | str] = (),
    limited: bool = True,
    operation_id: str | None = None,
) -> Callable[[F], F]:
    """Declare (and enforce) a view's role, request and answers; see the module's docstring.

    ``role``: the least role a key needs (None: no key needed). ``body``: the JSON request body's
    schema name, validated before the view runs and passed as ``body``; ``examples`` name its
    examples (``{name: (summary, value)}``). ``upload``: the schema of a multipart/form-data body,
    validated the same way and passed as ``upload`` (:class:`api.validation.Upload`). ``query``: the
    query parameters (OpenAPI parameter objects, see :func:`api.schemas.query_parameter`), checked
    (:func:`api.validation.query_value`, with the server's configured bounds,
    :func:`api.schemas.configured`) and passed as ``query``, a dict by name (absent ones: their
    default or None); ``strict_query``: any other query parameter is a 422
    ``unknown_field``. ``errors``: further error answers,
    by shared name (``"Conflict"``) or in full. ``limited=False``: exempt from the rate limit.
    ``operation_id``: the OpenAPI operationId (default: the view's name in camelCase).
    """
    if role is not None and role not in ROLES:
        raise ValueError(f"unknown role {role!r} (roles: {', '.join(ROLES)})")
    if body and upload:
        raise ValueError("a view takes a JSON body or an upload, not both")
    query = tuple(query)
    for parameter in query:
        if parameter.get("in") != "query" or parameter.get("schema", {}).get("type") not in ("integer", "string"):
            raise ValueError(f"query parameter {parameter.get('name')!r}: an integer or string in the query")

    def decorate(view: F) -> F:
        summary, description = _docstring(view)
        doc = RouteDoc(
            role=role,
            summary=summary,
            description=description,
            responses=tuple(responses),
            body=body,
            upload=upload,
            examples=dict(examples or {}),
            query=query,
            strict_query=strict_query,
            errors=tuple(errors),
            limited=limited,
            operation_id=operation_id or _camel(view.__name__),
        )

        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            if role is not None:
                check_role(role)  # 401/403 before anything of the request is read
            if query:
                if strict_query:
                    unknown = sorted(set(request.args) - {p["name"] for p in query})
                    if unknown:
                        raise ApiError(422, "unknown_field", f"unknown query parameter {unknown[0]!r}", unknown[0])
                config = current_app.config
                kwargs["query"] = {p["name"]: query_value(configured(p, config)) for p in query}
            if body is not None:
                kwargs["body"] = json_body(body)
            elif upload is not None:
                kwargs["upload"] = multipart_body(upload)
            return view(*args, **kwargs)

        wrapped.route_doc = doc  # type: ignore[attr-defined]
        wrapped.required_role = role  # type: ignore[attr-defined]
        return wrapped  # type: ignore[return-value]

    return decorate


def doc_of(view: Callable[..., Any]) -> RouteDoc | None:
    """The view's :class:`RouteDoc`, or None for views outside the JSON API (the review pages)."""
    doc = getattr(view, "route_doc", None)
    return doc if isinstance(doc, RouteDoc) else None


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def _docstring(view: Callable[..., Any]) -> tuple[str, str]:
    """(summary, description): the docstring's first paragraph and the rest, each paragraph on one line."""
    text = inspect.getdoc(view) or ""
    paragraphs = [" ".join(line.strip() for line in block.splitlines()) for block in re.split(r"\n\s*\n", text)]
    paragraphs = [p for p in paragraphs if p]
    if not paragraphs:
        raise ValueError(f"the API view {view.__name__} needs a docstring: its summary in the document")
    return paragraphs[0], "\n\n".join(paragraphs[1:])
