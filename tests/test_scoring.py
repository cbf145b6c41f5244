import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import sacrebleu

from audit.scoring import EditScorer, score_corpus

HYPS = ["the U.S. cannot and is willing to make a real impression on Russia",
        "Russia is no longer stupid.", "identical line"]
REFS = ["the U.S. neither can nor will offer Russia real benefits",
        "This time, Russia will not be fooled again.", "identical line"]


def test_edit_of_identical_text_is_zero():
    score = EditScorer().score("Same text.", "Same text.")
    assert (score.char_distance, score.char_ratio, score.ter, score.chrf, score.bleu) == (0, 0.0, 0.0, 100.0, 100.0)


def test_edit_scores_match_sacrebleu_and_levenshtein():
    mt, fixed = "he tried to pull Russia", "he tried to win over Russia"
    score = EditScorer().score(mt, fixed)
    assert score.char_distance == 8  # "pull" -> "win over": 4 substitutions + 4 insertions
    assert score.char_ratio == pytest.approx(8 / len(fixed))
    assert score.ter == pytest.approx(sacrebleu.sentence_ter(mt, [fixed]).score)
    assert score.chrf == pytest.approx(sacrebleu.sentence_chrf(mt, [fixed]).score)
    assert score.bleu == pytest.approx(sacrebleu.sentence_bleu(mt, [fixed]).score)


def test_signatures_name_every_parameter():
    sigs = EditScorer().signatures()
    assert sigs["bleu"].startswith("nrefs:1|case:mixed|eff:yes|tok:13a")
    assert "version:" in sigs["ter"] and "nc:6" in sigs["chrf"]


def test_corpus_scores_equal_sacrebleu():
    result = score_corpus(HYPS, REFS)
    assert result.bleu == pytest.approx(sacrebleu.corpus_bleu(HYPS, [REFS]).score)
    assert result.chrf == pytest.approx(sacrebleu.corpus_chrf(HYPS, [REFS]).score)
    assert result.ter == pytest.approx(sacrebleu.corpus_ter(HYPS, [REFS]).score)
    assert result.sentences[2].char_distance == 0


def test_mismatched_lengths():
    with pytest.raises(ValueError, match="2 hypotheses but 1 references"):
        score_corpus(["a", "b"], ["a"])


def sacrebleu_command() -> str:
    beside = Path(sys.executable).parent / "sacrebleu"
    return str(beside) if beside.exists() else (shutil.which("sacrebleu") or "sacrebleu")


def test_score_command_equals_the_sacrebleu_command(tmp_path):
    from click.testing import CliRunner

    from audit.cli import main

    hyp, ref = tmp_path / "hyp.txt", tmp_path / "ref.txt"
    hyp.write_text("\n".join(HYPS) + "\n", encoding="utf-8")
    ref.write_text("\n".join(REFS) + "\n", encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(main, ["score", "--hyp", str(hyp), "--ref", str(ref), "--format", "json"])
    assert result.exit_code == 0, result.output
    ours = json.loads(result.output)
    exe = sacrebleu_command()
    theirs = json.loads(subprocess.run(
        [exe, str(ref), "-i", str(hyp), "-m", "bleu", "chrf", "ter", "-f", "json", "-w", "4"],
        capture_output=True, text=True, check=True).stdout)
    by_name = {entry["name"]: entry for entry in theirs}
    assert ours["corpus"]["bleu"] == pytest.approx(by_name["BLEU"]["score"], abs=1e-4)
    assert ours["corpus"]["chrf"] == pytest.approx(by_name["chrF2"]["score"], abs=1e-4)
    assert ours["corpus"]["ter"] == pytest.approx(by_name["TER"]["score"], abs=1e-4)
    assert ours["signatures"]["bleu"] == by_name["BLEU"]["signature"]
    sentence = subprocess.run([exe, str(ref), "-i", str(hyp), "-m", "bleu", "-sl", "-w", "4"],
                              capture_output=True, text=True, check=True).stdout
    sent_scores = [float(re.search(r" = ([0-9.]+) ", line).group(1)) for line in sentence.splitlines() if line]
    assert [s["bleu"] for s in ours["sentences"]] == pytest.approx(sent_scores, abs=1e-4)


# --- flores200 (spBLEU) tokenizer for CJK targets, where its SentencePiece model is installed ------
_SPM_TEXT = """中国经济今年增长了百分之五。
两国签署了贸易协议，双方同意加强合作。
会议于十月举行，各国代表出席了会议。
東京で会議が開かれた。経済は今年成長した。
서울에서 회의가 열렸다. 경제가 성장했다.
The meeting was held in October and the economy grew.
"""


@pytest.fixture
def sacrebleu_dir(tmp_path, monkeypatch):
    """A private $SACREBLEU: sacrebleu reads the directory at import, so patch the module's copy."""
    from sacrebleu.tokenizers import tokenizer_spm

    monkeypatch.setattr(tokenizer_spm, "SACREBLEU_DIR", str(tmp_path / "sacrebleu"))
    return tmp_path / "sacrebleu"


def _install_tiny_flores200(tmp_path, target):
    """Train a tiny SentencePiece model offline and put it where sacrebleu looks for flores200's."""
    import sentencepiece as spm

    corpus = tmp_path / "corpus.txt"
    corpus.write_text(_SPM_TEXT * 20, encoding="utf-8")
    spm.SentencePieceTrainer.train(input=str(corpus), model_prefix=str(tmp_path / "tiny"), vocab_size=120,
                                   character_coverage=1.0, hard_vocab_limit=False, minloglevel=2)
    target.parent.mkdir(parents=True, exist_ok=True)
    shutil.copy(tmp_path / "tiny.model", target)


def test_cjk_targets_fall_back_without_the_flores200_model(sacrebleu_dir):
    from audit.pipeline import _available_tokenizer
    from audit.scoring import flores200_available, flores200_model_path

    assert flores200_model_path().parent.parent == sacrebleu_dir and not flores200_available()
    assert _available_tokenizer("zh") == "zh"
    assert _available_tokenizer("13a") == "13a"
    assert _available_tokenizer("ja-mecab") in ("ja-mecab", "char")


def test_cjk_targets_use_flores200_when_its_model_is_installed(sacrebleu_dir, tmp_path):
    from audit.pipeline import _available_tokenizer
    from audit.scoring import flores200_available, flores200_model_path

    _install_tiny_flores200(tmp_path, flores200_model_path())
    assert flores200_available()
    for name in ("zh", "ja-mecab", "ko-mecab"):
        assert _available_tokenizer(name) == "flores200"
    assert _available_tokenizer("13a") == "13a"  # English targets keep sacrebleu's default
    scorer = EditScorer(tokenize=_available_tokenizer("zh"))
    score = scorer.score("两国签署了协议。", "两国签署了贸易协议。")
    assert 0 < score.bleu < 100 and score.ter > 0
    assert "tok:flores200" in scorer.signatures()["bleu"]
    assert scorer.ter.asian_support


# --- CJK targets (issue 14) -------------------------------------------------------------------------
def test_ter_of_a_chinese_target_counts_characters():
    from audit.scoring import EditScorer

    scorer = EditScorer(tokenize="zh")
    ter = scorer.score("她在上周退休了", "她在上周退休").ter
    assert 0 < ter < 20  # one character of six deleted, not the whole sentence rewritten


def test_words_of_chinese_are_counted_by_a_segmenter():
    from audit.scoring import count_words

    assert count_words("The two sides signed.") == 4
    assert count_words("两国领导人昨天在北京举行了会谈。") >= 6
    assert count_words("两国领导人昨天在北京举行了会谈。") < len("两国领导人昨天在北京举行了会谈。")
    assert count_words("こんにちは") == 5  # kana: a character each
    assert count_words("오늘 날씨가 좋다") == 3  # Hangul is spaced


def test_mqm_penalty_of_a_chinese_target_is_per_word():
    from audit.config import AuditConfig
    from audit.pipeline import Auditor

    result = Auditor(AuditConfig(src_lang="en", tgt_lang="zh")).audit("两国领导人昨天在北京举行了会谈。")
    assert result.summary.words >= 6
