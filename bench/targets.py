"""What `make bench` measures: one line per page. Add a page by adding a line.

`path` may hold {today} (the signed-in patient's today), {day} (a past day of theirs with no entry yet)
and {patient_id} (one of the dermatologist's patients). `who` is anonymous, patient or dermatologist.
`optional=True`: a 404 at the first request means "not built yet": the target is skipped with a note.
`cached=True`: the page uses the reference caches (drugs/caching.py) or values kept per process (diary/kept.py);
`make bench` measures it again with both tiers and the kept values off (`<name>-cold`: every request a miss, as the
first request after a reference change or a write) and with everything per process off (`<name>-shared`: a new worker
reading what another made).
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Target:
    name: str
    path: str
    who: str = "anonymous"
    method: str = "GET"
    body: str = ""
    optional: bool = False
    note: str = ""
    cached: bool = False


# Two reactions make one saved day: the same route twice, moderate burning then mild itching.
SAVE_REACTION_BODY = "symptom={burning}&severity=2&body_area=&treatment=&csrfmiddlewaretoken={csrf}"

TARGETS = [
    Target("hello", "/bench/hello/", note="bare Django: middleware, no database, no template"),
    Target("today", "/", who="patient", cached=True, note="the reference pickers cached per reference version"),
    Target(
        "save-reaction",
        "/diary/{today}/reactions/",
        who="patient",
        method="POST",
        body=SAVE_REACTION_BODY,
        cached=True,
        note="one reaction saved + flags re-evaluated; a day with two reactions is two of these",
    ),
    Target("history", "/diary/history/", who="patient"),
    Target("treatments", "/diary/treatments/", who="patient", note="a small signed-in page: the floor"),
    Target(
        "progress",
        "/diary/progress/",
        who="patient",
        cached=True,
        note="3 months by week: 5 SVG charts and their tables; what the rows give kept per process (diary/kept.py)",
    ),
    Target("progress-1y", "/diary/progress/?period=1y", who="patient"),
    Target(
        "summary",
        "/diary/progress/summary/",
        who="patient",
        cached=True,
        note="the visit summary (4 weeks) as HTML; its body kept per process under a digest (diary/kept.py)",
    ),
    Target("summary-pdf", "/diary/progress/summary.pdf", who="patient", note="the same summary as a PDF (WeasyPrint)"),
    Target(
        "admin-summary-pdf",
        "/admin/diary/patient/{patient_id}/summary.pdf",
        who="dermatologist",
        note="the summary PDF from the timeline, with its audit entry",
    ),
    Target("guide-index", "/guide/", cached=True, note="the public list of medicines"),
    Target("guide", "/guide/tacrolimus-ointment/", cached=True, note="one medicine page"),
    Target("admin-queue", "/admin/diary/flag/", who="dermatologist"),
    Target("admin-patients", "/admin/diary/patient/", who="dermatologist"),
    Target("admin-timeline", "/admin/diary/patient/{patient_id}/timeline/", who="dermatologist", optional=True),
    Target(
        "admin-summary",
        "/admin/diary/patient/{patient_id}/summary/",
        who="dermatologist",
        optional=True,
        cached=True,
        note="the visit summary in the admin; its body kept per process (diary/kept.py)",
    ),
    Target("admin-carelinks", "/admin/clinics/carelink/", who="dermatologist", note="a clinic page: who shares"),
    Target("admin-clinics", "/admin/clinics/clinic/", who="dermatologist", note="the clinics the user works at"),
    Target("hello-end", "/bench/hello/", note="hello again, last: how much the machine drifted during the run"),
]
