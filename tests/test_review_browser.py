"""The review pages in a real browser: Playwright for Python driving Debian's Chromium, headless.

A real server (werkzeug, threaded) on a free loopback port; the seed audit stored through the API;
an editor logs in, accepts, edits and rejects with the mouse and with the keyboard, sees a conflict,
downloads the XLIFF; the database is checked. Screenshots go to ``artifacts/`` (CI artifacts).
"""

from __future__ import annotations

import os
import shutil
import threading
from pathlib import Path

import pytest
from defusedxml import ElementTree as SafeET
from sqlalchemy import select
from werkzeug.serving import make_server

from api.storage.models import Review
from api.storage.reviews import decide, load_document

sync_api = pytest.importorskip("playwright.sync_api", reason="pip install playwright (no browser download needed)")
CHROMIUM = os.environ.get("MT_AUDIT_CHROMIUM", "/usr/bin/chromium")
ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "seeds" / "lavrov-kommersant.en.txt"
ARTIFACTS = ROOT / "artifacts"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
]

# Outside CI a developer without Chromium gets a skip; in CI (.ci/run installs it) a missing
# browser is a failure, never a silent skip.
pytestmark = pytest.mark.skipif(
    not shutil.which(CHROMIUM) and os.environ.get("CI") != "true",
    reason=f"no Chromium at {CHROMIUM} (apt-get install chromium)",
)


@pytest.fixture
def config_overrides(review_database_url):
    return {"DATABASE_URL": review_database_url, "GRAMMAR": False, "RATE_LIMIT_ENABLED": False}


@pytest.fixture
def server(app):
    srv = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=srv.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{srv.server_port}"
    srv.shutdown()
    thread.join(timeout=10)


@pytest.fixture
def seed_doc(client, translator_key, auth):
    response = client.post(
        "/v1/audit",
        json={"text": SEED.read_text(encoding="utf-8"), "store": True, "name": SEED.name},
        headers=auth(translator_key),
    )
    assert response.status_code == 200
    return response.get_json()["document_id"]


@pytest.fixture
def page(server):
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        context = browser.new_context(accept_downloads=True, viewport={"width": 1280, "height": 900})
        page = context.new_page()
        page.set_default_timeout(15_000)
        yield page
        context.close()
        browser.close()


def status_of(page, segment_id: int, status: str) -> None:
    page.wait_for_selector(f"#seg-{segment_id}[data-status='{status}']")


def test_editor_reviews_the_seed_with_mouse_and_keyboard(app, server, seed_doc, page, make_user, tmp_path):
    make_user("alice")
    db = app.extensions["mt_audit"].db
    with db.session() as session:
        segments = load_document(session, seed_doc).segments
    flagged = [s.id for s in segments if s.flags]
    unflagged = [s.id for s in segments if not s.flags]
    by_id = {s.id: s for s in segments}
    assert len(flagged) >= 8

    page.goto(f"{server}/review/documents/{seed_doc}")  # redirected to log in, then back
    page.fill("#username", "alice")
    page.fill("#password", "correct horse battery")
    page.click("#login")
    page.wait_for_selector("#segments")
    page.goto(f"{server}/review/")
    page.wait_for_selector(f"tr[data-doc='{seed_doc}']")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "review-queue.png"), full_page=True)
    page.click(f"tr[data-doc='{seed_doc}'] a")
    page.wait_for_selector(f"#seg-{flagged[0]}.current")

    # --- with the mouse
    page.click(f"#seg-{flagged[0]} button[data-action='accept']")
    status_of(page, flagged[0], "accepted")
    page.click(f"#seg-{flagged[1]} button[data-action='edit']")
    mouse_text = by_id[flagged[1]].mt_text.replace(" the ", " this ", 1)
    page.fill(f"#seg-{flagged[1]} textarea", mouse_text)
    page.click(f"#seg-{flagged[1]} button[data-action='save']")
    status_of(page, flagged[1], "edited")
    page.click(f"#seg-{flagged[2]} button[data-action='reject']")
    page.click(f"#seg-{flagged[2]} button[data-action='reject-confirm']")  # reason: the first of the list
    status_of(page, flagged[2], "rejected")
    page.wait_for_selector(f"#seg-{flagged[3]}.current")  # moved on to the next flagged sentence

    # --- with the keyboard: a, r, k, u, j, e (+ Ctrl+Enter)
    page.keyboard.press("a")
    status_of(page, flagged[3], "accepted")
    page.wait_for_selector(f"#seg-{flagged[4]}.current")
    page.keyboard.press("r")
    page.keyboard.press("1")  # reason 1 of the list rejects at once
    status_of(page, flagged[4], "rejected")
    page.keyboard.press("k")
    page.wait_for_selector(f"#seg-{flagged[4]}.current")
    page.keyboard.press("u")
    status_of(page, flagged[4], "open")
    page.keyboard.press("j")
    page.wait_for_selector(f"#seg-{flagged[5]}.current")
    page.keyboard.press("e")
    page.wait_for_selector(f"#seg-{flagged[5]} textarea:focus")
    page.keyboard.press("Control+A")
    keyboard_text = by_id[flagged[5]].mt_text.rstrip(".") + ", in short."
    page.keyboard.type(keyboard_text)
    page.keyboard.press("Control+Enter")
    status_of(page, flagged[5], "edited")

    # --- an unflagged sentence is editable too
    if unflagged:
        page.click(f"#seg-{unflagged[0]} .mt")
        page.click(f"#seg-{unflagged[0]} button[data-action='edit']")
        page.fill(f"#seg-{unflagged[0]} textarea", by_id[unflagged[0]].mt_text.replace("Russia RT", "Russia's RT"))
        page.click(f"#seg-{unflagged[0]} button[data-action='save']")
        status_of(page, unflagged[0], "edited")

    # --- a second editor saved first: the stale click is refused with a clear message
    stale = next(s for s in segments if s.id == flagged[6])
    decide(db, seed_doc, stale.id, "reject", stale.version, None)
    page.click(f"#seg-{flagged[6]} button[data-action='accept']")
    page.wait_for_selector("#message:has-text('Conflict')")
    # the page shows their decision (not ours), marked as a conflict, theirs beside ours
    assert page.get_attribute(f"#seg-{flagged[6]}", "data-status") == "rejected"
    assert "conflict" in page.get_attribute(f"#seg-{flagged[6]}", "class")

    assert page.inner_text("#progress-text").startswith("5 / ")  # flagged decided here (the conflict is not)
    page.wait_for_selector(f"#seg-{flagged[6]}.conflict .conflict-box:has-text('Theirs (rejected')")
    page.evaluate("window.scrollTo(0, 0)")
    page.screenshot(path=str(ARTIFACTS / "review-document.png"))

    # --- download the XLIFF
    with page.expect_download() as download_info:
        page.click("#dl-xlf")
    target = tmp_path / "review.xlf"
    download_info.value.save_as(target)
    root = SafeET.fromstring(target.read_bytes())
    states = {u.get("id"): u.find("{*}segment").get("subState") for u in root.findall(".//{*}unit")}
    position = {s.id: s.position + 1 for s in segments}
    assert states[f"u{position[flagged[0]]}"] == "mt-audit:accepted"
    assert states[f"u{position[flagged[1]]}"] == "mt-audit:edited"
    assert states[f"u{position[flagged[4]]}"] is None  # undone

    # --- the database holds every decision
    with db.session() as session:
        after = {s.id: s for s in load_document(session, seed_doc).segments}
        reviews = list(session.scalars(select(Review).order_by(Review.id)))
    assert [after[i].status for i in flagged[:7]] == [
        "accepted",
        "edited",
        "rejected",
        "accepted",
        "open",
        "edited",
        "rejected",
    ]
    assert after[flagged[1]].final_text == mouse_text
    assert after[flagged[5]].final_text == keyboard_text
    assert after[flagged[1]].effort_ter is not None and after[flagged[1]].effort_char_ratio > 0
    assert [r.decision for r in reviews].count("undo") == 1


def pair_texts(blocks: int = 50) -> tuple[str, str]:
    """``4 * blocks`` MT sentences with a Chinese source; every tenth block's number disagrees."""
    mt, source = [], []
    for i in range(blocks):
        n = i + 1
        m = n + 1 if i % 10 == 3 else n
        mt.append("Chinese-Russian relations extended an olive branch to the region.")
        mt.append(f"The weather was fine. It can be seen that the talks went well. They signed {n} agreements.")
        source.append("中俄关系向地区伸出橄榄枝。")
        source.append(f"天气很好。可以看出会谈很顺利。他们签署了{m}项协议。")
    return "\n".join(mt), "\n".join(source)


@pytest.fixture
def pair_doc(client, translator_key, auth):
    text, source = pair_texts()
    response = client.post(
        "/v1/audit",
        json={"text": text, "source": source, "src_lang": "zh", "store": True, "name": "talks.txt"},
        headers=auth(translator_key),
    )
    assert response.status_code == 200
    return response.get_json()["document_id"]


def test_keyboard_only_pass_over_200_sentences_with_source_filters_conflict_and_comment(
    app, server, pair_doc, page, make_user
):
    make_user("alice")
    bob = make_user("bob")
    db = app.extensions["mt_audit"].db
    with db.session() as session:
        segments = load_document(session, pair_doc).segments
    assert len(segments) == 200
    flagged = [s for s in segments if s.flags]
    by_id = {s.id: s for s in segments}

    page.goto(f"{server}/review/documents/{pair_doc}")  # the log-in form, by keyboard
    page.wait_for_selector("#username:focus")
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    page.keyboard.type("correct horse battery")
    page.keyboard.press("Enter")
    page.wait_for_selector(f"#seg-{flagged[0].id}.current")
    assert page.locator(".seg").count() == 200 and page.locator(".seg .src").count() == 200
    assert page.locator(".src mark.src-flag").count() >= 5  # the number disagreements, in the source

    # three quick accepts while the first save runs: queued, in order, on three sentences
    for _ in range(3):
        page.keyboard.press("a")
    for seg in flagged[:3]:
        status_of(page, seg.id, "accepted")
    page.wait_for_selector(f"#seg-{flagged[3].id}.current")

    # search, then a filter on state, then back
    page.keyboard.press("/")
    page.keyboard.type("it can be seen")  # the current sentence stays in view
    page.wait_for_selector("#f-count:has-text('50 of 200 sentences shown')")
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    page.keyboard.press("Shift+Tab")  # the state filter
    page.keyboard.press("ArrowDown")  # "open"
    open_count = 200 - 3
    page.wait_for_selector(f"#f-count:has-text('{open_count} of 200 sentences shown')")
    assert page.locator(f"#seg-{flagged[0].id}.filtered-out").count() == 1
    page.keyboard.press("ArrowUp")  # "all" again
    page.keyboard.press("Escape")
    page.wait_for_function("document.getElementById('f-count').textContent === ''")

    # back to a decided sentence, then the next open one; reject it with a reason from the list
    page.keyboard.press("k")
    page.wait_for_selector(f"#seg-{flagged[2].id}.current")
    page.keyboard.press("n")
    page.wait_for_selector(f"#seg-{flagged[3].id}.current")
    page.keyboard.press("r")
    page.wait_for_selector(f"#seg-{flagged[3].id} .reason-select:focus")
    page.keyboard.press("2")
    status_of(page, flagged[3].id, "rejected")
    page.wait_for_selector(f"#seg-{flagged[3].id} .reason:has-text('The proposed fix is wrong')")

    # a comment on the current sentence
    page.wait_for_selector(f"#seg-{flagged[4].id}.current")
    page.keyboard.press("c")
    page.wait_for_selector(f"#seg-{flagged[4].id} .comment-box:focus")
    page.keyboard.type("Ask the client which count is right.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"#seg-{flagged[4].id} .thread li:has-text('Ask the client')")
    page.keyboard.press("Escape")

    # a conflict: bob saved first; alice sees theirs beside hers and merges
    target = flagged[4]
    decide(db, pair_doc, target.id, "edit", target.version, bob, "Bob's text.")
    page.keyboard.press("e")
    page.wait_for_selector(f"#seg-{target.id} .edit-box:focus")
    page.keyboard.press("Control+A")
    page.keyboard.type("Alice's text.")
    page.keyboard.press("Control+Enter")
    page.wait_for_selector(f"#seg-{target.id}.conflict .conflict-box:has-text('by bob')")
    box = page.inner_text(f"#seg-{target.id} .conflict-box")
    assert "Bob's text." in box and "Alice's text." in box
    page.keyboard.press("m")
    page.wait_for_selector(f"#seg-{target.id} .edit-box:focus")
    assert page.input_value(f"#seg-{target.id} .edit-box") == "Bob's text. / Alice's text."
    page.keyboard.press("Control+A")
    page.keyboard.type("The two texts, merged.")
    page.keyboard.press("Control+Enter")
    status_of(page, target.id, "edited")
    page.wait_for_selector(f"#seg-{target.id}:not(.conflict)")

    # help
    page.keyboard.press("?")
    page.wait_for_selector("#help:not([hidden])")
    page.keyboard.press("Escape")
    page.wait_for_selector("#help", state="hidden")

    page.evaluate(f"document.getElementById('seg-{flagged[3].id}').scrollIntoView({{block: 'start'}})")
    page.evaluate("window.scrollBy(0, -140)")
    # the README's screenshot is refreshed on request only (a test never rewrites tracked files)
    shot = ROOT / "docs" / "review-document.png" if os.environ.get("MT_AUDIT_UPDATE_SCREENSHOTS") else \
        ARTIFACTS / "review-workspace.png"
    page.screenshot(path=str(shot))

    # the database: decisions, reason, comment, merge
    with db.session() as session:
        after = {s.id: s for s in load_document(session, pair_doc).segments}
    assert [after[s.id].status for s in flagged[:5]] == ["accepted"] * 3 + ["rejected", "edited"]
    assert after[flagged[3].id].reason == "wrong-fix"
    assert after[target.id].final_text == "The two texts, merged."
    assert [c.body for c in after[target.id].comments] == ["Ask the client which count is right."]
    assert by_id[target.id].mt_text != after[target.id].final_text

    # reopening resumes at the first open flagged sentence
    page.reload()
    first_open = next(s for s in flagged if after[s.id].status == "open")
    page.wait_for_selector(f"#seg-{first_open.id}.current")
    assert page.locator("#sticky").bounding_box()["y"] <= 1  # the progress bar stays in view
