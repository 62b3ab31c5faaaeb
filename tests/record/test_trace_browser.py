"""The HTML trace in the real Chromium the suite uses: the timeline shows, nothing is broken,
nothing is fetched from the network."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from story import write_story

from jupyter_mlops.audit.report_html import write_html
from jupyter_mlops.registry import Registry

pytestmark = pytest.mark.slow
playwright_api = pytest.importorskip("playwright.sync_api")
CHROMIUM = os.environ.get("JUPYTER_MLOPS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--no-first-run", "--disable-dev-shm-usage"]
SCREENSHOTS = os.environ.get("JUPYTER_MLOPS_SCREENSHOTS")


def test_trace_report_renders_a_timeline_with_no_broken_asset(project, tmp_path):
    if not Path(CHROMIUM).exists():
        pytest.skip(f"{CHROMIUM} not installed (apt-get install -y chromium)")
    story = write_story(project, tmp_path)
    t = Registry(project).trace("churn", story["version"])
    report = write_html(t, tmp_path / "trace.html")
    html = report.read_text()
    assert "<script" not in html and "http://" not in html.split("</style>")[1].split("<footer")[0]
    requests, failures, errors = [], [], []
    with playwright_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        page = browser.new_page(viewport={"width": 1100, "height": 900})
        page.on("request", lambda r: requests.append(r.url))
        page.on("requestfailed", lambda r: failures.append(r.url))
        page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
        page.goto(report.as_uri())
        items = page.locator("#timeline li")
        assert items.count() == len(t.events) >= 8
        first = items.nth(0).inner_text()
        assert "turned notebook notebooks/churn.ipynb into package churn_model" in first
        assert "signed by ana" in first
        assert page.locator("#timeline li.bad").count() == 0
        assert "intact" in page.locator("#integrity").inner_text()
        assert "bob" in page.locator("#people").inner_text()
        assert "customers-2026" in page.locator("#data").inner_text()
        assert "uncommitted changes" in page.locator("#code").inner_text()
        # every box is laid out (nothing collapsed to zero by a missing stylesheet)
        assert page.evaluate("document.styleSheets.length") == 1
        assert page.locator("#timeline").bounding_box()["height"] > 300
        if SCREENSHOTS:
            page.screenshot(path=str(Path(SCREENSHOTS) / "audit-trace.png"), full_page=False)
        browser.close()
    assert failures == [] and errors == []
    assert all(u.startswith("file://") for u in requests), requests
