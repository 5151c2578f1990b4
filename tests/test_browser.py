"""End to end, as a reader would: JupyterLab from this venv, a notebook opened in headless Chromium, Run All.

The server listens on 127.0.0.1 only (a free port, a random token) with a temporary root folder holding a
copy of notebooks/07_country_brief.ipynb (the notebook with a widget, the one part of a notebook that only a
browser shows; every notebook is also executed by tests/test_notebooks.py) and a notebook that fails. The
browser is Debian's Chromium driven by Debian's chromedriver (``make browser-deps``, i.e. ``apt-get install
chromium chromium-driver``; .ci/run installs them before ``make test``, which itself never installs system
packages). Nothing is downloaded: when either is missing the tests are skipped with one line saying how to
enable them, except under ``CI=true``, where they fail.

JupyterLab is started with ``expose_app_in_browser`` so that the test can run JupyterLab's own command
``notebook:run-all-cells`` (``window.jupyterapp.commands.execute``), the command behind Run > Run All Cells;
what is checked is what the page shows: every code cell numbered, no traceback in any output, every chart
an ``<img>`` that loaded.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service

REPO = Path(__file__).resolve().parent.parent
BRIEF = REPO / "notebooks" / "07_country_brief.ipynb"
CHROMIUM = Path("/usr/bin/chromium")
CHROMEDRIVER = Path("/usr/bin/chromedriver")
JUPYTER = Path(sys.executable).parent / "jupyter"
STARTUP_S = 45  # server up, page loaded, kernel idle
RUN_S = 60  # Run All finished


def _require_browser() -> None:
    missing = [str(p) for p in (CHROMIUM, CHROMEDRIVER) if not p.exists()]
    if missing:
        how = "make browser-deps (apt-get install chromium chromium-driver)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"missing {', '.join(missing)} under CI=true: .ci/run should have run {how}", pytrace=False)
        pytest.skip(f"browser test: missing {', '.join(missing)}; to run it: {how}")
    if not JUPYTER.exists():
        pytest.fail(f"missing {JUPYTER}: pip install -e '.[notebooks]'", pytrace=False)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Lab:
    """A running JupyterLab server and a headless Chromium pointed at it."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.root = base / "root"
        self.root.mkdir()
        self.port = _free_port()
        self.token = secrets.token_hex(24)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = base / "jupyter.log"
        self.server: subprocess.Popen[bytes] | None = None
        self.driver: webdriver.Chrome | None = None

    def start(self) -> None:
        settings = self.base / "settings" / "@jupyterlab" / "notebook-extension"
        settings.mkdir(parents=True)
        # Every cell stays in the page (no virtual scrolling), so that every output can be inspected.
        (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
        env = dict(
            os.environ, JUPYTER_CONFIG_DIR=str(self.base / "config"), JUPYTER_RUNTIME_DIR=str(self.base / "runtime")
        )
        cmd = [
            str(JUPYTER),
            "lab",
            "--no-browser",
            "--allow-root",
            "--ip=127.0.0.1",
            f"--port={self.port}",
            "--ServerApp.port_retries=0",
            f"--IdentityProvider.token={self.token}",
            f"--ServerApp.root_dir={self.root}",
            "--LabApp.expose_app_in_browser=True",
            f"--LabApp.user_settings_dir={self.base / 'settings'}",
            f"--LabApp.workspaces_dir={self.base / 'workspaces'}",
            # nothing leaves the machine: no news, no update check, no extension index
            "--LabApp.news_url=None",
            "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
            "--LabApp.extension_manager=readonly",
        ]
        with open(self.log_path, "wb") as log:
            self.server = subprocess.Popen(
                cmd, env=env, stdout=log, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL, start_new_session=True
            )
        deadline = time.monotonic() + STARTUP_S
        while True:
            if self.server.poll() is not None:
                pytest.fail(f"jupyter lab exited with {self.server.returncode}:\n{self.log()}", pytrace=False)
            try:
                with urllib.request.urlopen(f"{self.url}/api/status?token={self.token}", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if time.monotonic() > deadline:
                pytest.fail(f"jupyter lab did not answer within {STARTUP_S}s:\n{self.log()}", pytrace=False)
            time.sleep(0.2)

        options = webdriver.ChromeOptions()
        options.binary_location = str(CHROMIUM)
        for flag in (
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            f"--user-data-dir={self.base / 'chromium'}",
            "--window-size=1400,1000",
        ):
            options.add_argument(flag)
        self.driver = webdriver.Chrome(options=options, service=Service(str(CHROMEDRIVER)))
        self.driver.set_script_timeout(RUN_S)

    def log(self) -> str:
        text = self.log_path.read_text(errors="replace") if self.log_path.exists() else ""
        return "\n".join(text.splitlines()[-40:])

    def stop(self) -> None:
        if self.driver is not None:
            try:
                self.driver.quit()
            finally:
                self.driver = None
        if self.server is not None and self.server.poll() is None:
            self.server.send_signal(signal.SIGTERM)  # the server shuts its kernels down
            try:
                self.server.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.server.pid, signal.SIGKILL)  # the group this test started, nothing else
                self.server.wait(5)

    def js(self, script: str, *args: Any) -> Any:
        assert self.driver is not None
        return self.driver.execute_script(script, *args)

    def wait(self, what: str, seconds: float, check: Any) -> Any:
        deadline = time.monotonic() + seconds
        while True:
            value = check()
            if value:
                return value
            if time.monotonic() > deadline:
                self.fail(f"timed out after {seconds}s waiting for {what} (last: {value!r})")
            time.sleep(0.2)

    def fail(self, message: str) -> None:
        shot = self.base / "screenshot.png"
        if self.driver is not None:
            self.driver.save_screenshot(str(shot))
        pytest.fail(f"{message}\nscreenshot: {shot}\njupyter log:\n{self.log()}", pytrace=False)

    def open_and_run_all(self, name: str) -> dict[str, Any]:
        """Open ``name``, wait for its kernel, Run All, wait until every cell is done; what the page shows."""
        assert self.driver is not None
        self.driver.get(f"{self.url}/lab/tree/{name}?reset&token={self.token}")
        kernel = """
            const app = window.jupyterapp;
            if (!app) return 'JupyterLab not loaded (or window.jupyterapp not exposed)';
            const w = app.shell.currentWidget;
            if (!w || !w.sessionContext || !w.context || w.context.path !== arguments[0]) return 'notebook not open';
            const k = w.sessionContext.session && w.sessionContext.session.kernel;
            return k ? k.status : 'no kernel';"""
        self.wait(f"{name} to open with an idle kernel", STARTUP_S, lambda: self.js(kernel, name) == "idle")
        ran = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            window.jupyterapp.commands.execute('notebook:run-all-cells')
              .then(ok => done({ok: ok === undefined ? null : ok}), e => done({error: String(e)}));""")
        if "error" in ran:
            self.fail(f"notebook:run-all-cells failed: {ran['error']}")

        state = """
            const prompts = Array.from(document.querySelectorAll('.jp-Notebook .jp-CodeCell .jp-InputPrompt'))
              .map(e => e.textContent.trim());
            const k = window.jupyterapp.shell.currentWidget.sessionContext.session.kernel;
            const imgs = Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output img'));
            return {
              prompts: prompts,
              kernel: k ? k.status : null,
              stderr: Array.from(document.querySelectorAll(
                  '.jp-Notebook .jp-RenderedText[data-mime-type="application/vnd.jupyter.stderr"]'))
                .map(e => e.textContent),
              outputs: Array.from(document.querySelectorAll('.jp-Notebook .jp-OutputArea-output'))
                .map(e => e.textContent),
              images: imgs.map(i => ({complete: i.complete, width: i.naturalWidth, height: i.naturalHeight})),
              ran: arguments[0],
            };"""

        def settled() -> dict[str, Any] | None:
            s = self.js(state, ran.get("ok"))
            busy = any(p in ("[*]:", "[*]") for p in s["prompts"]) or s["kernel"] != "idle"
            loading = not all(i["complete"] for i in s["images"])
            errored = any("Traceback" in t for t in s["stderr"] + s["outputs"])
            done = all(p.strip("[]:").isdigit() for p in s["prompts"]) or errored
            return s if s["prompts"] and done and not busy and not loading else None

        return self.wait(f"{name}: every cell to finish", RUN_S, settled)


def _code_cells(path: Path) -> list[str]:
    """The source of each code cell of a notebook (its JSON read directly: importing nbformat costs seconds)."""
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return ["".join(c["source"]) for c in cells if c["cell_type"] == "code"]


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Lab]:
    _require_browser()
    lab = Lab(tmp_path_factory.mktemp("lab"))
    try:
        shutil.copy(BRIEF, lab.root / BRIEF.name)
        sources = ["import pkdata\nx = 1", "pkdata.p5('not a month')", "x + 1"]
        broken = {
            "nbformat": 4,
            "nbformat_minor": 5,
            "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
            "cells": [
                {
                    "cell_type": "code",
                    "id": f"c{i}",
                    "metadata": {},
                    "execution_count": None,
                    "outputs": [],
                    "source": s,
                }
                for i, s in enumerate(sources)
            ],
        }
        (lab.root / "broken.ipynb").write_text(json.dumps(broken))
        lab.start()
        yield lab
    finally:
        lab.stop()


def test_an_error_in_a_cell_is_seen(lab: Lab) -> None:
    """The checks above would notice a failing cell: a notebook that raises shows its traceback."""
    page = lab.open_and_run_all("broken.ipynb")
    shown = [t for t in page["stderr"] if "Traceback" in t]
    assert shown and "not a month" in shown[0], page["stderr"]
    assert page["ran"] is False  # Run All stops at the failing cell
    assert page["prompts"][0] == "[1]:" and not page["prompts"][2].strip("[]:").isdigit()


def test_country_brief_picker_draws_the_chosen_countries_brief(lab: Lab) -> None:
    """notebooks/07: Run All draws China's brief under the picker; choosing India, then France, redraws it."""
    from selenium.webdriver.support.ui import Select

    page = lab.open_and_run_all(BRIEF.name)
    tracebacks = [t for t in page["stderr"] + page["outputs"] if "Traceback" in t]
    if tracebacks:
        lab.fail(f"a cell shows an error:\n{tracebacks[0][:3000]}")
    code = _code_cells(BRIEF)
    assert len(page["prompts"]) == len(code) and all(p.strip("[]:").isdigit() for p in page["prompts"])
    assert page["ran"] is not False
    # the brief (in the picker's output widget) and one image per chart cell, each loaded with a size
    assert len(page["images"]) == 1 + sum("charts." in c for c in code), page["images"]
    assert all(i["width"] > 0 and i["height"] > 0 for i in page["images"]), page["images"]

    brief_img = """
        const w = document.querySelector('.jp-Notebook .widget-output img');
        return w && w.complete && w.naturalWidth > 0 ? w.src.length + ':' + w.src.slice(-200) : null;"""
    drawn = [lab.wait("China's brief under the picker", RUN_S, lambda: lab.js(brief_img))]
    assert lab.driver is not None
    for country in ("India", "France"):
        select = Select(lab.driver.find_element("css selector", ".jp-Notebook .widget-dropdown select"))
        select.select_by_visible_text(country)
        drawn.append(lab.wait(f"{country}'s brief", RUN_S, lambda: (v := lab.js(brief_img)) and v not in drawn and v))
        shown = lab.js("""return Array.from(document.querySelectorAll('.jp-Notebook .widget-output'))
                            .map(e => e.textContent).join(' ');""")
        assert "Traceback" not in shown
    assert len(set(drawn)) == 3


def test_a_missing_browser_skips_outside_ci_and_fails_under_ci(monkeypatch, tmp_path):
    import _pytest.outcomes

    monkeypatch.setattr(sys.modules[__name__], "CHROMIUM", tmp_path / "no-chromium")
    monkeypatch.delenv("CI", raising=False)
    with pytest.raises(pytest.skip.Exception, match="make browser-deps"):
        _require_browser()
    monkeypatch.setenv("CI", "true")
    with pytest.raises(_pytest.outcomes.Failed, match="under CI=true"):
        _require_browser()
