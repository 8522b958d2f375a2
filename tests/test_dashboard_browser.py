"""The teaching dashboard in a real headless browser (issues 6 and 12): Debian's Chromium driven by Playwright.

Every lesson is chosen in both languages at 1280 x 720 and at 1024 x 768; for each the test steps
once and checks the visible text (title, the lesson's claim, the status in that language), that
every element of the page lies inside the window (nothing below the fold) and that no element's
box overlaps another's.

The server is started as a teacher would start it (``python -m model.dashboard``, the same code as
``engagement dashboard``) on a free port of 127.0.0.1, in its own process group, and stopped by
that group at the end; the test checks that no process of the group is left.

Every wait is for a concrete state of the page (a step counter, a changed chart, a text), never
a fixed sleep, with generous timeouts for a loaded 2-core machine.

Run as a script (``python tests/test_dashboard_browser.py OUT.png``) it drives the same session
and writes the screenshot used in docs/dashboard.md.
"""

from __future__ import annotations

import os
import re
import selectors
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path

import pytest

CHROMIUM = Path("/usr/bin/chromium")
#: Chromium flags for a closed network and a container without a sandbox or GPU.
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run", "--disable-quic",
                 "--disable-default-apps", "--disable-extensions"]
STARTUP_TIMEOUT = 90.0  # seconds for the server to print its address (cold imports on a busy machine)
UI_TIMEOUT_MS = 30_000  # a single page update (a step, a redraw, a reset)
ROOT = Path(__file__).resolve().parent.parent
VIEWPORTS = ((1280, 720), (1024, 768))
#: The page's elements that must neither overlap each other nor leave the window (CSS selectors).
LAYOUT_SELECTORS = (".dashboard-title", ".lesson-select", ".language-toggle", ".dashboard-controls .v-btn",
                    ".step-counter", ".dashboard-inputs .v-input", ".lesson-text", "img.dashboard-chart",
                    ".status-text")
#: JavaScript: the boxes of the elements of LAYOUT_SELECTORS (visible ones only).
BOXES_JS = """selectors => selectors.flatMap(selector => [...document.querySelectorAll(selector)]
    .map(element => { const r = element.getBoundingClientRect();
                      return {selector, text: (element.innerText || element.alt || '').slice(0, 40),
                              left: r.left, top: r.top, right: r.right, bottom: r.bottom}; })
    .filter(box => box.right > box.left && box.bottom > box.top))"""
#: JavaScript: the step shown by the page's counter ("Step 3" / "Schritt 3"), or null.
COUNTER_JS = ("() => { const element = document.querySelector('.step-counter'); "
              "return element ? parseInt(element.textContent.replace(/[^0-9]/g, '')) : null; }")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def dashboard_server(log_path: Path) -> Iterator[tuple[str, int]]:
    """Start the dashboard on a free port; yield (url, process group id); stop the whole group after."""
    port = free_port()
    log = log_path.open("w")
    server = subprocess.Popen([sys.executable, "-m", "model.dashboard", "--host", "127.0.0.1", "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)
    group = server.pid  # start_new_session: the server leads its own process group
    try:
        url = _wait_for_address(server, log_path)
        yield url, group
    finally:
        _stop_group(server, group)
        log.close()


def _wait_for_address(server: subprocess.Popen, log_path: Path) -> str:
    """Read the server's stdout until it prints 'Dashboard at URL' (fail on exit or timeout)."""
    deadline = time.monotonic() + STARTUP_TIMEOUT
    with selectors.DefaultSelector() as selector:
        selector.register(server.stdout, selectors.EVENT_READ)
        while time.monotonic() < deadline:
            if selector.select(timeout=1.0):
                line = server.stdout.readline()
                if not line and server.poll() is not None:
                    break
                match = re.match(r"Dashboard at (http://\S+)", line)
                if match:
                    return match.group(1)
            elif server.poll() is not None:
                break
    pytest.fail(f"the dashboard did not come up within {STARTUP_TIMEOUT:g} s (exit status {server.poll()}); "
                f"its log:\n{log_path.read_text()[-3000:]}")


def _stop_group(server: subprocess.Popen, group: int) -> None:
    """SIGTERM the server's process group, wait, SIGKILL what is left; assert nothing survives."""
    with suppress(ProcessLookupError):  # the group may already be gone
        os.killpg(group, signal.SIGTERM)
    try:
        server.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(group, signal.SIGKILL)
        server.wait(timeout=30)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            os.killpg(group, 0)  # is any process of the group still alive?
        except ProcessLookupError:
            break
        time.sleep(0.2)
    else:
        os.killpg(group, signal.SIGKILL)
        pytest.fail("a process of the dashboard's process group outlived SIGTERM by 30 s")
    if server.stdout:
        server.stdout.close()



def lessons():
    from model.ui.lessons import LESSONS

    return LESSONS


def wait_for_charts(page, step: int, lang: str) -> None:
    """Wait until every chart shows ``step`` in ``lang`` (the app puts both into CSS classes) and has loaded."""
    page.wait_for_function(
        "([step, lang]) => { const images = [...document.querySelectorAll('img.dashboard-chart')]; "
        "return images.length > 0 && images.every(img => img.classList.contains('chart-step-' + step) && "
        "img.classList.contains('chart-lang-' + lang) && img.complete && img.naturalWidth > 0); }",
        arg=[step, lang])


def choose_language(page, lang: str) -> None:
    from model.i18n import LANGUAGES

    page.locator(".language-toggle").get_by_role("button", name=LANGUAGES[lang], exact=True).click()
    page.wait_for_selector(f".dashboard.lang-{lang}")


def choose_lesson(page, lesson, lang: str) -> None:
    """Pick a lesson in the dropdown; the page resets to step 0 with the lesson's charts."""
    title = lesson.texts(lang)["title"]
    page.locator(".lesson-select").click()
    page.get_by_role("option", name=title, exact=True).click()
    page.wait_for_selector(f".dashboard.lesson-{lesson.key}")
    expect_text(page.locator(".step-counter"), "Step 0" if lang == "en" else "Schritt 0")
    expect_text(page.locator(".lesson-select"), title)


def expect_text(locator, text) -> None:
    from playwright.sync_api import expect

    expect(locator).to_contain_text(text)


def click_step(page, expected: int, lang: str) -> None:
    from playwright.sync_api import expect

    page.get_by_role("button", name="Step", exact=True).click()
    expect(page.locator(".step-counter")).to_have_text(("Step " if lang == "en" else "Schritt ") + str(expected))
    wait_for_charts(page, expected, lang)


def layout_problems(page) -> list[str]:
    """Elements outside the window (below the fold or cut at a side) and pairs whose boxes overlap."""
    width, height = page.viewport_size["width"], page.viewport_size["height"]
    boxes = page.evaluate(BOXES_JS, list(LAYOUT_SELECTORS))
    problems = [f"{b['selector']} '{b['text']}' outside the {width}x{height} window: {b}"
                for b in boxes if b["left"] < -0.5 or b["top"] < -0.5 or b["right"] > width + 0.5
                or b["bottom"] > height + 0.5]
    for i, first in enumerate(boxes):
        for second in boxes[i + 1:]:
            overlap_x = min(first["right"], second["right"]) - max(first["left"], second["left"])
            overlap_y = min(first["bottom"], second["bottom"]) - max(first["top"], second["top"])
            if overlap_x > 0.5 and overlap_y > 0.5:
                problems.append(f"{first['selector']} '{first['text']}' overlaps {second['selector']} "
                                f"'{second['text']}'")
    return problems


def chart_text_pixels(page) -> float:
    """The smallest chart text on screen, in CSS pixels: the charts' smallest font times their display scale."""
    from model.ui.charts import MIN_FONT_PX

    scales = page.evaluate("() => [...document.querySelectorAll('img.dashboard-chart')]"
                           ".map(img => img.getBoundingClientRect().width / img.naturalWidth)")
    return MIN_FONT_PX * min(scales)


def drive_lessons(page, url: str, shots: Path | None = None) -> dict[str, float]:
    """Every lesson in both languages at every viewport: choose it, step once, check text and layout.

    Returns the smallest chart text (CSS px) per viewport; writes a screenshot per language at
    1280 x 720 into ``shots`` if given.
    """
    from playwright.sync_api import expect

    page.set_default_timeout(UI_TIMEOUT_MS)
    page.goto(url, timeout=STARTUP_TIMEOUT * 1000)
    expect(page.locator(".step-counter")).to_have_text("Step 0", timeout=STARTUP_TIMEOUT * 1000)
    text_px: dict[str, float] = {}
    for width, height in VIEWPORTS:
        page.set_viewport_size({"width": width, "height": height})
        for lang in ("en", "de"):
            choose_language(page, lang)
            for lesson in lessons():
                choose_lesson(page, lesson, lang)
                wait_for_charts(page, 0, lang)
                click_step(page, 1, lang)
                texts = lesson.texts(lang)
                expect_text(page.locator(".lesson-text"), texts["claim"])
                expect_text(page.locator(".lesson-text"), "What to watch" if lang == "en" else "Worauf achten")
                expect_text(page.locator(".status-text"), "Step 1" if lang == "en" else "Schritt 1")
                expect_text(page.locator(".dashboard-title"), "Companies competing for attention" if lang == "en"
                            else "Unternehmen im Wettbewerb um Aufmerksamkeit")
                assert page.locator("img.dashboard-chart").count() == len(lesson.charts)
                problems = layout_problems(page)
                assert not problems, f"{lesson.key}, {lang}, {width}x{height}: " + "; ".join(problems[:5])
                text_px[f"{width}x{height}"] = min(text_px.get(f"{width}x{height}", 99.0), chart_text_pixels(page))
                if shots is not None and (width, height) == VIEWPORTS[0] and lesson.key == "few_winners":
                    for expected in range(2, 41):
                        click_step(page, expected, lang)
                    page.screenshot(path=str(shots / f"dashboard-{lang}.png"))
    return text_px


@pytest.mark.browser
@pytest.mark.timeout(600)
def test_every_lesson_in_both_languages_at_projector_sizes(tmp_path):
    """Each lesson, English and German, 1280 x 720 and 1024 x 768: the text of the lesson and of the
    market in that language, nothing outside the window, no element over another, chart text at
    least 14 px at 1280 x 720; the first lesson at 1920 x 1080 likewise (text at least 14 px); then
    Play and Pause, and a bad seed explained after Reset."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (.ci/run does) to run the browser test")
    from playwright.sync_api import expect, sync_playwright

    with dashboard_server(tmp_path / "server.log") as (url, _group), sync_playwright() as playwright:
        assert url.startswith("http://127.0.0.1:")
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": VIEWPORTS[0][0], "height": VIEWPORTS[0][1]})
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            text_px = drive_lessons(page, url)
            # the large projector size: the default lesson in both languages, same checks
            page.set_viewport_size({"width": 1920, "height": 1080})
            first = lessons()[0]
            choose_language(page, "en")
            choose_lesson(page, first, "en")  # another lesson was chosen last: this resets to step 0
            wait_for_charts(page, 0, "en")
            for step, lang in enumerate(("en", "de"), start=1):
                choose_language(page, lang)  # switching the language keeps the market
                click_step(page, step, lang)
                problems = layout_problems(page)
                assert not problems, f"{first.key}, {lang}, 1920x1080: " + "; ".join(problems[:5])
                text_px["1920x1080"] = min(text_px.get("1920x1080", 99.0), chart_text_pixels(page))
            # Play until the counter has moved on, pause: the charts catch up with the counter
            page.get_by_role("button", name="▶").click()
            page.wait_for_function(f"() => {{ const step = ({COUNTER_JS})(); return step !== null && step >= 4; }}")
            page.get_by_role("button", name="❚❚").click()
            expect(page.get_by_role("button", name="Step", exact=True)).to_be_enabled()
            page.wait_for_function(f"() => {{ const step = ({COUNTER_JS})(); return step !== null && "
                                   "[...document.querySelectorAll('img.dashboard-chart')]"
                                   ".every(img => img.classList.contains('chart-step-' + step)); }")
            seed = page.get_by_label("Seed (eine ganze Zahl)")
            seed.fill("kein Seed")
            seed.press("Enter")
            page.get_by_role("button", name="Reset", exact=True).click()
            expect(page.locator(".status-text")).to_contain_text("Seed 'kein Seed' ist keine ganze Zahl; "
                                                                 "stattdessen 42 verwendet")
        finally:
            browser.close()
    assert not errors, f"JavaScript errors on the page: {errors}"
    assert text_px["1280x720"] >= 14.0 - 1e-6, text_px
    assert text_px["1920x1080"] >= 14.0 - 1e-6, text_px


def main(argv: list[str]) -> int:
    """Write the documentation screenshots (both languages, default lesson after 40 steps, 1280 x 720).

    ``python tests/test_dashboard_browser.py [DIR]`` (default docs/img): dashboard-en.png, dashboard-de.png.
    """
    from playwright.sync_api import sync_playwright

    target = Path(argv[0]) if argv else ROOT / "docs" / "img"
    target.mkdir(parents=True, exist_ok=True)
    with dashboard_server(Path("/tmp") / "dashboard-screenshot.log") as (url, _group), \
            sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        page = browser.new_page(viewport={"width": VIEWPORTS[0][0], "height": VIEWPORTS[0][1]})
        text_px = drive_lessons(page, url, shots=target)
        browser.close()
    print(f"wrote {target}/dashboard-en.png and dashboard-de.png; smallest chart text: {text_px}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
