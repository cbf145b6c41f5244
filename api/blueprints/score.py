"""``POST /v1/score``: sentence and corpus BLEU, chrF, TER and character edit distance."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, jsonify

from audit.scoring import score_corpus

from ..errors import ApiError
from ..routes import json_answer, route_doc

bp = Blueprint("score", __name__, url_prefix="/v1")


@bp.post("/score")
@route_doc(
    role="translator",
    body="ScoreRequest",
    examples={
        "pair": ("One segment", {"hypotheses": ["The cat sat on mat."], "references": ["The cat sat on the mat."]})
    },
    responses=[json_answer(200, "ScoreResult", "The scores.")],
)
def score(body: dict[str, Any]) -> Response:
    """Score hypotheses against references

    Sentence and corpus BLEU, chrF and TER (sacrebleu, with signatures) and character edit distance,
    as `mt-audit score --format json`.
    """
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
