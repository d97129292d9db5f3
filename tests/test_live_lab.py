"""The intake session's system-profile form, live: JupyterLab on 127.0.0.1 driven by the OS's Chromium.

Starts JupyterLab (random free port, token, ``--no-browser``) on a copy of session 01 pointed at a new
workspace, opens it in Chromium through Playwright (``executable_path`` of the system browser; nothing
is downloaded), runs the notebook, fills the profile form, presses Save, and checks the YAML on disk and
the system card the form refreshed in the notebook. Skipped, saying why, without Chromium or Playwright.
"""
from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CHROMIUM = next((p for p in (shutil.which(n) for n in ("chromium", "chromium-browser", "google-chrome")) if p), None)
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run", "--disable-dev-shm-usage"]
SCREENSHOTS = os.environ.get("RMFKIT_SCREENSHOTS")  # a folder to keep the live form's screenshot in

pytestmark = [pytest.mark.skipif(CHROMIUM is None, reason="no Chromium installed (apt-get install chromium)")]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def lab(tmp_path):
    """JupyterLab serving ``tmp_path`` (yields base URL and token), stopped afterwards."""
    port, token = free_port(), os.urandom(16).hex()
    settings = tmp_path / ".lab-settings" / "@jupyterlab" / "notebook-extension"
    settings.mkdir(parents=True)  # every cell rendered (no windowing), so the form is found wherever it is
    (settings / "tracker.jupyterlab-settings").write_text(json.dumps({"windowingMode": "none"}))
    env = {**os.environ, "JUPYTER_CONFIG_DIR": str(tmp_path / ".jupyter"), "JUPYTER_RUNTIME_DIR": str(tmp_path / ".rt"),
           "RMFKIT_HOME": str(tmp_path / "home")}
    process = subprocess.Popen([sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1",
                                f"--port={port}", f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={tmp_path}",
                                f"--LabApp.user_settings_dir={tmp_path / '.lab-settings'}", "--LabApp.news_url=",
                                *(["--allow-root"] if os.geteuid() == 0 else [])],
                               cwd=tmp_path, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{base}/api/status?token={token}", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within 60 s")
        yield base, token
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def test_profile_form_saves_live(lab, tmp_path):
    sync_api = pytest.importorskip("playwright.sync_api", reason="playwright is not installed (pip install playwright)")
    import nbformat

    import rmfkit
    from rmfkit.notebook import start_workspace

    ws_path = tmp_path / "claims-triage"
    start_workspace(ws_path, system_id="claims-triage", name="Claims triage assistant", owner="A. Rivera",
                    purpose="to be written")
    notebook = nbformat.read(ROOT / "notebooks" / "01_intake_and_openness.ipynb", as_version=4)
    parameters = next(c for c in notebook.cells if c.id == "parameters")
    parameters.source = parameters.source.replace("workspace = None", f"workspace = {str(ws_path)!r}", 1)
    nbformat.write(notebook, tmp_path / "01.ipynb")
    base, token = lab
    with sync_api.sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        try:
            page.goto(f"{base}/lab/tree/01.ipynb?token={token}", timeout=60_000)
            page.wait_for_selector(".jp-Notebook", timeout=60_000)
            page.get_by_text("Python 3 (ipykernel) | Idle").wait_for(timeout=60_000)  # the kernel is connected
            purpose = page.locator(".rmfkit-field-purpose textarea")
            for _ in range(3):  # a Run All sent while the kernel session is still settling can be dropped
                page.get_by_role("menuitem", name="Run", exact=True).click()
                page.get_by_text("Run All Cells", exact=True).click()
                try:
                    purpose.wait_for(timeout=30_000)
                    break
                except sync_api.TimeoutError:
                    continue
            purpose.wait_for(timeout=30_000)
            purpose.scroll_into_view_if_needed()
            purpose.fill("Routes incoming insurance claims to the right queue and flags urgent ones.")
            users = page.locator(".rmfkit-field-users textarea")
            users.fill("claims handlers\nclaims team leads")
            page.locator(".rmfkit-field-eu_users input").check()
            page.locator(".rmfkit-form .rmfkit-save").first.click()
            page.get_by_text("Saved the system profile").wait_for(timeout=30_000)
            card = page.locator(".jp-Cell").filter(has=page.locator(".rmfkit")).first
            card.get_by_text("claims team leads").wait_for(timeout=30_000)
            if SCREENSHOTS:
                Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
                page.locator(".rmfkit-form").first.scroll_into_view_if_needed()
                page.screenshot(path=str(Path(SCREENSHOTS) / "live-profile-form.png"), full_page=False)
        except Exception:
            if SCREENSHOTS:
                page.screenshot(path=str(Path(SCREENSHOTS) / "live-failure.png"), full_page=False)
            raise
        finally:
            browser.close()
    ws = rmfkit.open_workspace(ws_path)
    assert ws.system.purpose == "Routes incoming insurance claims to the right queue and flags urgent ones."
    assert ws.system.users == ["claims handlers", "claims team leads"] and ws.system.intended_use.eu_users
    text = (ws_path / "system.yaml").read_text(encoding="utf-8")
    assert "- claims team leads" in text and "eu_users: true" in text
    assert json.loads(json.dumps(rmfkit.validate(ws), default=str)) == []
