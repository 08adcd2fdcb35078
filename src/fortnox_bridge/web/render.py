"""Rendering pages: one Jinja2 environment per language, with the layout's common context."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, select_autoescape

from fortnox_bridge.web.i18n import DEFAULT_LANGUAGE, LANGUAGES, pick_language, translations
from fortnox_bridge.web.labels import flow_about, flow_title, label
from fortnox_bridge.web.menu import MenuEntry, tenant_menu
from fortnox_bridge.web.pages import page_modules
from fortnox_bridge.web.record_texts import reference_words
from fortnox_bridge.web.security import SignedIn, csrf_token, root

TEMPLATES = Path(__file__).parent / "templates"
#: Where templates are looked up, in order (the package's own; a test may add a folder).
TEMPLATE_DIRS: list[Path] = [TEMPLATES]


@cache
def environment(language: str) -> Environment:
    """The templates speaking ``language`` (``_()``, ``ngettext`` and ``{% trans %}``)."""
    env = Environment(
        loader=FileSystemLoader(TEMPLATE_DIRS),
        autoescape=select_autoescape(["html"]),
        extensions=["jinja2.ext.i18n"],
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,  # the templates are part of the package: no file check per page
    )
    words = translations(language)
    env.install_gettext_translations(words, newstyle=True)  # type: ignore[attr-defined]
    # Internal names in words: {{ flow_title(run.flow) }}, {{ label("status", run.status) }}.
    env.globals["flow_title"] = lambda name: flow_title(name, words.gettext)
    env.globals["flow_about"] = lambda doc: flow_about(doc, words.gettext)
    env.globals["label"] = lambda table, name: label(table, name, words.gettext)
    # A run item's record as the flows name it: {{ record_words(item.reference) }}.
    env.globals["record_words"] = lambda text: reference_words(text, words.gettext)
    return env


def language_of(request: Request) -> str:
    """The language of this request: the session's choice, else the browser's."""
    chosen = request.session.get("language")
    return pick_language(
        chosen if isinstance(chosen, str) else None, request.headers.get("accept-language")
    )


def flash(request: Request, message: str, kind: str = "success") -> None:
    """A message shown once, on the next page (after a redirect)."""
    messages = list(request.session.get("flash", []))
    messages.append({"kind": kind, "message": message})
    request.session["flash"] = messages


def gettext(request: Request, message: str, **values: Any) -> str:
    """``message`` in the request's language, with ``%(name)s`` values filled in."""
    text = translations(language_of(request)).gettext(message)
    return text % values if values else text


def _menu(request: Request) -> tuple[MenuEntry, ...]:
    """The tabs of a tenant's pages, as the page modules the UI serves declare them."""
    web = getattr(request.app.state, "web", None)
    return tenant_menu(web.pages if web is not None else page_modules())


def render(
    request: Request,
    template: str,
    *,
    user: SignedIn | None = None,
    status_code: int = 200,
    **context: Any,
) -> HTMLResponse:
    """``template`` rendered in the request's language inside the layout."""
    language = language_of(request)
    page = environment(language).get_template(template)
    html = page.render(
        request=request,
        user=user,
        root=root(request),
        csrf_token=csrf_token(request),
        language=language,
        languages=LANGUAGES,
        flashes=request.session.pop("flash", []),
        path=request.url.path,
        menu=_menu(request),
        **context,
    )
    return HTMLResponse(html, status_code=status_code)


def error_words(request: Request) -> Callable[..., str] | None:
    """How form errors are worded on this request's page (``web/forms.py``): ``None`` in
    English (pydantic's own words), else the catalogue's texts in the request's language."""
    if language_of(request) == DEFAULT_LANGUAGE:
        return None
    return lambda message, **values: gettext(request, message, **values)
