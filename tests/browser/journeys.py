"""What every journey in test_journeys.py checks on the pages it visits.

`PageChecks` runs axe-core on each page as it is visited, and afterwards revisits every page to
measure what it transfers on a cold cache and whether it reflows at 320 CSS px and at 200% zoom. The
revisits also run on their own (`weigh`, `lay_out`) over pages listed up front, as the first week's do.
"""

import functools
import gzip
import json
import os
import re
import weakref
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from axe_playwright_python import sync_playwright as axe_playwright
from playwright.sync_api import expect
from whitenoise.compress import Compressor

from tests.conftest import RecordedPage

ROOT = Path(__file__).resolve().parents[2]
SCREENSHOTS = ROOT / "screenshots"
TAKE_SCREENSHOTS = os.environ.get("SCREENSHOTS") == "1"
BUDGET = 200 * 1024  # bytes a patient page may transfer, photos aside
PHOTO_FILE = re.compile(r"/diary/photos/\d+/(image|thumb)/$")
SERIOUS = {"serious", "critical"}

# WCAG 1.4.10 (reflow): 320 CSS px wide, a 1280 px window at 400%. WCAG 1.4.4 (resize text): a 1280x800
# window at 200% lays pages out in 640x400 CSS px; device_scale_factor 2 renders them as a zoomed browser does.
REFLOW = {"viewport": {"width": 320, "height": 640}, "device_scale_factor": 1}
ZOOM_200 = {"viewport": {"width": 640, "height": 400}, "device_scale_factor": 2}
LAYOUTS = {"320px": REFLOW, "200%": ZOOM_200}

# Text that runs past the right edge of the window, or is cut off by a box that hides its overflow.
LAYOUT_PROBLEMS = """() => {
  const problems = [];
  const root = document.documentElement;
  if (root.scrollWidth > root.clientWidth)
    problems.push(`page scrolls sideways: ${root.scrollWidth} > ${root.clientWidth}`);
  const width = root.clientWidth;
  for (const el of document.querySelectorAll("body *")) {
    const text = [...el.childNodes].some(n => n.nodeType === Node.TEXT_NODE && n.textContent.trim());
    if (!text || !el.checkVisibility() || el.closest(".visually-hidden, .visually-hidden-focusable")) continue;
    const box = el.getBoundingClientRect();
    if (box.width === 0) continue;
    const what = `<${el.tagName.toLowerCase()}> ${el.textContent.trim().slice(0, 40)}`;
    if (box.right > width + 1 || box.left < -1) problems.push(`off screen: ${what}`);
    const style = getComputedStyle(el);
    if (["hidden", "clip"].includes(style.overflowX) && el.scrollWidth > el.clientWidth + 1)
      problems.push(`clipped: ${what}`);
  }
  return problems;
}"""


# The browser contexts that start every document with axe-core loaded (Axe.run).
_AXE_IN_CONTEXT: weakref.WeakSet = weakref.WeakSet()


class Axe(axe_playwright.Axe):
    """axe-core as axe-playwright-python runs it (the same script, the same rules and options, the same results),
    sent to the browser once per context rather than once per check.

    The library evaluates its 570 KB script in the page before every check; sending it took about 100 ms a page,
    a third of a check. Here the first check in a context evaluates it in that page and adds it to the context's init
    scripts: every document the context opens afterwards starts with axe-core loaded (init scripts are not subject
    to the page's CSP, as `evaluate` is not), and each check is then only `axe.run`. A page without it (one opened
    before, or in another context) gets the script as the library gives it."""

    def run(self, page, context=None, options=axe_playwright.DEFAULT_OPTIONS) -> axe_playwright.AxeResults:
        if page.context not in _AXE_IN_CONTEXT:
            page.context.add_init_script(self.axe_script)
            _AXE_IN_CONTEXT.add(page.context)
        if not page.evaluate("() => typeof window.axe === 'object' && typeof window.axe.run === 'function'"):
            page.evaluate(self.axe_script)
        arguments = self._format_script_args(context=context, options=options)
        return axe_playwright.AxeResults(page.evaluate(f"axe.run({arguments}).then(results => {{return results;}})"))


# Both are cached by body: a journey's pages load the same stylesheets and scripts, each compressed once per test.
@functools.lru_cache(maxsize=64)
def gzip_6(body: bytes) -> int:
    return len(gzip.compress(body, compresslevel=6, mtime=0))


@functools.lru_cache(maxsize=64)
def whitenoise_gzip(body: bytes) -> int:
    """What whitenoise's collectstatic stores (gzip level 9); it keeps the .gz only when it saves 5% or more."""
    compressed = len(Compressor.compress_gzip(body))
    return compressed if compressed <= 0.95 * len(body) else len(body)


def open_main_menu(page) -> None:
    """Unfold the main menu where it is folded (phones) and wait until Bootstrap has finished opening it.

    A click on a menu item while the menu is still sliding open can land on nothing: the browser keeps the page
    where it was (once in about seven runs, a "Log out" tap did not log out)."""
    toggler = page.get_by_role("button", name="Open menu")
    if toggler.is_visible():
        toggler.click()
        expect(page.locator("#main-nav")).to_have_class(re.compile(r"(^|\s)show(\s|$)"))


def follow(page, link) -> None:
    """Click a link and wait until the page it leads to has loaded.

    A click does not wait for the navigation it starts. Checking the page at once could read the old page, or the new
    one before its document is parsed: axe-core once failed in CI on `document.documentElement` being null."""
    with page.expect_navigation(wait_until="load"):
        link.click()


def take_screenshot(page, name: str) -> None:
    """Save the whole page as screenshots/<name>.png when SCREENSHOTS=1 (`make screenshots`)."""
    if TAKE_SCREENSHOTS:
        SCREENSHOTS.mkdir(exist_ok=True)
        page.screenshot(path=SCREENSHOTS / f"{name}.png", full_page=True)


@dataclass
class Visit:
    name: str
    path: str
    signed_in: bool


@dataclass
class PageChecks:
    """axe-core on every page visited, then each page's weight, reflow and zoom, all collected for one assert."""

    label: str
    open_page: Callable[..., RecordedPage]  # the open_page fixture: viewport and context options -> a page
    viewport: dict
    screenshots: bool = False
    axe: Axe = field(default_factory=Axe)
    visits: list[Visit] = field(default_factory=list)
    axe_problems: dict = field(default_factory=dict)
    axe_minor: dict = field(default_factory=dict)
    rules_checked: set = field(default_factory=set)
    weights: dict = field(default_factory=dict)
    layout_problems: dict = field(default_factory=dict)
    laid_out: set = field(default_factory=set)

    def page(self, page, name: str, *, screenshot: str | None = None) -> None:
        """Check the page the browser shows now; `screenshot` names its picture when pictures are taken."""
        page.wait_for_load_state("load")
        path = _path(page.url)
        response = self.axe.run(page).response
        for kind in ("passes", "violations", "incomplete"):
            self.rules_checked.update(rule["id"] for rule in response[kind])
        for violation in response["violations"]:
            found = (violation["id"], violation["impact"], [n["html"][:100] for n in violation["nodes"]])
            (self.axe_problems if violation["impact"] in SERIOUS else self.axe_minor).setdefault(path, []).append(found)
        signed_in = bool([c for c in page.context.cookies() if c["name"] == "sessionid"])
        if (path, signed_in) not in {(visit.path, visit.signed_in) for visit in self.visits}:
            self.visits.append(Visit(name, path, signed_in))
        if screenshot and self.screenshots:
            take_screenshot(page, screenshot)

    def revisit(self, storage_state) -> None:
        """Each page again on a cold cache: its weight, then its layout at 320 px and at 200% (fresh contexts)."""
        self.weigh(storage_state)
        for name in LAYOUTS:
            self.lay_out(storage_state, name)

    def weigh(self, storage_state) -> None:
        """Each page on a cold cache in this viewport: what it transfers, photo files aside.

        Every page loads as in a fresh context, without opening one for each: one context for the signed-in pages
        and one for the others, each with the browser's cache turned off (DevTools' "Disable cache") and no service
        worker (a page's first visit has none working for it yet)."""
        signed_in, anonymous = self._cold_page(storage_state), self._cold_page(None)
        for visit in self.visits:
            recorded = signed_in if visit.signed_in else anonymous
            key = visit.path if visit.signed_in else f"{visit.path} (signed out)"
            self.weights[key] = {"page": visit.name, **_weigh(recorded, visit.path)}
        signed_in.page.context.close()
        anonymous.page.context.close()

    def _cold_page(self, storage_state) -> RecordedPage:
        recorded = self.open_page(self.viewport, storage_state=storage_state, service_workers="block")
        devtools = recorded.page.context.new_cdp_session(recorded.page)
        devtools.send("Network.enable")
        devtools.send("Network.setCacheDisabled", {"cacheDisabled": True})
        return recorded

    def lay_out(self, storage_state, name: str) -> None:
        """Each page laid out as LAYOUTS[name] (320 px or 200% zoom): no sideways scrolling, no text cut off."""
        options = LAYOUTS[name]
        self.laid_out.add(name)
        recorded = self.open_page(options["viewport"], storage_state=storage_state, **_without(options, "viewport"))
        anonymous = self.open_page(options["viewport"], **_without(options, "viewport"))
        for visit in self.visits:
            page = (recorded if visit.signed_in else anonymous).page
            assert page.goto(visit.path).status == 200, visit.path
            problems = page.evaluate(LAYOUT_PROBLEMS)
            if problems:
                self.layout_problems[f"{name} {visit.path}{'' if visit.signed_in else ' (signed out)'}"] = problems
        recorded.page.context.close()
        anonymous.page.context.close()

    def over_budget(self) -> dict:
        return {
            path: weight
            for path, weight in self.weights.items()
            if weight["gzip_6"] >= BUDGET or weight["production"] >= BUDGET
        }

    def save(self) -> list[Path]:
        """Write the figures next to the screenshots (git-ignored): one file per label and kind of check made.

        page-weights-<label>.json, layout-<label>.json and axe-<label>.json: the tests that check a journey's pages
        in parts (its axe-core results, then the pages' weights and layouts) each write their own files, never one
        that another worker may be writing at the same time."""
        SCREENSHOTS.mkdir(exist_ok=True)
        figures = {}
        if self.weights:
            figures["page-weights"] = {"viewport": self.viewport, "pages": self.weights}
        if self.laid_out:
            figures["layout"] = {"layouts": sorted(self.laid_out), "layout_problems": self.layout_problems}
        if self.rules_checked:
            figures["axe"] = {
                "rules_checked": sorted(self.rules_checked),
                "serious_or_critical": self.axe_problems,
                "minor_or_moderate": self.axe_minor,
            }
        written = []
        for kind, content in figures.items():
            target = SCREENSHOTS / f"{kind}-{self.label}.json"
            target.write_text(json.dumps(content, indent=2))
            written.append(target)
        return written

    def summary_lines(self) -> list[str]:
        lines = []
        if self.rules_checked:
            lines.append(
                f"{self.label}: axe-core checked {len(self.rules_checked)} rules on {len(self.visits)} pages; "
                f"serious/critical violations: {sum(map(len, self.axe_problems.values()))}, "
                f"minor/moderate: {sum(map(len, self.axe_minor.values()))}"
            )
        for path, weight in self.weights.items():
            lines.append(
                f"{self.label}: {weight['page']:<20} {path:<34} raw {weight['raw'] / 1024:6.1f} KB  "
                f"gzip-6 {weight['gzip_6'] / 1024:5.1f} KB  "
                f"as served in production {weight['production'] / 1024:5.1f} KB  "
                f"({weight['requests']} requests)"
            )
        return lines


def _without(options: dict, key: str) -> dict:
    return {k: v for k, v in options.items() if k != key}


def _path(url: str) -> str:
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def _weigh(recorded: RecordedPage, path: str) -> dict:
    """Every response of one page load (HTML, stylesheets, scripts, the icon), photo files aside."""
    responses = []

    def record(response) -> None:
        responses.append(response)

    recorded.page.on("response", record)
    try:
        assert recorded.page.goto(path, wait_until="networkidle").status == 200, path
    finally:
        recorded.page.remove_listener("response", record)
    raw = gzip6 = production = count = 0
    for response in responses:
        if PHOTO_FILE.search(urlsplit(response.url).path) or not 200 <= response.status < 300:
            continue
        body = response.body()
        count += 1
        raw += len(body)
        gzip6 += gzip_6(body)
        is_static = urlsplit(response.url).path.startswith("/static/")
        production += whitenoise_gzip(body) if is_static else len(body)
    return {"raw": raw, "gzip_6": gzip6, "production": production, "requests": count}
