"""``POST /v1/score``: sentence and corpus BLEU, chrF, TER and character edit distance."""

from __future__ import annotations

from flask import Blueprint, Response, jsonify

from audit.scoring import score_corpus

from ..auth import require_role
from ..errors import ApiError
from ..validation import json_body

bp = Blueprint("score", __name__, url_prefix="/v1")


@bp.post("/score")
@require_role("translator")
def score() -> Response:
    body = json_body("ScoreRequest")
    hypotheses, references = body["hypotheses"], body["references"]
    if len(hypotheses) != len(references):
        raise ApiError(
            422,
            "length_mismatch",
            f"{len(hypotheses)} hypotheses but {len(references)} references: lists must be aligned",
            "references",
        )
    tokenize = body.get("tokenize", "13a")
    try:
        result = score_corpus(hypotheses, references, tokenize=tokenize)
    except (ValueError, RuntimeError, ImportError) as exc:  # sacrebleu: tokenizer needs missing extras
        raise ApiError(422, "invalid_field", str(exc).strip()[:300], "tokenize") from None
    return jsonify(result.to_dict())
