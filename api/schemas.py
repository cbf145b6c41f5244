"""JSON Schemas of every request and response, the error answers and the shared parameters: one source.

They go into the OpenAPI document (``components``, built by :mod:`api.openapi`) *and*
validate request bodies (:mod:`api.validation`, through each view's
:func:`api.routes.route_doc`), so the document cannot drift from what the server
accepts. Request schemas are closed (``additionalProperties: false``): an unknown
field is an error naming its path. Response schemas list required fields and stay
open to additions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from audit.config import (
    DEFAULT_GRAMMAR_RULES,
    DEFAULT_QE_LEVEL,
    DEFAULT_SRC_LANG,
    DEFAULT_TGT_LANG,
    GRAMMAR_RULE_SETS,
    QE_LEVEL_CAPS,
    SUPPORTED_SOURCES,
    SUPPORTED_TARGETS,
)
from audit.records import Severity

from .storage.models import ROLES

#: sacrebleu tokenizers that work without extra downloads or native dictionaries.
SCORE_TOKENIZERS = ("13a", "intl", "zh", "char", "none")
GLOSSARY_ID_PATTERN = r"^[a-z0-9][a-z0-9._-]{0,63}$"
_GLOSSARY_ID_MESSAGE = "must be lowercase letters, digits, '.', '_' or '-' (at most 64)"
MAX_CANDIDATES = 20
MAX_WEIGHT = 1000
MAX_KEY_ID = 2**31 - 1  # ids are 32-bit everywhere (SQLite and PostgreSQL INTEGER)
JOB_ID_PATTERN = "^[0-9a-f]{16}$"
#: States a listed job can be in (a deleted job is gone, never listed as cancelled).
JOB_STATES = ("queued", "running", "done", "failed")
#: Vendor keyword of a (sub)schema: the error code and message of a violation of one of its keywords,
#: ``{"pattern": {"code": "invalid_text", "message": "..."}}`` (the default: ``invalid_field`` and a
#: message of :mod:`api.validation`).
ERRORS_KEYWORD = "x-errors"
#: Media types an upload's file part may declare, and the file name suffix each stands for: a file
#: name without a known suffix takes its format from the part's Content-Type (``encoding`` in the
#: document).
GLOSSARY_MEDIA_TYPES = {"text/csv": ".csv", "text/tab-separated-values": ".tsv", "application/x-tbx+xml": ".tbx"}
ARCHIVE_MEDIA_TYPES = {"application/zip": ".zip", "application/gzip": ".tar.gz", "application/x-tar": ".tar"}
#: Upload schema -> file part -> its media types (:data:`GLOSSARY_MEDIA_TYPES`, :data:`ARCHIVE_MEDIA_TYPES`).
UPLOAD_MEDIA_TYPES = {"GlossaryUpload": {"file": GLOSSARY_MEDIA_TYPES}, "JobUpload": {"file": ARCHIVE_MEDIA_TYPES}}


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def nullable(schema: dict[str, Any]) -> dict[str, Any]:
    return {"anyOf": [schema, {"type": "null"}]}


_INT = {"type": "integer"}
_NUM = {"type": "number"}
_STR = {"type": "string"}
_COUNTS = {"type": "object", "additionalProperties": {"type": "integer", "minimum": 0}}
_SEVERITIES = [s.value for s in Severity]
#: One pair's edit statistics (audit.scoring): character Levenshtein distance and ratio, TER, chrF, BLEU.
_EDIT_STATISTICS = {
    "type": "object",
    "required": ["char_distance", "char_ratio", "ter", "chrf", "bleu"],
    "properties": {"char_distance": _INT, "char_ratio": _NUM, "ter": _NUM, "chrf": _NUM, "bleu": _NUM},
}

SCHEMAS: dict[str, dict[str, Any]] = {
    # --- errors ------------------------------------------------------------------------
    "Error": {
        "type": "object",
        "required": ["error"],
        "properties": {
            "error": {
                "type": "object",
                "required": ["code", "message"],
                "properties": {
                    "code": {
                        "type": "string",
                        "description": "Stable machine-readable code.",
                        "examples": ["invalid_field"],
                    },
                    "message": {"type": "string", "description": "What is wrong, for people."},
                    "field": {
                        "type": "string",
                        "description": "Path of the offending field, e.g. `options.weights.minor` or `glossaries[1]`.",
                        "examples": ["options.foo"],
                    },
                },
            }
        },
    },
    # --- audit -------------------------------------------------------------------------
    "Weights": {
        "type": "object",
        "description": "MQM penalty weights per severity; missing ones keep their defaults (1/5/10).",
        "additionalProperties": False,
        "properties": {name: {"type": "number", "minimum": 0, "maximum": MAX_WEIGHT} for name in _SEVERITIES},
    },
    "AuditOptions": {
        "type": "object",
        "description": "The command line's audit options (`mt-audit check --help`).",
        "additionalProperties": False,
        "properties": {
            "grammar": {
                "type": "boolean",
                "description": "Run the Harper grammar checker (default: the server's MT_AUDIT_GRAMMAR, true).",
            },
            "grammar_rules": {
                "type": "string",
                "enum": list(GRAMMAR_RULE_SETS),
                "default": DEFAULT_GRAMMAR_RULES,
                "description": "Harper lints to run: all, or only those with evidence on the development MQM "
                "data (faster; `mt-audit check --grammar-rules`).",
            },
            "rules": {"type": "boolean", "default": True, "description": "Run the pattern rules."},
            "glossary": {"type": "boolean", "default": True, "description": "Use glossaries."},
            "qe": {"type": "boolean", "description": "Run the learned error-span detector (`qe.span` flags, a "
                   "`quality` per sentence; default: the server's MT_AUDIT_QE, on)."},
            "qe_level": {
                "type": "string",
                "enum": list(QE_LEVEL_CAPS),
                "default": DEFAULT_QE_LEVEL,
                "description": "The detector's operating point: `precise` flags least and is right most often; "
                "`balanced` and `thorough` find more errors with more false flags (thresholds calibrated under "
                "a cap on the share of error-free sentences flagged; `mt-audit check --qe-level`); `exhaustive` "
                "has no cap (a full revision).",
            },
            "disabled_rules": {
                "type": "array",
                "items": {"type": "string", "maxLength": 200},
                "maxItems": 200,
                "description": "Rule ids to switch off.",
            },
            "weights": ref("Weights"),
            "candidates": {
                "type": "integer",
                "minimum": 0,
                "maximum": MAX_CANDIDATES,
                "default": 0,
                "description": "Also list this many runner-up proposals.",
            },
            "models": {
                "type": "boolean",
                "default": False,
                "description": "Use the server's model layer for this request (its configuration: MODELS, "
                "MODELS_LM, MODELS_MT, MODELS_EMBEDDER..., from MT_AUDIT_MODELS... in the environment): "
                "language-model surprisal flags, model candidates (round trip, re-translation of the "
                "aligned `source` sentence with the glossary's terms forced), guards and scores. Each "
                "proposal then carries its `origin` (e.g. `model.retranslation`) and `scores` "
                "(`flags_remaining`, `fluency`, `adequacy`, `source_adequacy`, ...). 400 "
                "`models_not_configured` when the server has no model layer (its document then allows "
                "`false` only). Slower: seconds per sentence on a CPU.",
            },
        },
    },
    "AuditRequest": {
        "type": "object",
        "required": ["text"],
        "additionalProperties": False,
        "properties": {
            "text": {
                "type": "string",
                "minLength": 1,
                # Something to audit, and plain text: 422 `invalid_text` (the library's own messages).
                "allOf": [
                    {
                        "pattern": r"\S",
                        ERRORS_KEYWORD: {
                            "pattern": {"code": "invalid_text", "message": "input is empty: nothing to audit"}
                        },
                    },
                    {
                        "pattern": r"^[^\u0000]*$",
                        ERRORS_KEYWORD: {
                            "pattern": {
                                "code": "invalid_text",
                                "message": "input contains NUL characters, expected plain text",
                            }
                        },
                    },
                ],
                "description": "Machine-translated text; lines are paragraphs. Offsets in the answer "
                "index this string (Unicode code points). Not only whitespace, and no NUL characters (422 "
                "`invalid_text`). At most MT_AUDIT_MAX_TEXT_CHARS characters "
                "(default 100,000; `GET /v1/health` reports the server's `limits`): longer is a 413 "
                "`text_too_long`. The audit may take at most MT_AUDIT_TIME_LIMIT_SECONDS (default 30): "
                "past it, 503 `time_limit_exceeded`.",
            },
            "source": {
                "type": "string",
                "description": "Source text: the source-aware checks run on aligned sentence pairs (flags "
                "carry `source_start`/`source_end`), and with `options.models` each MT sentence's aligned "
                "source sentence is re-translated as a candidate.",
            },
            "src_lang": {
                "type": "string",
                "enum": [*sorted(SUPPORTED_SOURCES), "any"],
                "default": DEFAULT_SRC_LANG,
                "description": "Source language of the MT, or `any`.",
            },
            "tgt_lang": {"type": "string", "enum": sorted(SUPPORTED_TARGETS), "default": DEFAULT_TGT_LANG},
            "glossaries": {
                "type": "array",
                "maxItems": 50,
                "uniqueItems": True,
                "items": {"type": "string", "maxLength": 64},
                "description": "Glossary ids to use (default: every built-in glossary).",
            },
            "options": ref("AuditOptions"),
            "name": {
                "type": "string",
                "maxLength": 255,
                "description": "Document name shown to editors when stored (default: `text`).",
            },
            "store": {
                "type": "boolean",
                "default": False,
                "description": "Store the audit for review by editors: the answer then has `document_id` "
                "and `review_url` (the editors' review page).",
            },
            "project": {
                "type": "string",
                "minLength": 1,
                "maxLength": 100,
                "description": "Named project: stored documents are grouped under it, and its editors' "
                "decisions tune the rules for its audits (team `project:NAME`; without it the team is "
                "the API key, `key:ID`).",
            },
        },
        "examples": [
            {
                "text": "It can be seen that Trump has been trying to reshape U.S. strategy.",
                "src_lang": "zh",
                "tgt_lang": "en",
                "options": {"grammar": True},
            }
        ],
    },
    "Flag": {
        "type": "object",
        "required": ["start", "end", "text", "rule", "category", "severity", "message", "suggestion"],
        "properties": {
            "start": {**_INT, "minimum": 0, "description": "Character offset into the submitted text."},
            "end": {**_INT, "minimum": 0},
            "text": _STR,
            "rule": _STR,
            "category": {**_STR, "description": "MQM category, e.g. `Style/Awkward`."},
            "severity": {"type": "string", "enum": _SEVERITIES},
            "message": _STR,
            "suggestion": nullable(_STR),
            "source_start": _INT,
            "source_end": _INT,
            "confidence": {**_NUM, "minimum": 0, "maximum": 1,
                           "description": "The learned detector's probability that the span is an error: on its "
                           "own `qe.span` flags, and on a rule, glossary or source flag it agrees with."},
        },
    },
    #: An MT against its correction (a proposal's edit); the same statistics as ``Scores``.
    "EditScore": _EDIT_STATISTICS,
    "Proposal": {
        "type": "object",
        "required": ["text", "origin", "edit"],
        "properties": {
            "text": _STR,
            "origin": {"type": "array", "items": _STR},
            "edit": ref("EditScore"),
            "scores": {"type": "object", "additionalProperties": _NUM},
            "candidates": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["text", "origin", "scores"],
                    "properties": {
                        "text": _STR,
                        "origin": {"type": "array", "items": _STR},
                        "scores": {"type": "object", "additionalProperties": _NUM},
                    },
                },
            },
        },
    },
    "SegmentResult": {
        "type": "object",
        "required": ["id", "start", "end", "text", "flags", "proposal"],
        "properties": {
            "id": _INT,
            "start": {**_INT, "minimum": 0},
            "end": {**_INT, "minimum": 0},
            "text": _STR,
            "flags": {"type": "array", "items": ref("Flag")},
            "proposal": nullable(ref("Proposal")),
            "quality": {**_NUM, "minimum": 0, "maximum": 1,
                        "description": "The learned detector's sentence quality, 0 (many major errors) to 1 (none); "
                        "absent when the detector is off."},
            "grammar_skipped": {
                "type": "boolean",
                "description": "Present (true) when the sentence was checked without the grammar checker: it is "
                "longer than MT_AUDIT_GRAMMAR_MAX_SENTENCE_CHARS or holds a token longer than "
                "MT_AUDIT_GRAMMAR_MAX_TOKEN_CHARS (see `GET /v1/health` `limits`).",
            },
        },
    },
    "Summary": {
        "type": "object",
        "required": [
            "segments",
            "flagged",
            "words",
            "flags_by_category",
            "flags_by_severity",
            "flags_by_rule",
            "mqm_penalty",
            "penalty_points",
            "weights",
            "edit",
            "signatures",
        ],
        "properties": {
            "segments": _INT,
            "flagged": _INT,
            "words": _INT,
            "flags_by_category": _COUNTS,
            "flags_by_severity": _COUNTS,
            "flags_by_rule": _COUNTS,
            "mqm_penalty": {**_NUM, "description": "MQM penalty points per 100 words."},
            "penalty_points": _NUM,
            "weights": {"type": "object", "additionalProperties": _NUM},
            "edit": {
                "type": "object",
                "required": ["char_distance", "char_ratio"],
                "properties": {"char_distance": _INT, "char_ratio": _NUM},
            },
            "signatures": {
                "type": "object",
                "additionalProperties": _STR,
                "description": "sacrebleu and mt-audit signatures: every figure is reproducible.",
            },
            "grammar_skipped": {
                "type": "integer",
                "minimum": 1,
                "description": "Present when some sentences were checked without the grammar checker: how many.",
            },
        },
    },
    "AuditResult": {
        "type": "object",
        "description": "The JSON contract of `mt-audit check --format json`.",
        "required": ["segments", "summary"],
        "properties": {
            "segments": {"type": "array", "items": ref("SegmentResult")},
            "summary": ref("Summary"),
            "document_id": {"type": "string", "description": "With `store: true`: the stored document's id."},
            "review_url": {"type": "string", "description": "With `store: true`: the editors' review page."},
            "learnt": {
                "type": "object",
                "description": "Present when the team's learnt rule states changed this audit (see the "
                "rules page): the team, the rules switched off, lowered one severity step, and no longer "
                "proposing.",
                "properties": {
                    "team": _STR,
                    "off": {"type": "array", "items": _STR},
                    "lowered": {"type": "array", "items": _STR},
                    "not_proposing": {"type": "array", "items": _STR},
                },
            },
        },
    },
    # --- score -------------------------------------------------------------------------
    "ScoreRequest": {
        "type": "object",
        "required": ["hypotheses", "references"],
        "additionalProperties": False,
        "properties": {
            "hypotheses": {
                "type": "array",
                "minItems": 1,
                "maxItems": 100_000,
                "items": _STR,
                "description": "MT segments, one per item; as many as `references` (else 422 `length_mismatch`).",
            },
            "references": {
                "type": "array",
                "minItems": 1,
                "maxItems": 100_000,
                "items": _STR,
                "description": "Reference segments, aligned with `hypotheses` (same length).",
            },
            "tokenize": {
                "type": "string",
                "enum": list(SCORE_TOKENIZERS),
                "default": "13a",
                "description": "sacrebleu tokenizer for BLEU.",
            },
        },
        "examples": [{"hypotheses": ["The cat sat on mat."], "references": ["The cat sat on the mat."]}],
    },
    #: A hypothesis against its reference (POST /v1/score); the same statistics as ``EditScore``.
    "Scores": _EDIT_STATISTICS,
    "ScoreResult": {
        "type": "object",
        "required": ["sentences", "corpus", "signatures"],
        "properties": {
            "sentences": {"type": "array", "items": ref("Scores")},
            "corpus": ref("Scores"),
            "signatures": {"type": "object", "additionalProperties": _STR},
        },
    },
    # --- glossaries --------------------------------------------------------------------
    "Glossary": {
        "type": "object",
        "required": [
            "id",
            "name",
            "filename",
            "format",
            "builtin",
            "entry_count",
            "src_lang",
            "tgt_lang",
            "created_at",
        ],
        "properties": {
            "id": {"type": "string", "description": "Built-in glossaries: the file stem."},
            "name": _STR,
            "filename": _STR,
            "format": {"type": "string", "enum": ["csv", "tsv", "tbx"]},
            "builtin": {"type": "boolean", "description": "Built-in glossaries are read-only."},
            "entry_count": _INT,
            "src_lang": nullable(_STR),
            "tgt_lang": nullable(_STR),
            "uploaded_by": nullable(_INT),
            "created_at": nullable({"type": "string", "format": "date-time"}),
        },
    },
    "GlossaryList": {
        "type": "object",
        "required": ["glossaries"],
        "properties": {"glossaries": {"type": "array", "items": ref("Glossary")}},
    },
    "GlossaryUpload": {
        "type": "object",
        "description": "multipart/form-data; checked as this schema (422 naming the part, as for JSON bodies).",
        "required": ["file"],
        "additionalProperties": False,
        "properties": {
            "file": {
                "type": "string",
                "title": "a glossary file",
                "contentMediaType": "application/octet-stream",
                "description": "A .csv, .tsv or .tbx glossary; the file name's suffix gives the format, or, "
                "when the name has none of these, the part's Content-Type (`text/csv`, "
                "`text/tab-separated-values`, `application/x-tbx+xml`). Another format, or a file that does "
                "not parse, is a 422 `invalid_glossary` naming the line. TBX with a DOCTYPE or entities is "
                "refused.",
            },
            "id": {
                "type": "string",
                "pattern": GLOSSARY_ID_PATTERN,
                ERRORS_KEYWORD: {"pattern": {"message": _GLOSSARY_ID_MESSAGE}},
                "description": "Id to give it (default: from the file name); taken: 409 `conflict`.",
            },
            "name": {"type": "string", "maxLength": 200, "description": "Display name (default: the id)."},
        },
    },
    "JobUpload": {
        "type": "object",
        "description": "multipart/form-data; checked as this schema (422 naming the part, as for JSON bodies).",
        "required": ["file"],
        "additionalProperties": False,
        "properties": {
            "file": {
                "type": "string",
                "title": "a .zip or .tar.gz archive",
                "contentMediaType": "application/octet-stream",
                "description": "A .zip or .tar.gz (.tgz, .tar) archive of documents (TMX, XLIFF, PO, CSV, TSV, "
                "JSONL, TXT); the file name's suffix gives the archive format, or, when the name has none of "
                "these, the part's Content-Type (`application/zip`, `application/gzip`, `application/x-tar`). "
                "The bytes must be that archive (else 422 `invalid_archive` at upload).",
            },
            "grammar": {
                "type": "string",
                "enum": ["true", "false"],
                ERRORS_KEYWORD: {"enum": {"message": "must be true or false"}},
                "description": "Run the grammar checker (default: the server's MT_AUDIT_GRAMMAR).",
            },
            "source_checks": {
                "type": "string",
                "enum": ["true", "false"],
                ERRORS_KEYWORD: {"enum": {"message": "must be true or false"}},
                "description": "Also run the source-aware checks where a document has its source (default false).",
            },
            "src_lang": {
                "type": "string",
                "enum": [*sorted(SUPPORTED_SOURCES), "any"],
                "description": f"Source language of the MT, or `any` (default {DEFAULT_SRC_LANG}); another is a "
                "422 `unsupported_language_pair`.",
            },
            "tgt_lang": {
                "type": "string",
                "enum": sorted(SUPPORTED_TARGETS),
                "description": f"Language of the MT (default {DEFAULT_TGT_LANG}); another is a 422 "
                "`unsupported_language_pair`.",
            },
        },
    },
    "Job": {
        "type": "object",
        "required": ["id", "state", "links", "progress"],
        "properties": {
            "id": {"type": "string", "pattern": JOB_ID_PATTERN},
            "state": {
                "type": "string",
                "enum": list(JOB_STATES),
                "description": "queued -> running -> done or failed; a restart resumes running jobs.",
            },
            "filename": nullable(_STR),
            "options": nullable({"type": "object"}),
            "created": nullable({"type": "number", "description": "Unix time of the upload."}),
            "error": nullable({"type": "string", "description": "Why the job failed."}),
            "summary": nullable(
                {
                    "type": "object",
                    "description": "When done: documents, segments, files_skipped, flags, mqm_penalty, "
                    "mean_edit_ratio.",
                }
            ),
            "progress": {
                "type": "object",
                "properties": {"documents_done": {"type": "integer", "minimum": 0}},
            },
            "links": {
                "type": "object",
                "required": ["self", "report", "results"],
                "properties": {"self": _STR, "report": _STR, "results": _STR},
            },
        },
    },
    "GlossaryEntry": {
        "type": "object",
        "required": ["id", "deprecated", "preferred", "src_lang", "tgt_lang", "category", "severity"],
        "properties": {
            "id": _STR,
            "src_lang": _STR,
            "tgt_lang": _STR,
            "source_term": _STR,
            "deprecated": {"type": "array", "items": _STR},
            "preferred": _STR,
            "admitted": {"type": "array", "items": _STR},
            "category": _STR,
            "severity": {"type": "string", "enum": _SEVERITIES},
            "note": _STR,
            "domain": _STR,
            "context": _STR,
            "not_context": _STR,
        },
    },
    "GlossaryEntryPage": {
        "type": "object",
        "required": ["glossary", "q", "page", "per_page", "total", "pages", "entries"],
        "properties": {
            "glossary": _STR,
            "q": nullable(_STR),
            "page": _INT,
            "per_page": _INT,
            "total": _INT,
            "pages": _INT,
            "entries": {"type": "array", "items": ref("GlossaryEntry")},
        },
    },
    "JobPage": {
        "type": "object",
        "required": ["page", "per_page", "total", "pages", "jobs"],
        "properties": {
            "page": {"type": "integer", "minimum": 1},
            "per_page": {"type": "integer", "minimum": 1},
            "total": {"type": "integer", "minimum": 0},
            "pages": {"type": "integer", "minimum": 0},
            "jobs": {"type": "array", "items": ref("Job")},
        },
    },
    # --- keys --------------------------------------------------------------------------
    "ApiKey": {
        "type": "object",
        "required": ["id", "name", "role", "prefix", "created_at", "revoked_at"],
        "properties": {
            "id": _INT,
            "name": _STR,
            "role": {"type": "string", "enum": list(ROLES)},
            "prefix": {"type": "string", "description": "First characters of the key, to recognise it."},
            "created_at": {"type": "string", "format": "date-time"},
            "revoked_at": nullable({"type": "string", "format": "date-time"}),
        },
    },
    "ApiKeyList": {
        "type": "object",
        "required": ["keys"],
        "properties": {"keys": {"type": "array", "items": ref("ApiKey")}},
    },
    "ApiKeyCreate": {
        "type": "object",
        "required": ["name", "role"],
        "additionalProperties": False,
        "properties": {
            "name": {"type": "string", "minLength": 1, "maxLength": 200},
            "role": {"type": "string", "enum": list(ROLES)},
        },
        "examples": [{"name": "alice", "role": "translator"}],
    },
    "ApiKeyCreated": {
        "allOf": [
            ref("ApiKey"),
            {
                "type": "object",
                "required": ["key"],
                "properties": {"key": {"type": "string", "description": "The key itself: shown this once only."}},
            },
        ],
    },
    # --- health ------------------------------------------------------------------------
    "Health": {
        "type": "object",
        "required": ["status", "ready", "version"],
        "properties": {
            "status": {"type": "string", "enum": ["ok"]},
            "ready": {"type": "boolean", "description": "Whether the default auditor is built and warm."},
            "version": _STR,
            "database": {"type": "string", "enum": ["ok", "error"]},
            "limits": {
                "type": "object",
                "description": "The work limits this server enforces (MT_AUDIT_* settings).",
                "properties": {
                    "max_text_chars": {"type": "integer", "description": "Longest `text`/`source` of one audit."},
                    "grammar_max_sentence_chars": {"type": "integer", "description": "Longer sentences are "
                                                   "checked without the grammar checker (`grammar_skipped`)."},
                    "grammar_max_token_chars": {"type": "integer", "description": "So are sentences with a "
                                                "longer token (a run of non-space characters)."},
                    "time_limit_seconds": {"type": "number", "description": "Budget of one audit (503 past it)."},
                    "max_content_length": nullable({"type": "integer", "description": "Largest body in bytes."}),
                },
            },
        },
    },
}


def server_schemas(has_models: bool) -> dict[str, dict[str, Any]]:
    """:data:`SCHEMAS` as this server answers them, for its document: without a model layer
    ``options.models`` can only be false (true is a 400 ``models_not_configured``)."""
    if has_models:
        return SCHEMAS
    options = SCHEMAS["AuditOptions"]
    models = {**options["properties"]["models"], "const": False}
    return {**SCHEMAS, "AuditOptions": {**options, "properties": {**options["properties"], "models": models}}}


# --- parameters ----------------------------------------------------------------------------

#: Every path variable of the routes (``<glossary_id>`` ...), by name: a route's path parameters are
#: looked up here, so a new path variable without an entry fails the document's build.
PATH_PARAMETERS: dict[str, dict[str, Any]] = {
    "glossary_id": {
        "name": "glossary_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": GLOSSARY_ID_PATTERN},
        "description": "Glossary id (built-in: the file stem).",
    },
    "job_id": {
        "name": "job_id",
        "in": "path",
        "required": True,
        "schema": {"type": "string", "pattern": JOB_ID_PATTERN},
        "description": "Job id (from `POST /v1/jobs`).",
    },
    "key_id": {
        "name": "key_id",
        "in": "path",
        "required": True,
        "schema": {"type": "integer", "minimum": 0, "maximum": MAX_KEY_ID},
    },
}


def query_parameter(name: str, schema: dict[str, Any], description: str | None = None) -> dict[str, Any]:
    """An optional query parameter."""
    out: dict[str, Any] = {"name": name, "in": "query", "required": False, "schema": schema}
    if description:
        out["description"] = description
    return out


#: The ``page``/``per_page`` query parameters of the paged lists (glossary entries, jobs).
PAGING_PARAMETERS: tuple[dict[str, Any], ...] = (
    query_parameter("page", {"type": "integer", "minimum": 1, "maximum": 1_000_000, "default": 1}),
    query_parameter("per_page", {"type": "integer", "minimum": 1, "maximum": 500, "default": 50}),
)
#: Query-parameter schema keywords that the server's configuration sets, (parameter, keyword) -> config
#: key: the document states this server's values, and the server checks requests against the same.
CONFIGURED_KEYWORDS = {
    ("per_page", "default"): "ENTRIES_PER_PAGE",
    ("per_page", "maximum"): "ENTRIES_PER_PAGE_MAX",
}


def configured(parameter: dict[str, Any], config: Mapping[str, Any]) -> dict[str, Any]:
    """``parameter`` with the schema keywords of :data:`CONFIGURED_KEYWORDS` taken from ``config``."""
    schema = parameter.get("schema", {})
    for (name, keyword), key in CONFIGURED_KEYWORDS.items():
        if parameter["name"] == name and config.get(key) is not None:
            schema = {**schema, keyword: int(config[key])}
    return parameter if schema is parameter.get("schema") else {**parameter, "schema": schema}


# --- error answers -------------------------------------------------------------------------


def error_response(
    description: str,
    example_code: str,
    example_message: str,
    field: str | None = None,
    headers: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An OpenAPI response answering the ``Error`` schema, with an example."""
    example: dict[str, Any] = {"code": example_code, "message": example_message}
    if field:
        example["field"] = field
    out: dict[str, Any] = {
        "description": description,
        "content": {"application/json": {"schema": ref("Error"), "example": {"error": example}}},
    }
    if headers:
        out["headers"] = headers
    return out


#: The shared error answers (``components/responses``), by name: (status, response).
ERROR_RESPONSES: dict[str, tuple[int, dict[str, Any]]] = {
    "BadRequest": (
        400,
        error_response(
            "Malformed JSON (or an empty body), a malformed multipart body (`malformed_multipart`), or "
            "`options.models` on a server without a model layer (`models_not_configured`).",
            "malformed_json",
            "malformed JSON: Expecting value (line 1, column 1)",
        ),
    ),
    "Unauthorized": (
        401,
        error_response(
            "No API key, or an invalid or revoked one.",
            "unauthorized",
            "no API key: send 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": {"description": '`Bearer realm="mt-audit"`', "schema": {"type": "string"}}},
        ),
    ),
    "Forbidden": (
        403,
        error_response(
            "The key's role may not do this.", "forbidden", "this needs the admin role; your key has translator"
        ),
    ),
    "NotFound": (404, error_response("No such resource.", "not_found", "no glossary with id 'nope'")),
    "Conflict": (
        409,
        error_response(
            "The id is taken, or the resource is read-only.",
            "conflict",
            "a glossary with id 'diplomacy' exists",
            "id",
        ),
    ),
    "PayloadTooLarge": (
        413,
        error_response(
            "The body is larger than MT_AUDIT_MAX_CONTENT_LENGTH (default 5 MB), or (`text_too_long`, with "
            "`field`) the text is longer than MT_AUDIT_MAX_TEXT_CHARS characters (default 100,000).",
            "payload_too_large",
            "request body too large (limit 5242880 bytes)",
        ),
    ),
    "UnsupportedMediaType": (
        415,
        error_response(
            "Wrong Content-Type.", "unsupported_media_type", "send the body as application/json (got text/plain)"
        ),
    ),
    "Unprocessable": (
        422,
        error_response(
            "A field has the wrong type or value, is unknown or missing, or the language pair is unsupported.",
            "invalid_field",
            "must be a number",
            "options.weights.minor",
        ),
    ),
    "TooManyRequests": (
        429,
        error_response(
            "Over the key's rate limit (MT_AUDIT_RATE_LIMIT).",
            "rate_limited",
            "rate limit exceeded: 600 per 1 minute; retry after the time in Retry-After",
            headers={"Retry-After": {"description": "Seconds to wait before retrying.", "schema": {"type": "string"}}},
        ),
    ),
}
