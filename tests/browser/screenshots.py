"""Take the documentation screenshots (docs/images) from a real JupyterLab and Chromium.

    python tests/browser/screenshots.py docs/images
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

from playwright.sync_api import sync_playwright

sys.path.insert(0, str(Path(__file__).parent))
from lab_harness import CHROMIUM, CHROMIUM_ARGS, start_lab

THEMES = {"light": "JupyterLab Light", "dark": "JupyterLab Dark"}


def set_theme(page, theme: str) -> None:
    page.evaluate("t => window.jupyterapp.commands.execute('apputils:change-theme', {theme: t})",
                  THEMES[theme])
    page.wait_for_function("t => document.body.dataset.jpThemeName === t", arg=THEMES[theme])
    page.wait_for_timeout(800)


def open_notebook(page, lab, name: str) -> None:
    page.goto(lab.tree(name))
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", state="visible", timeout=60_000)
    page.wait_for_selector(".jp-mlops-finding, .jp-mlops-empty", timeout=20_000)
    # A wider sidebar than the default, as a user reading findings would drag it.
    page.evaluate("() => window.jupyterapp.shell._hsplitPanel.setRelativeSizes([0.27, 0.73, 0])")
    page.wait_for_timeout(300)


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    lab = start_lab(Path(tempfile.mkdtemp(prefix="mlops-shots-")))
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1280, "height": 760}, device_scale_factor=1)
            for theme in ("light", "dark"):
                open_notebook(page, lab, "churn.ipynb")
                set_theme(page, theme)
                page.locator('.jp-mlops-finding[data-code="NB301"]').click()
                page.wait_for_selector(".jp-mlops-highlighted-line")
                page.mouse.move(900, 700)
                page.screenshot(path=out / f"sidebar-{theme}.png",
                                clip={"x": 0, "y": 0, "width": 1100, "height": 700})
                if theme == "light":
                    page.evaluate("() => window.jupyterapp.commands.execute("
                                  "'jupyter-mlops:toggle-teaching-mode')")
                    page.wait_for_selector(".jp-mlops-teach-body p")
                    page.wait_for_timeout(500)
                    page.screenshot(path=out / "sidebar-teaching.png",
                                    clip={"x": 0, "y": 0, "width": 1100, "height": 700})
                    page.evaluate("() => window.jupyterapp.commands.execute("
                                  "'jupyter-mlops:toggle-teaching-mode')")
                open_notebook(page, lab, "savings.ipynb")
                page.locator(".jp-mlops-toolbar-productionise").first.click()
                dialog = page.locator(".jp-Dialog-content")
                dialog.locator(".jp-mlops-plan-stages").wait_for(timeout=60_000)
                page.wait_for_timeout(300)
                dialog.screenshot(path=out / f"productionise-plan-{theme}.png")
                dialog.locator(".jp-mlops-create").click()
                dialog.locator(".jp-mlops-result").wait_for(timeout=300_000)
                page.wait_for_timeout(300)
                dialog.screenshot(path=out / f"productionise-result-{theme}.png")
                page.keyboard.press("Escape")
            set_theme(page, "light")
            browser.close()
    finally:
        lab.stop()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/images"))
