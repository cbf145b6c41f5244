"""The batch HTML report opens in headless Chromium without console errors (screenshot saved)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

pytest.importorskip("matplotlib")
playwright = pytest.importorskip("playwright.sync_api")

from audit.batch.runner import BatchOptions, run_batch  # noqa: E402
from audit.batch.samples import write_zip  # noqa: E402
from audit.cli import build_config  # noqa: E402

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.mark.skipif(not Path(CHROMIUM).exists(), reason="needs Debian's chromium (apt-get install chromium)")
def test_report_opens_in_headless_chromium(tmp_path: Path) -> None:
    archive = write_zip(tmp_path / "archive.zip")
    out = tmp_path / "out"
    run_batch(BatchOptions(archive=str(archive), out=str(out),
                           config=build_config("zh", "en", (), False, (), False, False, (), None, 0),
                           workers=1, progress=False, source_checks=False))
    errors: list[str] = []
    with playwright.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
            "--disable-sync"])
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto((out / "report.html").as_uri())
            page.wait_for_load_state("load")
            assert "Translation audit" in page.title() or page.locator("h1").inner_text().startswith("Translation")
            images = page.locator("img")
            assert images.count() == 4
            widths = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
            assert all(w > 0 for w in widths), widths  # every embedded plot decoded
            link = page.locator("table a").first
            target = link.get_attribute("href")
            assert target and target.startswith("#seg-")
            assert page.locator(target).count() == 1
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "batch-report.png"), full_page=True)
        finally:
            browser.close()
    assert errors == []
    assert (ARTIFACTS / "batch-report.png").stat().st_size > 10_000
