"""``GET /v1/openapi.json`` and ``GET /v1/docs`` (the document as HTML, self-contained)."""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Blueprint, Flask, Response, current_app, jsonify, render_template
from markupsafe import Markup, escape

from ..openapi import build_spec
from ..routes import media_answer, route_doc

bp = Blueprint("docs", __name__, url_prefix="/v1")


def spec() -> dict[str, Any]:
    """The app's document, built once per app."""
    cached: dict[str, Any] | None = current_app.extensions.get("mt_audit_spec")
    if cached is None:
        app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
        cached = current_app.extensions["mt_audit_spec"] = build_spec(app)
    return cached


@bp.get("/openapi.json")
@route_doc(role=None, responses=[media_answer(200, "application/json", {"type": "object"}, "The document.")])
def openapi() -> Response:
    """This OpenAPI 3.1 document"""
    return jsonify(spec())


# --- HTML rendering --------------------------------------------------------------------


def inline_markdown(text: str) -> Markup:
    """`code` and **bold** only: enough for the descriptions in the document."""
    html = str(escape(text))
    html = re.sub(r"`([^`]+)`", r"<code>\1</code>", html)
    html = re.sub(r"\*\*([^*]+)\*\*", r"<strong>\1</strong>", html)
    return Markup(html.replace("\n\n", "<br><br>"))


def _ref_name(schema: dict[str, Any]) -> str | None:
    target = schema.get("$ref", "")
    return target.rsplit("/", 1)[-1] if target.startswith("#/components/") else None


def type_of(schema: dict[str, Any]) -> Markup:
    """A short, linked type: ``string``, ``array of <Flag>``, ``Proposal or null``."""
    name = _ref_name(schema)
    if name:
        return Markup('<a href="#schema-{0}">{0}</a>').format(name)
    if "anyOf" in schema:
        return Markup(" or ").join(type_of(s) for s in schema["anyOf"])
    if "allOf" in schema and "type" not in schema:  # a composed model (ApiKeyCreated)
        return Markup(" and ").join(type_of(s) for s in schema["allOf"])
    kind = schema.get("type", "any")
    if kind == "array":
        return Markup("array of ") + type_of(schema.get("items", {}))
    if kind == "object" and isinstance(schema.get("additionalProperties"), dict):
        return Markup("map of ") + type_of(schema["additionalProperties"])
    return Markup(escape(kind))


def constraints(schema: dict[str, Any]) -> str:
    parts = []
    for key, label in (
        ("enum", "one of"),
        ("minimum", "≥"),
        ("maximum", "≤"),
        ("minLength", "min length"),
        ("maxLength", "max length"),
        ("minItems", "min items"),
        ("maxItems", "max items"),
        ("pattern", "pattern"),
        ("default", "default"),
        ("format", "format"),
        ("const", "only"),
    ):
        if key in schema:
            value = schema[key]
            shown = ", ".join(json.dumps(v) for v in value) if key == "enum" else json.dumps(value)
            parts.append(f"{label} {shown}")
    parts.extend(f"pattern {json.dumps(s['pattern'])}" for s in schema.get("allOf", []) if "pattern" in s)
    if schema.get("uniqueItems"):
        parts.append("unique")
    return "; ".join(parts)


def fields_of(schema: dict[str, Any]) -> list[dict[str, Any]]:
    required = set(schema.get("required", []))
    return [
        {
            "name": name,
            "type": type_of(prop),
            "required": name in required,
            "constraints": constraints(prop),
            "description": inline_markdown(prop.get("description", "")),
        }
        for name, prop in schema.get("properties", {}).items()
    ]


def _curl(method: str, path: str, op: dict[str, Any]) -> str:
    lines = [f"curl -sS -X {method.upper()} http://127.0.0.1:8000{path}"]
    if op.get("security", [{}]) != []:
        lines.append('  -H "Authorization: Bearer $MT_AUDIT_KEY"')
    content = op.get("requestBody", {}).get("content", {})
    if "application/json" in content:
        examples: dict[str, Any] = content["application/json"].get("examples", {})
        first: dict[str, Any] = next(iter(examples.values()), {})
        example = first.get("value", {})
        lines.append('  -H "Content-Type: application/json"')
        lines.append("  -d '" + json.dumps(example, ensure_ascii=False).replace("'", "'\\''") + "'")
    elif "multipart/form-data" in content:
        lines.append("  -F file=@glossary.tbx -F id=my-terms")
    return " \\\n".join(lines)


def operations(document: dict[str, Any]) -> list[dict[str, Any]]:
    responses = document["components"]["responses"]
    out = []
    for path, item in document["paths"].items():
        shared = item.get("parameters", [])
        for method, op in item.items():
            if method == "parameters":
                continue
            body = None
            content = op.get("requestBody", {}).get("content", {})
            for media_type, media in content.items():
                body = {
                    "media_type": media_type,
                    "type": type_of(media["schema"]),
                    "examples": [
                        {
                            "summary": e.get("summary", name),
                            "json": json.dumps(e["value"], indent=2, ensure_ascii=False),
                        }
                        for name, e in media.get("examples", {}).items()
                    ],
                }
            answers = []
            for status, response in op["responses"].items():
                name = _ref_name(response)
                resolved = responses[name] if name else response
                media = next(iter(resolved.get("content", {}).values()), None)
                example = media.get("example") if media else None
                answers.append(
                    {
                        "status": status,
                        "description": inline_markdown(resolved.get("description", "")),
                        "type": type_of(media["schema"]) if media else "",
                        "example": json.dumps(example, ensure_ascii=False) if example else "",
                        "headers": ", ".join(resolved.get("headers", {})),
                    }
                )
            out.append(
                {
                    "id": op.get("operationId", f"{method}-{path}"),
                    "method": method.upper(),
                    "path": path,
                    "summary": op.get("summary", ""),
                    "description": inline_markdown(op.get("description", "")),
                    "role": op.get("x-required-role"),
                    "parameters": [
                        {
                            "name": p["name"],
                            "in": p["in"],
                            "required": p.get("required", False),
                            "type": type_of(p.get("schema", {})),
                            "constraints": constraints(p.get("schema", {})),
                            "description": inline_markdown(p.get("description", "")),
                        }
                        for p in [*shared, *op.get("parameters", [])]
                    ],
                    "body": body,
                    "responses": answers,
                    "curl": _curl(method, path, op),
                }
            )
    return out


@bp.get("/docs")
@route_doc(role=None, responses=[media_answer(200, "text/html", {"type": "string"}, "HTML.")])
def docs() -> str:
    """This document as a browsable HTML page"""
    document = spec()
    schemas = [
        {
            "name": name,
            "description": inline_markdown(schema.get("description", "")),
            "fields": fields_of(schema),
            "parts": [type_of(s) for s in schema.get("allOf", [])],
            "examples": [json.dumps(e, indent=2, ensure_ascii=False) for e in schema.get("examples", [])],
        }
        for name, schema in document["components"]["schemas"].items()
    ]
    return render_template(
        "docs.html",
        info=document["info"],
        description=inline_markdown(document["info"]["description"]),
        operations=operations(document),
        schemas=schemas,
    )
