"""A team's learnt rule states reach its batch jobs over HTTP (fixed at submission) and
``mt-audit check --store --project``: a rule its editors switched off does not flag in the team's next
job or check, a lowered rule loses a severity step, and another team is not affected."""

from __future__ import annotations

import io
import json
import time
import zipfile

import pytest

from tests.test_review_learning_applied import RULE, TEXT, decide

DOC = "doc.jsonl"


@pytest.fixture
def config_overrides(review_database_url, tmp_path):
    return {
        "DATABASE_URL": review_database_url,
        "GRAMMAR": False,
        "SECRET_KEY": "test-secret",
        "JOBS_RUNNER": True,
        "JOBS_WORKERS": 1,
        "JOBS_POLL_SECONDS": 0.2,
        "REVIEW_LEARNING": {"window": 6, "min_decisions": 4, "lower_at": 0.5, "off_at": 0.75, "edit_at": 0.6},
    }


@pytest.fixture
def editor(client, make_user, review_login):
    make_user("alice")
    return review_login(client)


def _archive() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        zf.writestr(DOC, json.dumps({"id": "1", "mt": TEXT}) + "\n")
    return buffer.getvalue()


def run_job(client, headers) -> tuple[dict, list[dict], list[dict]]:
    """Submit the one-document archive, wait for it, and return the job, its records and RULE's flags."""
    response = client.post("/v1/jobs", data={"file": (io.BytesIO(_archive()), "docs.zip"), "grammar": "false"},
                           headers=headers, content_type="multipart/form-data")
    assert response.status_code == 202, response.get_json()
    job_id = response.get_json()["id"]
    deadline = time.monotonic() + 60
    job = {}
    while time.monotonic() < deadline:
        job = client.get(f"/v1/jobs/{job_id}", headers=headers).get_json()
        if job["state"] in ("done", "failed"):
            break
        time.sleep(0.1)
    assert job.get("state") == "done", job
    results = client.get(f"/v1/jobs/{job_id}/results", headers=headers)
    assert results.status_code == 200
    with zipfile.ZipFile(io.BytesIO(results.data)) as zf:
        records = [json.loads(line) for name in zf.namelist() if name.endswith(".jsonl")
                   for line in zf.read(name).decode().splitlines() if line.strip()]
    flags = [f for r in records for f in r.get("flags") or [] if f["rule"] == RULE]
    return job, records, flags


def test_a_teams_batch_job_follows_what_its_editors_taught(client, app, editor, translator_key, make_key, auth):
    ours, theirs = auth(translator_key), auth(make_key("translator", "other team"))
    job, records, before = run_job(client, ours)
    assert before and before[0]["suggestion"] == "" and "learnt" not in job["options"]
    assert records[0]["proposal"]["origin"] == ["rule"]  # the rule rewrites the sentence
    decide(client, app, editor, ours, ["edit"] * 4)  # its flags are right, its rewrite is not
    job, records, kept = run_job(client, ours)
    assert job["options"]["learnt"]["not_proposing"] == [RULE]
    assert job["options"]["rule_adjustments"] == [{"rule": RULE, "lowered": False, "proposes": False}]
    assert kept == before and records[0]["proposal"] is None  # flagged, the MT stands
    decide(client, app, editor, ours, ["reject"] * 5)  # 5 of the last 6 rejected: off
    job, records, off = run_job(client, ours)
    assert off == [] and RULE in job["options"]["disabled_rules"]
    job, records, other = run_job(client, theirs)  # another key's team learnt nothing
    assert other == before and "learnt" not in job["options"] and records[0]["proposal"] is not None


def test_the_auditor_lowers_and_withholds_before_proposing() -> None:
    from audit.config import AuditConfig
    from audit.learning import RuleAdjustment
    from audit.pipeline import Auditor

    text = "The new crown virus spread."
    plain = Auditor(AuditConfig(grammar=False, qe=False)).audit(text)
    (segment,) = plain.segments
    assert {f.rule: f.severity.value for f in segment.flags} == {
        "glossary.zh-en.xinguan": "major", "accuracy.chinglish.new-crown-virus": "major"}
    assert segment.proposal is not None and segment.proposal.text != text
    taught = (RuleAdjustment("glossary.zh-en.xinguan", lowered=True, proposes=False),
              RuleAdjustment("accuracy.chinglish.new-crown-virus", proposes=False))
    config = AuditConfig.from_options({"grammar": False, "qe": False,
                                       "rule_adjustments": [a.to_dict() for a in taught]})
    (adjusted,) = Auditor(config).audit(text).segments
    assert {f.rule: (f.severity.value, f.replacement) for f in adjusted.flags} == {
        "glossary.zh-en.xinguan": ("minor", None), "accuracy.chinglish.new-crown-virus": ("major", None)}
    assert adjusted.proposal is not None and adjusted.proposal.text == text
    assert adjusted.proposal.origin == ("learnt",)


def test_check_store_project_applies_and_stores_under_the_project(client, app, editor, translator_key, auth,
                                                                   review_database_url, tmp_path, monkeypatch):
    from click.testing import CliRunner
    from sqlalchemy import select

    from api.storage.models import Document
    from audit.cli import main

    decide(client, app, editor, auth(translator_key), ["reject"] * 4, project="acme")
    text = tmp_path / "mt.txt"
    text.write_text(TEXT, encoding="utf-8")
    monkeypatch.setenv("MT_AUDIT_DATABASE_URL", review_database_url)
    monkeypatch.setenv("MT_AUDIT_INSTANCE_PATH", str(tmp_path / "instance"))
    monkeypatch.setenv("MT_AUDIT_REVIEW_LEARNING", json.dumps(app.config["REVIEW_LEARNING"]))

    def check(*extra: str) -> list[dict]:
        result = CliRunner().invoke(main, ["check", "--no-grammar", "--format", "json", *extra, str(text)])
        assert result.exit_code in (0, 1), result.output
        return [f for s in json.loads(result.stdout)["segments"] for f in s["flags"] if f["rule"] == RULE]

    assert check() and check("--store", "--project", "globex")  # nothing learnt without, or elsewhere
    assert check("--store", "--project", "acme") == []
    with app.extensions["mt_audit"].db.session() as session:
        projects = sorted(p or "" for p in session.scalars(select(Document.project)))
    assert projects.count("acme") == 5 and projects.count("globex") == 1  # 4 decided + the check's
    refused = CliRunner().invoke(main, ["check", "--project", "acme", str(text)])
    assert refused.exit_code == 2 and "--project needs --store" in refused.output
