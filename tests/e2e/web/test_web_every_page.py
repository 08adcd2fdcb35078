"""Every page of the admin UI, in Swedish and in English, in Chromium: no page answers 5xx, no
Swedish page shows English, axe-core finds no serious or critical accessibility problem, and no
page scrolls sideways on a 390 px wide phone.

The pages are found from the UI's own routes (every GET route under ``/ui``): a route's path
parameters are filled with real values taken from the links of the pages already visited (the
demo tenant of ``demo --once`` has every family, runs, a ledger with vouchers and documents). A
route the walk cannot fill is listed in :data:`SKIPPED` with the reason; a new route that is in
neither fails the test, so a new page cannot be left out unnoticed.

Some states come from forms, walked the same way: the Conflicts page while a first-sync plan is
made and once it is (in Swedish; the plan is discarded after the walk), the re-sync form's errors
and its confirmation page, and the sign-in page of a signed-out visitor, with a wrong password.

Each page is opened in a Swedish and an English browser (one signed-in context each, one window
reused): the words are read at desktop width, then the window is made 390 px wide for the width
check and axe-core. axe-core is the copy the ``axe-playwright-python`` package ships (no network
at test time), loaded into every page before the page's own scripts.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from axe_playwright_python.base import AXE_FILE_PATH
from babel.messages.pofile import read_po
from playwright.sync_api import Browser, BrowserContext, Page, expect
from playwright.sync_api import Error as PlaywrightError

from fortnox_bridge.web.app import signin
from fortnox_bridge.web.i18n import LOCALES
from fortnox_bridge.web.pages import page_routers

from .conftest import ADMIN_EMAIL, Bridge, shot

#: The languages of the walk; Swedish first (its pages' links lead the walk on).
LANGUAGES = ("sv", "en")
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}

#: Routes whose path parameters the walk cannot fill, and why.
SKIPPED = {
    "/tenants/{tenant_id}/ledger/operations/{operation_id}/progress": (
        "a ledger operation exists only while one runs (started by a form); "
        "tests/e2e/web/test_web_ledger.py follows one"
    ),
}

#: Addresses for routes no page of the demo links to.
INVENTED = {
    # A made-up link: the page says the link is not valid.
    "/connect/{token}": "/connect/no-such-link",
    # The demo's first document (``demo --once`` fetches the documents behind the vouchers).
    "/tenants/{tenant_id}/ledger/documents/{document_id}": (
        "/tenants/{tenant_id}/ledger/documents/1"
    ),
}

#: Other states of pages: a filter, the error page. Parameters besides the tenant are filled
#: once the walk has met them.
VARIANTS = (
    "/tenants/{tenant_id}/runs?kind=sweep",
    "/tenants/{tenant_id}/runs?status=succeeded",
    "/tenants/{tenant_id}/runs/{run_id}?outcome=created",
    "/tenants/{tenant_id}/problems?state=resolved",
    "/tenants/{tenant_id}/problems?state=ignored",
    "/no-such-page",  # the error page
)

#: The conflicts page shows a first-synchronization plan once one is made (and discarded after).
PLAN = "/tenants/{tenant_id}/conflicts"

#: Common words of the UI that are English and not Swedish. A Swedish page showing one of these
#: (outside code, proper names and parts marked ``lang="en"``) shows untranslated text. Words
#: Swedish shares or borrows ("OK", "Service", "Push", "e-post", "status", "sandbox") are not
#: here.
ENGLISH_WORDS = frozenset(
    """
    the and of with from this that these those your you is are was were been has have had
    not yes none only when where which what who why how will would should could there here
    than then into about after before between each every other more less some any many
    new open close save cancel delete remove edit add back next previous page first last show
    hide search clear change settings error errors warning success failed running pending
    done sign out none never always today yesterday tomorrow week month year years day days
    hour hours minute minutes second seconds ago since until run runs sync synced tenant
    tenants customer customers invoice invoices supplier suppliers account accounts voucher
    vouchers ledger mapping mappings problem problems conflict conflicts flow flows
    connection connected disconnected connect disconnect reconnect enabled disabled enable
    disable overview maintenance details detail preview apply discard ignore ignored resolve
    resolved retry waiting skipped created updated deleted unchanged imported adopted
    nothing something everything all yet still also just now please see read write
    language password email address name number date amount total rows row file files
    download upload send sent request requests changes changed choose chosen select
    selected none filter filters project projects employee employees absence absences
    succeeded interrupted cancelled applied applying retrying active inactive unknown
    available missing required optional default manual automatic weekly daily monthly
    hourly always never
    """.split()  # noqa: SIM905 (a list of words reads better as text)
)
#: Words of ENGLISH_WORDS the Swedish catalogue itself uses are dropped at run time (below);
#: these are dropped on purpose as well: words that are Swedish words too ("is", "sent",
#: "still", "problem").
NOT_ENGLISH_ONLY = frozenset(
    {"all", "in", "at", "on", "no", "is", "just", "still", "total", "sent", "manual", "filter"}
    | {"problem", "problems"}
)

#: Elements whose text is not the UI's own words.
EXCLUDED = "script, style, code, pre, kbd, samp, [lang]:not(html):not([lang^='sv']), [hidden]"


@dataclass
class Visit:
    """One page of the walk."""

    path: str
    status: int
    kind: str  # "page", "fragment" (a part a page loads into itself) or "file"


@dataclass
class Findings:
    """What the walk found, by page."""

    problems: list[str] = field(default_factory=list)

    def add(self, where: str, what: str) -> None:
        self.problems.append(f"{where}: {what}")


def get_routes() -> list[str]:
    """The path of every GET route of the UI (relative to ``/ui``)."""
    paths: list[str] = []
    for router in (signin, *page_routers()):
        for route in router.routes:
            if "GET" in getattr(route, "methods", ()) and route.path not in paths:
                paths.append(route.path)
    return paths


def _pattern(path: str) -> re.Pattern[str]:
    """``/runs/{run_id}`` → a pattern matching ``/runs/3`` with the group ``run_id``."""
    parts = re.split(r"(\{[^}]+\})", path)
    return re.compile(
        "".join(
            f"(?P<{part[1:-1]}>[^/?#]+)" if part.startswith("{") else re.escape(part)
            for part in parts
        )
        + "$"
    )


def _catalogue() -> dict[str, str]:
    """Every Swedish translation: ``{English: Swedish}``."""
    found: dict[str, str] = {}
    for path in sorted((LOCALES / "sv" / "LC_MESSAGES").glob("*.po")):
        with path.open("rb") as handle:
            for message in read_po(handle, locale="sv"):
                ids = message.id if isinstance(message.id, tuple) else (message.id,)
                strings = message.string if isinstance(message.string, tuple) else (message.string,)
                for text, translated in zip(ids, strings, strict=False):
                    if text and translated:
                        found[text] = translated
    return found


def english_words() -> frozenset[str]:
    """:data:`ENGLISH_WORDS` less every word a Swedish translation uses."""
    swedish = {
        word.lower() for text in _catalogue().values() for word in re.findall(r"[A-Za-z]+", text)
    }
    return frozenset(ENGLISH_WORDS - swedish - NOT_ENGLISH_ONLY)


def english_sentences() -> list[str]:
    """English texts of the catalogue a Swedish page must not show verbatim: several words,
    no placeholder, and a translation that differs."""
    sentences = []
    for english, swedish in _catalogue().items():
        if "%(" in english or "%s" in english or english.strip() == swedish.strip():
            continue
        plain = " ".join(english.split())
        if len(plain.split()) >= 2 and re.search(r"[a-z]{3}", plain):
            sentences.append(plain)
    return sorted(sentences, key=len, reverse=True)


#: The texts a person sees on the page (and hears from a screen reader): visible text nodes,
#: with their element, and the labels, titles and placeholders of elements.
VISIBLE_TEXTS = """(excluded) => {
  const texts = [];
  const describe = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
    + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ')[0] : '');
  const walker = document.createTreeWalker(document.body || document, NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent.replace(/\\s+/g, ' ').trim();
    const el = node.parentElement;
    if (!text || !el || el.closest(excluded)) continue;
    const shown = el.closest('option, optgroup') ? el.closest('select') : el;
    if (shown && shown.checkVisibility && !shown.checkVisibility()) continue;
    texts.push([describe(el), text]);
  }
  for (const el of document.querySelectorAll('[aria-label], [title], [placeholder], [alt], '
      + 'input[type=submit][value], input[type=button][value]')) {
    if (el.closest(excluded)) continue;
    for (const name of ['aria-label', 'title', 'placeholder', 'alt', 'value']) {
      if (name === 'value' && el.tagName !== 'INPUT') continue;
      const value = (el.getAttribute(name) || '').trim();
      if (value) texts.push([describe(el) + '[' + name + ']', value]);
    }
  }
  if (document.title) texts.push(['title', document.title]);
  return texts;
}"""

WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"

#: Where the page is too wide: the widest elements that stick out on the right.
TOO_WIDE = """() => {
  const limit = document.documentElement.clientWidth;
  const wide = [];
  for (const el of document.querySelectorAll('body *')) {
    const box = el.getBoundingClientRect();
    if (box.right > limit + 1 && !el.closest('.table-scroll')) {
      const name = el.className ? '.' + String(el.className).split(' ')[0] : '';
      wide.push(el.tagName.toLowerCase() + name + ' (' + Math.round(box.right) + ' px)');
    }
  }
  return wide.slice(0, 5);
}"""

#: axe-core, started and left running (the walk opens the page in the next window meanwhile);
#: the WCAG 2 A and AA rules.
START_AXE = """() => {
  window.__axe = axe.run(document, {
    resultTypes: ['violations'],
    runOnly: {type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa']},
  });
}"""
#: What axe-core found, when it is done.
AXE_RESULT = """async () => (await window.__axe).violations.map((v) => ({
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.slice(0, 3).map((n) => n.target.join(' ')),
}))"""


def _browser(chromium: Browser, language: str) -> BrowserContext:
    """A browser whose user prefers ``language``, with axe-core in every page."""
    locale = "sv-SE" if language == "sv" else "en-GB"
    context = chromium.new_context(viewport=DESKTOP, locale=locale)  # type: ignore[arg-type]
    context.set_default_timeout(15_000)
    context.add_init_script(path=str(AXE_FILE_PATH))
    context.new_page()
    return context


def _context(chromium: Browser, bridge: Bridge, language: str) -> BrowserContext:
    """A signed-in browser speaking ``language``, with axe-core in every page."""
    context = _browser(chromium, language)
    window = context.pages[0]
    window.goto(bridge.url("/login"))
    window.fill("#f-email", ADMIN_EMAIL)
    window.fill("#f-password", bridge.admin_password)
    window.locator("form[action$='/login'] button[type=submit]").click()
    window.wait_for_url(re.compile(r".*/tenants$"))
    # The admin's own language is English: choose the walk's language as a person does.
    if window.locator("#language-select").input_value() != language:
        with window.expect_navigation():
            window.select_option("#language-select", language)
    return context


def _tenant_id(bridge: Bridge) -> str:
    """The demo tenant's id, as ``demo --once`` wrote it."""
    return str(json.loads((bridge.cwd / "var" / "demo.json").read_text())["tenant_id"])


def _links(window: Page, bridge: Bridge) -> list[str]:
    """The UI paths (relative to ``/ui``, with query) the page links to."""
    hrefs = window.eval_on_selector_all("a[href]", "els => els.map((a) => a.href)")
    prefix = bridge.url("")
    return [href[len(prefix) :].split("#")[0] for href in hrefs if href.startswith(prefix + "/")]


@dataclass
class Session:
    """One signed-in browser speaking one language, with one window reused for every page."""

    language: str
    context: BrowserContext

    @property
    def window(self) -> Page:
        return self.context.pages[0]


class Walk:
    """The pages of the UI, each visited in every language of ``sessions`` in turn; axe-core
    works in one window while the walk opens the page in the next."""

    def __init__(self, bridge: Bridge, sessions: list[Session], findings: Findings) -> None:
        self.bridge = bridge
        self.sessions = sessions
        self.findings = findings
        self.words = english_words()
        self.sentences = english_sentences()
        self.visits: list[Visit] = []
        #: The links of the page visited last (the walk finds the next pages in them).
        self.last_links: list[str] = []

    def paths(self) -> Iterator[tuple[str, str]]:
        """``(route, path)`` of every page to visit, found as the walk goes."""
        tenant = _tenant_id(self.bridge)
        routes = get_routes()
        filled: dict[str, str] = {}
        values = {"tenant_id": tenant}  # path parameters met so far
        for route in routes:
            if route in INVENTED:
                filled[route] = INVENTED[route].replace("{tenant_id}", tenant)
            elif not re.sub(r"\{tenant_id\}", "", route).count("{"):
                filled[route] = route.replace("{tenant_id}", tenant)
        queue = list(filled.items())
        variants = list(VARIANTS)
        seen: set[str] = set()
        queried: set[tuple[str, tuple[str, ...]]] = set()
        while queue:
            route, path = queue.pop(0)
            if path in seen:
                continue
            seen.add(path)
            yield route, path
            for link in self.last_links:
                bare, _, query = link.partition("?")
                for candidate in routes:
                    matched = _pattern(candidate).match(bare)
                    if not matched:
                        continue
                    values.update(matched.groupdict())
                    if candidate not in filled and candidate not in SKIPPED:
                        filled[candidate] = bare
                        queue.append((candidate, bare))
                    # one address per other query a page links to (a filter, a page of a list)
                    keys = tuple(sorted(part.split("=")[0] for part in query.split("&") if part))
                    if keys and (candidate, keys) not in queried:
                        queried.add((candidate, keys))
                        queue.append((candidate, link))
            for variant in list(variants):
                names = re.findall(r"\{([^}]+)\}", variant)
                if all(name in values for name in names):
                    variants.remove(variant)
                    path = variant
                    for name in names:
                        path = path.replace("{" + name + "}", values[name])
                    queue.append((variant.split("?")[0], path))
            for candidate in routes:  # a route made of parameters met on other pages
                names = re.findall(r"\{([^}]+)\}", candidate)
                if (
                    candidate not in filled
                    and candidate not in SKIPPED
                    and all(name in values for name in names)
                ):
                    path = candidate
                    for name in names:
                        path = path.replace("{" + name + "}", values[name])
                    filled[candidate] = path
                    queue.append((candidate, path))
        for variant in variants:
            self.findings.add(variant, "its parameters were on no page of the walk")
        missing = [r for r in routes if r not in filled and r not in SKIPPED]
        for route in missing:
            self.findings.add(
                route,
                "no page links to it and it is not in SKIPPED: fill it or skip it with a reason",
            )

    def run(self) -> None:
        self.photograph()
        self.make_plan()
        try:
            self.walk()
        finally:
            self.discard_plan()
        for session in self.sessions:
            self.fill_forms(session)

    def fill_forms(self, session: Session) -> None:
        """Pages a form leads to: the re-sync form with a wrong interval (its errors), then its
        confirmation page (nothing is re-synced until that is confirmed)."""
        window = session.window
        window.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
        window.goto(self.bridge.url(f"/tenants/{_tenant_id(self.bridge)}/maintenance"))
        form = window.locator("form[action$='/maintenance/preview']")
        form.locator("#f-from").fill("2026-03-10")
        form.locator("#f-to").fill("2026-03-05")
        with window.expect_navigation():
            form.locator("button[type=submit]").click()
        self.check_here(session, "maintenance, an interval that ends before it starts")
        assert window.locator("#e-to").count() == 1, "the re-sync form showed no error"
        form = window.locator("form[action$='/maintenance/preview']")
        form.locator("#f-to").fill("2026-03-20")
        with window.expect_navigation():
            form.locator("button[type=submit]").click()
        assert window.locator("form[action$='/maintenance/resync']").count() == 1
        self.check_here(session, "maintenance, confirming a re-sync")

    def check_here(self, session: Session, what: str) -> None:
        """The checks of :meth:`open` on the page the window shows now."""
        where = f"[{session.language}] {what}"
        window = session.window
        if session.language == "sv":
            self.check_words(window, where)
        window.set_viewport_size(PHONE)  # type: ignore[arg-type]
        scroll, client = window.evaluate(WIDTH)
        if scroll > client:
            wide = window.evaluate(TOO_WIDE)
            self.findings.add(where, f"scrolls sideways at 390 px ({scroll} > {client}): {wide}")
        window.evaluate(START_AXE)
        self.check_axe(session, where)
        window.set_viewport_size(DESKTOP)  # type: ignore[arg-type]

    def photograph(self) -> None:
        """The demo tenant's overview on a phone, in English, for the guide (before the walk
        makes a plan, which the overview would announce)."""
        window = self.sessions[-1].window
        window.set_viewport_size(PHONE)  # type: ignore[arg-type]
        window.goto(self.bridge.url(f"/tenants/{_tenant_id(self.bridge)}"))
        shot(window, self.bridge, "mobile-overview")

    def make_plan(self) -> None:
        """ "Make a plan" on the demo tenant's Conflicts page, in Swedish, and read the answer."""
        window = self.sessions[0].window
        window.goto(self.bridge.url(PLAN.replace("{tenant_id}", _tenant_id(self.bridge))))
        with window.expect_navigation():
            window.locator("form[action$='/first-sync/plan'] button").click()
        where = f"[{self.sessions[0].language}] {PLAN}"
        self.check_words(window, f"{where} (making a plan)")
        # The plan is made in the background; the page shows it when it is done.
        expect(window.locator("form[action$='/first-sync/discard']")).to_have_count(
            1, timeout=60_000
        )
        self.check_words(window, f"{where} (plan just made)")

    def discard_plan(self) -> None:
        """Leave the demo tenant without the plan again (other tests share the bridge)."""
        window = self.sessions[0].window
        window.goto(self.bridge.url(PLAN.replace("{tenant_id}", _tenant_id(self.bridge))))
        discard = window.locator("form[action$='/first-sync/discard'] button")
        if discard.count():
            window.once("dialog", lambda dialog: dialog.accept())
            with window.expect_navigation():
                discard.click()

    def walk(self) -> None:
        for route, path in self.paths():
            checking = [session for session in self.sessions if self.open(session, route, path)]
            for session in checking:
                self.check_axe(session, f"[{session.language}] {path}")

    def open(self, session: Session, route: str, path: str) -> bool:
        """Open ``path`` and check it; ``True`` when axe-core was started on it."""
        where = f"[{session.language}] {path}"
        url = self.bridge.url(path)
        window = session.window
        window.set_viewport_size(DESKTOP)  # type: ignore[arg-type]
        try:
            answer = window.goto(url)
        except PlaywrightError as error:  # a file to save, not a page to show
            if "Download is starting" not in str(error):
                raise
            saved = session.context.request.get(url)
            self.visited(session, Visit(path, saved.status, "file"), [])
            if saved.status >= 500:
                self.findings.add(where, f"answered {saved.status}")
            return False
        assert answer is not None
        if answer.status >= 500:
            self.findings.add(where, f"answered {answer.status}")
            return False
        if "text/html" not in answer.headers.get("content-type", ""):
            self.visited(session, Visit(path, answer.status, "file"), [])
            return False
        kind = "page" if answer.text().lstrip().lower().startswith("<!doctype") else "fragment"
        leads = session is self.sessions[0]  # the first language's links lead the walk on
        self.visited(
            session, Visit(path, answer.status, kind), _links(window, self.bridge) if leads else []
        )
        if session.language == "sv":
            self.check_words(window, where)
        if kind != "page":
            return False
        window.set_viewport_size(PHONE)  # type: ignore[arg-type]
        scroll, client = window.evaluate(WIDTH)
        if scroll > client:
            wide = window.evaluate(TOO_WIDE)
            self.findings.add(where, f"scrolls sideways at 390 px ({scroll} > {client}): {wide}")
        window.evaluate(START_AXE)
        return True

    def visited(self, session: Session, visit: Visit, links: list[str]) -> None:
        if session is self.sessions[0]:
            self.visits.append(visit)
            self.last_links = links

    def check_words(self, window: Page, where: str) -> None:
        texts: list[list[str]] = window.evaluate(VISIBLE_TEXTS, EXCLUDED)
        for element, text in texts:
            found = sorted(
                {w for w in re.findall(r"[A-Za-z]+", text) if w.lower() in self.words},
                key=str.lower,
            )
            if found:
                self.findings.add(where, f"English {found} in {element}: {text[:160]!r}")
                continue
            plain = " ".join(text.split())
            for sentence in self.sentences:
                if sentence in plain:
                    self.findings.add(where, f"untranslated {sentence!r} in {element}")
                    break

    def check_axe(self, session: Session, where: str) -> None:
        for violation in session.window.evaluate(AXE_RESULT):
            if violation["impact"] in ("serious", "critical"):
                self.findings.add(
                    where,
                    f"axe {violation['impact']} {violation['id']} ({violation['help']}): "
                    f"{violation['nodes']}",
                )


def _report(findings: Findings) -> str:
    return f"{len(findings.problems)} findings:\n" + "\n".join(
        f"  {line}" for line in findings.problems
    )


def test_every_page_in_swedish_and_english(chromium: Browser, bridge: Bridge) -> None:
    findings = Findings()
    sessions = [Session(language, _context(chromium, bridge, language)) for language in LANGUAGES]
    try:
        walk = Walk(bridge, sessions, findings)
        walk.run()
    finally:
        for session in sessions:
            session.context.close()
    # The sign-in page as a visitor sees it, in the browser's language (Swedish).
    visitor = Session("sv", _browser(chromium, "sv"))
    try:
        if walk.open(visitor, "/login", "/login"):
            walk.check_axe(visitor, "[sv, signed out] /login")
        assert visitor.window.locator("html").get_attribute("lang") == "sv"
        # A wrong password (one: the sign-in throttle holds an address back after five).
        visitor.window.fill("#f-email", ADMIN_EMAIL)
        visitor.window.fill("#f-password", "not the password")
        with visitor.window.expect_navigation():
            visitor.window.locator("form[action$='/login'] button[type=submit]").click()
        walk.check_here(visitor, "/login, a wrong password")
    finally:
        visitor.context.close()
    pages = [v for v in walk.visits if v.kind == "page"]
    assert len(pages) >= 20, [v.path for v in walk.visits]
    assert {"/login", "/tenants", "/no-such-page"} <= {v.path for v in pages}
    assert not findings.problems, _report(findings)


def test_the_word_lists_hold_no_swedish() -> None:
    """The English word list is not emptied by the catalogue, and the check would see a
    sentence left in English."""
    words = english_words()
    assert {"the", "with", "settings", "and", "from"} <= words
    assert "Connect to Fortnox" in english_sentences()
    assert len(SKIPPED) + len(INVENTED) < len(get_routes())
    assert Path(AXE_FILE_PATH).stat().st_size > 100_000
