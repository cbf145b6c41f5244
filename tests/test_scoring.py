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
