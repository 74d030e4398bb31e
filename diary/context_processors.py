"""Template context every page may need: the clinics a patient shares with, what an alert offers the patient
(numbers to call, "did you get help?"), and the addresses of the pages every page links to."""

import datetime
import functools

from django.conf import settings
from django.templatetags.static import static
from django.urls import get_script_prefix, get_urlconf, reverse
from django.utils.functional import SimpleLazyObject
from django.utils.html import conditional_escape
from django.utils.safestring import SafeString, mark_safe

from clinics import selectors as care
from diary.models import Flag


def care_team(request) -> dict:
    """`care_links`: the clinics the signed-in patient shares the diary with (queried only if a page asks), so
    no page says a clinic or dermatologist will see something when none can."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or user.is_staff:
        return {"care_links": []}
    return {"care_links": SimpleLazyObject(lambda: care.care_for(patient_user=user))}


def alert_contacts(request) -> dict:
    return _alert_contacts(settings.EMERGENCY_NUMBER, settings.NON_EMERGENCY_NUMBER, settings.NON_EMERGENCY_NAME)


@functools.cache
def _alert_contacts(emergency_number: str, non_emergency_number: str, non_emergency_name: str) -> dict:
    # The same for every page while the settings stay (Django's `choices` builds its list anew on every use).
    return {
        "emergency_number": emergency_number,
        "non_emergency_number": non_emergency_number,
        "non_emergency_name": non_emergency_name,
        "help_choices": Flag.Help.choices,
    }


# The pages base.html's header and menu link to (`{{ nav.history }}`): the same on every page, so worked out once
# per process instead of a reverse() each on every page (a seventh of an empty signed-in page's template time).
NAV_PAGES = {
    "home": "home",
    "history": "diary:history",
    "progress": "diary:progress",
    "treatments": "diary:treatment-list",
    "photos": "diary:photo-gallery",
    "alerts": "diary:alert-list",
    "settings": "diary:settings",
    "guide": "drugs:drug-list",
    "account": "password_change",
    "login": "login",
    "signup": "signup",
    "logout": "logout",
    "manifest": "manifest",
    "service_worker": "service-worker",
    "offline_sync": "reminders:offline-sync",
    "admin": "admin:index",
    "admin_queue": "admin:diary_flag_changelist",
    "admin_patients": "admin:diary_patient_changelist",
    # The day page's other fixed links.
    "day_pick": "diary:day-pick",
    "poem": "diary:poem",
    "treatment_add": "diary:treatment-add",
    "photo_compare": "diary:photo-compare",
    "sharing": "diary:sharing",
    "clinic_join": "clinics:join",
}

# Pages of one day or one row (`{{ nav.routes.day|fill:previous_day }}`, diary_tags.fill): each address worked out
# once per process with a sample argument that "{}" then replaces (a reverse() with a date cost 0.2 ms here, and
# the day page had about twenty).
_SAMPLE_DAY = datetime.date(1999, 12, 31)
_SAMPLE_PK = 2147480001
NAV_ROUTES = {
    "day": ("diary:day", _SAMPLE_DAY),
    "application_add": ("diary:application-add", _SAMPLE_DAY),
    "reaction_add": ("diary:reaction-add", _SAMPLE_DAY),
    "entry_save": ("diary:entry-save", _SAMPLE_DAY),
    "entry_delete": ("diary:entry-delete", _SAMPLE_DAY),
    "photo_add": ("diary:photo-add", _SAMPLE_DAY),
    "application_edit": ("diary:application-edit", _SAMPLE_PK),
    "application_delete": ("diary:application-delete", _SAMPLE_PK),
    "reaction_edit": ("diary:reaction-edit", _SAMPLE_PK),
    "reaction_delete": ("diary:reaction-delete", _SAMPLE_PK),
    "photo_detail": ("diary:photo-detail", _SAMPLE_PK),
    "photo_delete": ("diary:photo-delete", _SAMPLE_PK),
    "treatment_edit": ("diary:treatment-edit", _SAMPLE_PK),
    "treatment_stop": ("diary:treatment-stop", _SAMPLE_PK),
    "schedule_edit": ("reminders:schedule-edit", _SAMPLE_PK),
    # A medicine's guide page (`Drug.get_absolute_url`), by its slug (ASCII letters, digits, - and _: as reverse()
    # writes it).
    "drug": ("drugs:drug-detail", "sample-medicine-slug"),
}


@functools.cache
def _nav_urls(urlconf: str, script_prefix: str) -> dict[str, str]:
    # Keyed by what reverse() depends on: the URLconf in use and the prefix the site is mounted under.
    urls: dict = {key: reverse(name, urlconf=urlconf) for key, name in NAV_PAGES.items()}
    urls["routes"] = {
        key: reverse(name, args=[sample], urlconf=urlconf).replace(str(sample), "{}")
        for key, (name, sample) in NAV_ROUTES.items()
    }
    thumb = reverse("diary:photo-file", args=[_SAMPLE_PK, "thumb"], urlconf=urlconf)
    urls["routes"]["photo_thumb"] = thumb.replace(str(_SAMPLE_PK), "{}")
    pages = [urls[key] for key, _ in PATIENT_MENU]
    urls["patient_menus"] = {path: _patient_menu(urls, current=path) for path in [*pages, None]}
    return urls


# A patient's menu (base.html's `{{ patient_menu }}`): the page shown is marked current. Written once per process for
# each of its pages (and once for any other page) instead of 14 template conditions on every page.
PATIENT_MENU = [
    ("home", "Today"),
    ("history", "History"),
    ("progress", "Progress"),
    ("treatments", "Treatments"),
    ("photos", "Photos"),
    ("alerts", "Alerts"),
    ("settings", "Settings"),
]


def _patient_menu(urls: dict, *, current: str | None) -> SafeString:
    items = []
    for key, label in PATIENT_MENU:
        url = conditional_escape(urls[key])
        here = urls[key] == current
        active, aria = (" active", ' aria-current="page"') if here else ("", "")
        items.append(f'<li class="nav-item"><a class="nav-link{active}"{aria} href="{url}">{label}</a></li>\n')
    return mark_safe(f"\n{''.join(items)}\n")  # noqa: S308 - the addresses are escaped, the labels are ours


# The style sheets, icons and scripts of every page's <head> (base.html's `{{ page_head.styles }}` and
# `{{ page_head.scripts }}`, on either side of a page's own `extra_head`): the same files on every page, so their
# `{% static %}` addresses written once per process instead of seven `{% static %}` tags on every page.
HEAD_STYLES = ("vendor/bootstrap/bootstrap.min.css", "css/app.css")
HEAD_SCRIPTS = ("vendor/bootstrap/bootstrap.bundle.min.js", "js/app.js", "js/offline.js")


@functools.cache
def _page_head(manifest: str, static_url: str, debug: bool, storage: str) -> dict[str, SafeString]:
    # Keyed by what `{% static %}` depends on (the static URL, DEBUG, the storage chosen; the manifest of hashed
    # names cannot change while a process runs) and the manifest's address.
    def url(path: str) -> str:
        return conditional_escape(static(path))

    styles = "\n  ".join(f'<link rel="stylesheet" href="{url(path)}">' for path in HEAD_STYLES)
    scripts = "\n  ".join(f'<script src="{url(path)}" defer></script>' for path in HEAD_SCRIPTS)
    icons_and_scripts = (
        f'<link rel="icon" href="{url("img/icon.svg")}" type="image/svg+xml">'
        f'\n  <link rel="manifest" href="{conditional_escape(manifest)}">'
        f'\n  <link rel="apple-touch-icon" href="{url("img/icons/apple-touch-icon-180.png")}">'
        '\n  <meta name="theme-color" content="#0d6efd">'
        f"\n  {scripts}"
    )
    return {"styles": mark_safe(styles), "scripts": mark_safe(icons_and_scripts)}  # noqa: S308 - escaped above


def navigation(request) -> dict:
    """`nav`: the addresses of the pages in every page's header and menu; `patient_menu`: a patient's menu, with
    the page shown marked; `page_head`: the style sheets, icons and scripts of every page."""
    nav = _nav_urls(get_urlconf() or settings.ROOT_URLCONF, get_script_prefix())
    menus = nav["patient_menus"]
    head = _page_head(nav["manifest"], settings.STATIC_URL, settings.DEBUG, repr(settings.STORAGES.get("staticfiles")))
    return {"nav": nav, "patient_menu": menus.get(request.path) or menus[None], "page_head": head}
