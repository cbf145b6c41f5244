"""Request bodies: content type, size, JSON syntax, then the schema of :mod:`api.schemas`.

The order gives the status: wrong content type 415, too large 413 (Flask's
``MAX_CONTENT_LENGTH``), not JSON 400, against the schema 422 naming the first
offending field's path (``options.weights.minor``, ``glossaries[2]``). Multipart uploads
(:func:`multipart_body`) are checked against their schema the same way, each part a field.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import PurePosixPath
from typing import Any

from flask import request
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError
from werkzeug.datastructures import FileStorage

from .errors import LANGUAGE_FIELDS, ApiError
from .schemas import ERRORS_KEYWORD, SCHEMAS

JSON_MEDIA_TYPES = ("application/json",)
_MESSAGE_LIMIT = 200


@cache
def validator(name: str) -> Draft202012Validator:
    """A compiled validator for ``components/schemas/<name>`` (refs resolve within SCHEMAS)."""
    root = {"$ref": f"#/components/schemas/{name}", "components": {"schemas": SCHEMAS}}
    Draft202012Validator.check_schema(root)
    return Draft202012Validator(root)


def field_path(parts: Iterable[Any]) -> str:
    """``['options', 'weights', 'minor']`` -> ``options.weights.minor``; ints -> ``[i]``."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else str(part)
    return out


def _short(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_JSON_TYPES = {
    "object": "an object",
    "array": "an array",
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "true or false",
    "null": "null",
}


def _describe(error: ValidationError) -> tuple[str, str, str | None]:
    """(code, message, field) for one schema violation; the violated (sub)schema's ``x-errors``
    (:data:`api.schemas.ERRORS_KEYWORD`) may name the code and message of its keyword."""
    code, message, field = _described(error)
    declared = error.schema.get(ERRORS_KEYWORD, {}) if isinstance(error.schema, dict) else {}
    custom = declared.get(str(error.validator))
    if custom:
        return custom.get("code", code), custom.get("message", message), field
    return code, message, field


def _described(error: ValidationError) -> tuple[str, str, str | None]:
    path = list(error.absolute_path)
    kind, value, instance = error.validator, error.validator_value, error.instance
    if kind == "additionalProperties" and isinstance(instance, dict):
        known = set(error.schema.get("properties", {}))
        extra = sorted(k for k in instance if k not in known)
        name = extra[0] if extra else "?"
        return "unknown_field", f"unknown field {name!r}", field_path([*path, name])
    if kind == "required" and isinstance(instance, dict):
        missing = [k for k in value if k not in instance]
        name = missing[0] if missing else "?"
        return "missing_field", "this field is required", field_path([*path, name])
    field = field_path(path) or None
    if kind == "type":
        types = value if isinstance(value, list) else [value]
        message = "must be " + " or ".join(_JSON_TYPES.get(str(t), str(t)) for t in types)
    elif kind == "enum":
        message = f"must be one of {', '.join(map(str, value))}; got {_short(instance)}"
        if field in LANGUAGE_FIELDS:
            return "unsupported_language_pair", f"unsupported language: {message}", field
    elif kind == "minimum":
        message = f"must be >= {value}"
    elif kind == "maximum":
        message = f"must be <= {value}"
    elif kind == "minLength":
        message = "must not be empty" if value == 1 else f"must have at least {value} characters"
    elif kind == "maxLength":
        message = f"must have at most {value} characters"
    elif kind == "minItems":
        message = f"must have at least {value} item(s)"
    elif kind == "maxItems":
        message = f"must have at most {value} items"
    elif kind == "uniqueItems":
        message = "items must be unique"
    elif kind == "pattern":
        message = f"must match {value}"
    else:
        message = error.message if len(error.message) <= _MESSAGE_LIMIT else error.message[:_MESSAGE_LIMIT] + "..."
    return "invalid_field", message, field


_KIND_ORDER = {"type": 0, "required": 1, "additionalProperties": 2}


def _document_order(instance: Any, error: ValidationError) -> tuple[Any, ...]:
    """Sort key: where the error sits in the client's document (key order as sent), shallow first."""
    key: list[int] = []
    node = instance
    for part in error.absolute_path:
        if isinstance(node, dict):
            key.append(list(node).index(part) if part in node else len(node))
        else:
            key.append(int(part))
        node = node[part]
    return (*key, -1, _KIND_ORDER.get(str(error.validator), 3))


def validate(instance: Any, schema_name: str) -> None:
    """Raise a 422 :class:`ApiError` for the first violation of the schema, in document order."""
    errors = list(validator(schema_name).iter_errors(instance))
    if errors:
        first = min(errors, key=lambda e: _document_order(instance, e))
        code, message, field = _describe(first)
        raise ApiError(422, code, message, field)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")


def _find_lone_surrogate(value: Any, path: list[Any]) -> list[Any] | None:
    """Path of the first string holding a lone UTF-16 surrogate (``"\\ud800"``), which no UTF-8 can carry."""
    stack: list[tuple[Any, list[Any]]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            try:
                item.encode("utf-8")
            except UnicodeEncodeError:
                return where
        elif isinstance(item, dict):
            for key, child in item.items():
                stack.append((key, where))
                stack.append((child, [*where, key]))
        elif isinstance(item, list):
            stack.extend((child, [*where, i]) for i, child in enumerate(item))
    return None


def json_body(schema_name: str) -> dict[str, Any]:
    """The request's JSON body, checked against ``components/schemas/<schema_name>``."""
    if request.mimetype not in JSON_MEDIA_TYPES and not request.mimetype.endswith("+json"):
        got = request.mimetype or "none"
        raise ApiError(415, "unsupported_media_type", f"send the body as application/json (got {got})")
    data = request.get_data(cache=False)  # raises 413 past MAX_CONTENT_LENGTH
    if not data.strip():
        raise ApiError(400, "malformed_json", "the request body is empty; expected a JSON object")
    try:
        body = json.loads(data, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise ApiError(400, "malformed_json", f"the body is not UTF-8 JSON: {exc.reason} at byte {exc.start}") from None
    except json.JSONDecodeError as exc:
        raise ApiError(
            400, "malformed_json", f"malformed JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    except (ValueError, RecursionError) as exc:
        raise ApiError(400, "malformed_json", f"malformed JSON: {str(exc)[:_MESSAGE_LIMIT]}") from None
    bad = _find_lone_surrogate(body, [])
    if bad is not None:
        raise ApiError(
            422,
            "invalid_field",
            "contains a lone UTF-16 surrogate: not valid Unicode text",
            field_path(bad) or None,
        )
    validate(body, schema_name)
    return body


@dataclass(frozen=True)
class Upload:
    """A checked multipart/form-data body: its form fields (strings) and its file parts, by name."""

    fields: dict[str, str]
    files: dict[str, FileStorage]


def is_file_part(schema: Mapping[str, Any]) -> bool:
    """Whether an upload schema's property is a file part (``contentMediaType: application/octet-stream``
    or ``format: binary``), sent with a file name; the others are plain form fields."""
    return schema.get("contentMediaType") == "application/octet-stream" or schema.get("format") == "binary"


def multipart_body(schema_name: str) -> Upload:
    """The request's multipart/form-data body, checked against ``components/schemas/<schema_name>``.

    415 unless multipart, 400 ``malformed_multipart`` when it cannot be parsed, then 422 as for a
    JSON body: a required file part missing (named by its schema's ``title``), then the parts
    against the schema (file parts as strings, a file sent for a form field is not a string),
    then a part given twice.
    """
    properties: dict[str, Any] = SCHEMAS[schema_name]["properties"]
    file_parts = {name for name, schema in properties.items() if is_file_part(schema)}
    what = next((properties[n].get("title", n) for n in sorted(file_parts)), "the file")
    if request.mimetype != "multipart/form-data":
        raise ApiError(
            415,
            "unsupported_media_type",
            f"upload {what} as multipart/form-data with a 'file' part (got {request.mimetype or 'none'})",
        )
    try:
        files, form = request.files, request.form
    except ValueError as exc:  # a multipart body that cannot be parsed
        raise ApiError(400, "malformed_multipart", f"malformed multipart body: {exc}") from None
    for name in SCHEMAS[schema_name].get("required", ()):
        if name in file_parts and name not in files:
            title = properties[name].get("title")
            raise ApiError(422, "missing_field", f"this field is required: {title}" if title else
                           "this field is required", name)
    instance: dict[str, Any] = dict(form.items())
    for name, part in files.items():
        instance[name] = (part.filename or "") if name in file_parts else part
    validate(instance, schema_name)
    for name in instance:
        given = len(form.getlist(name)) + len(files.getlist(name))
        if given > 1:
            raise ApiError(422, "invalid_field", f"given {given} times; send it once", name)
    return Upload(fields=dict(form.items()), files={name: files[name] for name in files if name in file_parts})


def typed_filename(part: FileStorage, suffixes: Iterable[str], media_types: Mapping[str, str]) -> str:
    """The part's file name without folders; a name ending in none of ``suffixes`` (lower case) gets
    the suffix its Content-Type stands for in ``media_types`` (``terms`` sent as ``text/csv``:
    ``terms.csv``), if any."""
    name = PurePosixPath((part.filename or "").replace("\\", "/")).name
    if name.lower().endswith(tuple(suffixes)) or part.mimetype not in media_types:
        return name
    return (name or "upload") + media_types[part.mimetype]


def query_value(parameter: dict[str, Any]) -> Any:
    """The query parameter declared by ``parameter`` (an OpenAPI parameter object), checked against its
    schema: its ``default`` when absent; 422 naming it when given twice, when an ``integer`` is not one
    or is out of ``minimum``..``maximum``, or when a string is not in ``enum`` or past ``maxLength``."""
    name, schema = parameter["name"], parameter.get("schema", {})
    given = request.args.getlist(name)
    if len(given) > 1:
        raise ApiError(422, "invalid_field", f"given {len(given)} times; send it once", name)
    if not given:
        return schema.get("default")
    raw = given[0]
    if schema.get("type") == "integer":
        try:
            value = int(raw.strip())
        except ValueError:
            raise ApiError(422, "invalid_field", "must be an integer", name) from None
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and value < low) or (high is not None and value > high):
            raise ApiError(422, "invalid_field", f"must be between {low} and {high}", name)
        return value
    if "enum" in schema and raw not in schema["enum"]:
        raise ApiError(422, "invalid_field", f"must be one of {', '.join(map(str, schema['enum']))}", name)
    if "maxLength" in schema and len(raw) > schema["maxLength"]:
        raise ApiError(422, "invalid_field", f"must have at most {schema['maxLength']} characters", name)
    return raw
