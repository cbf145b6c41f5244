"""The OpenAPI 3.1 document, generated: components from :mod:`api.schemas`, paths from the routes.

Every routed view that carries :func:`api.routes.route_doc` becomes an operation of its URL rule
(``/v1/keys/<int:key_id>`` -> ``/v1/keys/{key_id}``): its blueprint's name is the tag, its docstring the
summary and description, its role the ``security`` and ``x-required-role``, and its request and
answers come from the decorator. apispec assembles the document (components, ``$ref``s by name,
path parameters). Served at ``GET /v1/openapi.json`` and rendered as a self-contained HTML page at
``GET /v1/docs`` (no CDN, no scripts).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from apispec import APISpec
from flask import Flask

from audit import __version__
from audit.errors import ConfigError

from .routes import RouteDoc, doc_of
from .schemas import ERROR_RESPONSES, PATH_PARAMETERS, SCHEMAS, UPLOAD_MEDIA_TYPES, configured, server_schemas
from .services.auditors import server_models_config
from .storage.models import ROLES
from .validation import is_file_part

#: One tag per blueprint, in the order the document lists them.
TAGS = {
    "audit": "Flag, explain, correct.",
    "score": "MT metrics with sacrebleu signatures.",
    "glossaries": "Terminology used by the audit.",
    "jobs": "Batch scoring of an uploaded archive, in the background.",
    "keys": "API keys (admin).",
    "health": "Probes; no key needed.",
    "docs": "This documentation; no key needed.",
}
_METHODS = ("get", "post", "put", "patch", "delete")
_VARIABLE = re.compile(r"<(?:[^<>:]+:)?([^<>:]+)>")


def openapi_path(rule: str) -> str:
    """A Flask rule as an OpenAPI path: ``/v1/keys/<int:key_id>`` -> ``/v1/keys/{key_id}``."""
    return _VARIABLE.sub(r"{\1}", rule)


def _operation(tag: str, doc: RouteDoc, has_path_parameters: bool, config: Mapping[str, Any]) -> dict[str, Any]:
    op: dict[str, Any] = {"operationId": doc.operation_id, "tags": [tag], "summary": doc.summary}
    description = doc.description
    if doc.role is not None:
        description = (description + f"\n\nRequires a key with role **{doc.role}** or higher.").strip()
    if description:
        op["description"] = description
    if doc.query:
        op["parameters"] = [configured(p, config) for p in doc.query]
    if doc.body:
        media: dict[str, Any] = {"schema": doc.body}
        if doc.examples:
            media["examples"] = {name: {"summary": s, "value": v} for name, (s, v) in doc.examples.items()}
        op["requestBody"] = {"required": True, "content": {"application/json": media}}
    elif doc.upload:
        declared = UPLOAD_MEDIA_TYPES.get(doc.upload, {})
        encoding = {
            name: {"contentType": ", ".join(declared.get(name, ["application/octet-stream"]))}
            for name, schema in SCHEMAS[doc.upload]["properties"].items()
            if is_file_part(schema)
        }
        op["requestBody"] = {
            "required": True,
            "content": {"multipart/form-data": {"schema": doc.upload, "encoding": encoding}},
        }
    op["responses"] = doc.answers(has_path_parameters)
    if doc.role is None:
        op["security"] = []
    else:
        op["security"] = [{"bearerAuth": []}]
        op["x-required-role"] = doc.role
    return op


def _has_models(config: Mapping[str, Any]) -> bool:
    """Whether ``options.models: true`` can run here (a model layer is configured; a misconfigured one
    counts: the request then answers 500 ``server_misconfigured``, which the document cannot prevent)."""
    try:
        return server_models_config(config) is not None
    except ConfigError:
        return True


def build_spec(app: Flask) -> dict[str, Any]:
    """The document of every documented route of ``app`` (its schemas as this server answers them:
    :func:`api.schemas.server_schemas`)."""
    spec = APISpec(
        title="mt-audit API",
        version=__version__,
        openapi_version="3.1.0",
        jsonSchemaDialect="https://spec.openapis.org/oas/3.1/dialect/base",
        info={
            "summary": "Translation-quality audit of machine-translated text.",
            "description": (
                "Submit machine-translated text, get flags with character offsets, proposed corrections and "
                "edit scores. Authenticate with `Authorization: Bearer <key>` (create one with "
                "`mt-audit keys create --role translator --name me`). Roles: "
                + ", ".join(ROLES)
                + " (each may do what the ones before it may). Every error is "
                '`{"error": {"code", "message", "field"?}}`.'
            ),
            "license": {"name": "Apache-2.0", "identifier": "Apache-2.0"},
        },
        security=[{"bearerAuth": []}],
    )
    for name, schema in server_schemas(_has_models(app.config)).items():
        spec.components.schema(name, schema)
    for name, (_status, response) in ERROR_RESPONSES.items():
        spec.components.response(name, response)
    spec.components.security_scheme(
        "bearerAuth", {"type": "http", "scheme": "bearer", "description": "An API key from `mt-audit keys create`."}
    )
    for tag, description in TAGS.items():
        spec.tag({"name": tag, "description": description})

    paths: dict[str, tuple[list[dict[str, Any]], dict[str, dict[str, Any]], int]] = {}
    order = list(TAGS)
    for rule in app.url_map.iter_rules():
        doc = doc_of(app.view_functions[rule.endpoint])
        if doc is None:
            continue  # not part of the JSON API (the editors' review pages, static files)
        registered = rule.endpoint.rsplit(".", 1)[0]
        tag = app.blueprints[registered].name if registered in app.blueprints else registered
        if tag not in TAGS:
            raise ValueError(f"blueprint {tag!r} of {rule.rule} has no tag in api.openapi.TAGS")
        path = openapi_path(rule.rule)
        names = _VARIABLE.findall(rule.rule)
        missing = [n for n in names if n not in PATH_PARAMETERS]
        if missing:
            raise ValueError(f"path variable {missing[0]!r} of {rule.rule} is not in api.schemas.PATH_PARAMETERS")
        parameters = [PATH_PARAMETERS[n] for n in names]
        _params, operations, _rank = paths.setdefault(path, (parameters, {}, order.index(tag)))
        for method in sorted(m.lower() for m in rule.methods or () if m.lower() in _METHODS):
            if method in operations:
                raise ValueError(f"{method.upper()} {path} is routed twice")
            operations[method] = _operation(tag, doc, bool(names), app.config)
    for path, (parameters, operations, _rank) in sorted(paths.items(), key=lambda item: item[1][2]):
        ordered = {m: operations[m] for m in _METHODS if m in operations}
        spec.path(path=path, operations=ordered, parameters=parameters)
    return spec.to_dict()
