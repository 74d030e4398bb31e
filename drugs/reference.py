"""The reference file: check all of it, then write it to the database in one transaction.

Records are matched by slug (drugs), code (symptoms, body areas), title and URL (sources), position
(regimens), symptom (common side effects) and reference key (rules). Rules added in admin have no
reference key and are never touched; rules from an earlier file that are gone from this one are reported,
not deleted (flags may point at them). A record is updated only when the file's version of it changed
since the last load (LoadedRecord keeps a digest), so clinicians' edits in admin survive reloads.
"""

import hashlib
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator, validate_slug
from django.db import models, transaction
from django.utils import timezone

from drugs.models import (
    AmountLimit,
    BodyArea,
    CommonSideEffect,
    Drug,
    LoadedRecord,
    Regimen,
    ScheduleKind,
    Severity,
    Source,
    Symptom,
    Urgency,
    WarningSign,
)
from drugs.services import reference_version_bump

DEFAULT_PATH = Path(__file__).resolve().parent / "data" / "drug_reference.json"
URGENCIES = {urgency.code: urgency for urgency in Urgency}
URGENCY_NAMES = ", ".join(URGENCIES)
SECTIONS = ("symptoms", "body_areas", "drugs", "warning_signs", "amount_limits")
LIST_FIELDS = ("brand_names", "other_names", "indications", "strengths", "how_to_apply", "interactions")
# A regimen's "schedule": {"times": 2, "per": "day"} is its frequency as a course's schedule.
SCHEDULE_PER = {"day": ScheduleKind.DAILY, "week": ScheduleKind.WEEKLY}
POPULATIONS = {"children": "children", "pregnancy": "pregnancy", "breastfeeding": "breastfeeding"}
# A medicine's plain-language summary: the file's keys and the Drug fields they fill.
SUMMARY_FIELDS = {
    "what_it_is_for": "summary_uses",
    "how_to_apply": "summary_how_to_apply",
    "what_is_normal": "summary_normal",
    "when_to_call": "summary_when_to_call",
}

Record = dict[str, Any]


class ReferenceDataError(Exception):
    """The file cannot be loaded; `problems` names each bad record."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__("\n".join(problems))


@dataclass
class Tally:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: int = 0
    kept_edits: list[str] = field(default_factory=list)  # edited in admin, file record unchanged: left as edited


@dataclass
class LoadReport:
    tallies: dict[str, Tally] = field(default_factory=dict)
    stale_rules: list[str] = field(default_factory=list)

    def tally(self, kind: str) -> Tally:
        return self.tallies.setdefault(kind, Tally())

    @property
    def changed(self) -> bool:
        return any(tally.created or tally.updated for tally in self.tallies.values())


def warning_sign_key(record: Record) -> str:
    """A file rule's identity: what it matches. A rule with other conditions is another rule."""
    key = f"{record.get('drug') or 'any'}/{record.get('symptom')}/severity-{record.get('min_severity')}"
    if record.get("persists_days"):
        key += f"/persists-{record['persists_days']}"
    if record.get("after_course_days"):
        key += f"/after-course-{record['after_course_days']}"
    return key


def amount_limit_key(record: Record) -> str:
    return f"{record.get('drug')}/weekly-grams"


def read_file(path: Path) -> Record:
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise ReferenceDataError([f"{path}: cannot be read ({error.strerror or error})"]) from error
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ReferenceDataError([f"{path}: not valid JSON ({error})"]) from error
    return data


def load_reference(data: Record) -> LoadReport:
    """Check the whole file, then create or update every record in one transaction; raise if anything is wrong."""
    problems = validate(data)
    if problems:
        raise ReferenceDataError(problems)
    with transaction.atomic():
        report = _Writer(data).write()
        reference_version_bump()
        return report


# --- Checking ------------------------------------------------------------------------------------


class _Checker:
    """Collects every problem in the file, each named by its record."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, label: str, message: str) -> None:
        self.problems.append(f"{label}: {message}")

    def text(
        self, label: str, record: Record, name: str, model: type[models.Model] | None = None, required: bool = True
    ) -> None:
        value = record.get(name)
        if value is None and not required:
            return
        if not isinstance(value, str) or (required and not value.strip()):
            self.problem(label, f"{name} is missing" if value in (None, "") else f"{name} must be text")
            return
        max_length = model._meta.get_field(name).max_length if model else None
        if max_length and len(value) > max_length:
            self.problem(label, f"{name} is longer than {max_length} characters")

    def lines(self, label: str, record: Record, name: str) -> None:
        value = record.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) and item.strip() for item in value):
            self.problem(label, f"{name} must be a list of texts")

    def slug(self, label: str, value: Any, name: str) -> bool:
        try:
            validate_slug(value)
        except (ValidationError, TypeError):
            self.problem(label, f"{name} {value!r} is not a slug (letters, digits, - and _)")
            return False
        return True

    def count(self, label: str, record: Record, name: str, minimum: int, maximum: int | None = None) -> None:
        value = record.get(name)
        if value is None and maximum is None:
            return  # optional day counts
        in_range = isinstance(value, int) and not isinstance(value, bool) and value >= minimum
        if not in_range or (maximum is not None and value > maximum):
            allowed = f"{minimum} to {maximum}" if maximum else f"empty or a whole number of at least {minimum}"
            self.problem(label, f"{name} {value!r} is not {allowed}")

    def urgency(self, label: str, record: Record) -> None:
        if record.get("urgency") not in URGENCIES:
            self.problem(label, f"urgency {record.get('urgency')!r} is not one of {URGENCY_NAMES}")

    def sources(self, label: str, record: Record, required: bool = True) -> None:
        sources = record.get("sources")
        if not isinstance(sources, list) or (required and not sources):
            self.problem(label, "has no source")
            return
        for index, source in enumerate(sources):
            where = f"{label}, sources[{index}]"
            if not isinstance(source, dict):
                self.problem(where, "must have a title and an optional url")
                continue
            self.text(where, source, "title", Source)
            url = source.get("url")
            if url is not None:
                try:
                    URLValidator()(url)
                except (ValidationError, TypeError):
                    self.problem(where, f"url {url!r} is not a web address")
                else:
                    self.text(where, source, "url", Source)

    def each(self, data: Record, section: str, label: Callable[[Record], str]) -> Iterable[tuple[str, Record]]:
        records = data.get(section)
        if not isinstance(records, list):
            self.problem(section, "must be a list")
            return
        for index, record in enumerate(records):
            if not isinstance(record, dict):
                self.problem(f"{section}[{index}]", "must be an object")
                continue
            yield f"{section}[{index}] ({label(record)})", record

    def unique(self, section: str, keys: list[str], what: str) -> None:
        seen: set[str] = set()
        for key in keys:
            if key in seen:
                self.problem(section, f"{what} {key!r} appears more than once")
            seen.add(key)


def validate(data: Any) -> list[str]:
    """Every problem in the file, each naming its record; an empty list means it can be loaded."""
    check = _Checker()
    if not isinstance(data, dict):
        return ["the file must hold one JSON object with " + ", ".join(SECTIONS)]

    symptoms = []
    for label, record in check.each(data, "symptoms", lambda r: r.get("code", "?")):
        if check.slug(label, record.get("code"), "code"):
            symptoms.append(record["code"])
        check.text(label, record, "code", Symptom)
        check.text(label, record, "name", Symptom)
        if record.get("site", "skin") not in Symptom.Site.values:
            check.problem(label, f"site {record.get('site')!r} is not one of {', '.join(Symptom.Site.values)}")
        check.text(label, record, "description")
    check.unique("symptoms", symptoms, "code")
    known_symptoms = set(symptoms)

    def symptom(label: str, record: Record) -> None:
        if record.get("symptom") not in known_symptoms:
            check.problem(label, f"symptom {record.get('symptom')!r} is not one of the file's symptoms")

    areas = []
    for label, record in check.each(data, "body_areas", lambda r: r.get("code", "?")):
        if check.slug(label, record.get("code"), "code"):
            areas.append(record["code"])
        check.text(label, record, "name", BodyArea)
        if _decimal(record.get("adult_ftu"), places=1, below=1000) is None:
            check.problem(label, f"adult_ftu {record.get('adult_ftu')!r} is not a positive number with one decimal")
    check.unique("body_areas", areas, "code")

    slugs = []
    summaries: list[tuple[str, Record, list[Record]]] = []  # label, drug, summary sources: traced after the rules
    for label, record in check.each(data, "drugs", lambda r: r.get("slug", "?")):
        if check.slug(label, record.get("slug"), "slug"):
            slugs.append(record["slug"])
        for name in ("slug", "generic_name", "drug_class", "class_group"):
            check.text(label, record, name, Drug)
        for name in ("mechanism", "storage", "boxed_warning"):
            check.text(label, record, name, required=False)
        for name in LIST_FIELDS:
            check.lines(label, record, name)
        populations = record.get("special_populations", {})
        if not isinstance(populations, dict) or not all(isinstance(v, str) for v in populations.values()):
            check.problem(label, "special_populations must map children, pregnancy, breastfeeding, other to texts")
        check.sources(label, record)
        summary = record.get("summary")
        if summary is not None:
            where = f"{label}, summary"
            if not isinstance(summary, dict):
                check.problem(where, f"must be an object with {', '.join(SUMMARY_FIELDS)} and sources")
            else:
                for name in SUMMARY_FIELDS:
                    check.text(where, summary, name)
                problems = len(check.problems)
                check.sources(where, summary)
                if len(check.problems) == problems:
                    summaries.append((where, record, summary["sources"]))
        for index, regimen in enumerate(record.get("regimens") or []):
            where = f"{label}, regimens[{index}]"
            if not isinstance(regimen, dict):
                check.problem(where, "must be an object")
                continue
            check.text(where, regimen, "frequency")
            for name in ("population", "indication", "product", "duration_limits"):
                check.text(where, regimen, name, required=False)
            schedule = regimen.get("schedule")
            if schedule is not None:
                if not isinstance(schedule, dict) or schedule.get("per") not in SCHEDULE_PER:
                    check.problem(where, f"schedule must be an object with times and per ({', '.join(SCHEDULE_PER)})")
                else:
                    check.count(f"{where}, schedule", schedule, "times", 1, 7)
            check.sources(where, regimen)
        effects = record.get("common_side_effects") or []
        for index, effect in enumerate(effects):
            where = f"{label}, common_side_effects[{index}]"
            if not isinstance(effect, dict):
                check.problem(where, "must be an object")
                continue
            symptom(where, effect)
            check.text(where, effect, "note", required=False)
        check.unique(label, [e.get("symptom") for e in effects if isinstance(e, dict)], "common side effect")
    check.unique("drugs", slugs, "slug")
    known_drugs = set(slugs)

    def drug(label: str, record: Record, required: bool) -> None:
        value = record.get("drug")
        if (value is not None or required) and value not in known_drugs:
            check.problem(label, f"drug {value!r} is not one of the file's drugs")

    def rule_label(record: Record) -> str:
        return f"{record.get('drug') or 'any drug'} / {record.get('symptom', '?')}"

    keys = []
    for label, record in check.each(data, "warning_signs", rule_label):
        drug(label, record, required=False)
        symptom(label, record)
        check.count(label, record, "min_severity", Severity.MILD, Severity.SEVERE)
        check.count(label, record, "persists_days", 1)
        check.count(label, record, "after_course_days", 1)
        check.urgency(label, record)
        check.text(label, record, "advice")
        check.sources(label, record)
        keys.append(warning_sign_key(record))
    check.unique("warning_signs", keys, "rule")

    keys = []
    for label, record in check.each(data, "amount_limits", lambda r: str(r.get("drug"))):
        drug(label, record, required=True)
        if _decimal(record.get("max_grams_per_week"), places=1, below=100_000) is None:
            check.problem(label, "max_grams_per_week must be a positive number of grams with one decimal")
        check.urgency(label, record)
        check.text(label, record, "advice")
        check.sources(label, record)
        keys.append(amount_limit_key(record))
    check.unique("amount_limits", keys, "limit")
    for where, record, sources in summaries:
        traced = _source_keys(_drug_sources(data, record))
        for source in sources:
            if _source_key(source) not in traced:
                check.problem(where, f"source {source['title']!r} is not a source of this medicine or of its rules")
    return check.problems


def _source_key(source: Any) -> tuple[str, str] | None:
    if not isinstance(source, dict) or not isinstance(source.get("title"), str):
        return None
    return source["title"].strip(), source.get("url") or ""


def _source_keys(sources: Iterable[Any]) -> set[tuple[str, str] | None]:
    return {_source_key(source) for source in sources}


def _drug_sources(data: Record, drug: Record) -> Iterable[Any]:
    """The sources the file gives for a medicine: its own, its regimens', and those of the rules that apply to it."""
    yield from drug.get("sources") or []
    for regimen in drug.get("regimens") or []:
        if isinstance(regimen, dict):
            yield from regimen.get("sources") or []
    for section in ("warning_signs", "amount_limits"):
        for rule in data.get(section) or []:
            if isinstance(rule, dict) and rule.get("drug") in (None, drug.get("slug")):
                yield from rule.get("sources") or []


def _decimal(value: Any, places: int, below: int) -> Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return None
    try:
        number = Decimal(str(value))
    except InvalidOperation:
        return None
    if not number.is_finite() or not 0 < number < below or number != round(number, places):
        return None
    return number


# --- Writing -------------------------------------------------------------------------------------


class _Writer:
    """Creates or updates each record from a checked file, counting what changed."""

    def __init__(self, data: Record) -> None:
        self.data = data
        self.report = LoadReport()
        self.sources: dict[tuple[str, str], Source] = {}
        self.digests = {(r.kind, r.key): r for r in LoadedRecord.objects.all()}
        # The digests to record, written together at the end of `write` (one row each, as the last one wins).
        self.new_digests: dict[tuple[str, str], str] = {}

    def write(self) -> LoadReport:
        self._sources()
        symptoms = self._rows(
            "symptoms",
            Symptom,
            "code",
            {
                r["code"]: {**_pick(r, "name", "description"), "site": r.get("site", "skin")}
                for r in self.data["symptoms"]
            },
        )
        self._rows(
            "body areas",
            BodyArea,
            "code",
            {
                r["code"]: {"name": r["name"], "adult_ftu": _decimal(r["adult_ftu"], 1, 1000)}
                for r in self.data["body_areas"]
            },
        )
        drugs = self._rows(
            "drugs",
            Drug,
            "slug",
            {r["slug"]: _drug_values(r) for r in self.data["drugs"]},
            sources={r["slug"]: r["sources"] for r in self.data["drugs"]},
        )
        for record in self.data["drugs"]:
            self._drug_children(drugs[record["slug"]], record, symptoms)
        summaries = {r["slug"]: r["summary"] for r in self.data["drugs"] if r.get("summary")}
        # Its own kind of record, so that a file which adds or changes a summary leaves the rest of an
        # edited medicine alone, and the other way round.
        self._rows(
            "drug summaries",
            Drug,
            "slug",
            {slug: _summary_values(summary) for slug, summary in summaries.items()},
            sources={slug: summary["sources"] for slug, summary in summaries.items()},
            relation="summary_sources",
        )
        self._rules(
            "warning signs",
            WarningSign,
            {
                warning_sign_key(r): (
                    {
                        "drug_id": drugs[r["drug"]].pk if r["drug"] else None,
                        "symptom_id": symptoms[r["symptom"]].pk,
                        "min_severity": r["min_severity"],
                        "persists_days": r.get("persists_days"),
                        "after_course_days": r.get("after_course_days"),
                        "urgency": URGENCIES[r["urgency"]].value,
                        "advice": r["advice"].strip(),
                    },
                    r["sources"],
                )
                for r in self.data["warning_signs"]
            },
        )
        self._rules(
            "amount limits",
            AmountLimit,
            {
                amount_limit_key(r): (
                    {
                        "drug_id": drugs[r["drug"]].pk,
                        "max_grams_per_week": _decimal(r["max_grams_per_week"], 1, 100_000),
                        "urgency": URGENCIES[r["urgency"]].value,
                        "advice": r["advice"].strip(),
                    },
                    r["sources"],
                )
                for r in self.data["amount_limits"]
            },
        )
        self._record_digests()
        return self.report

    def _record_digests(self) -> None:
        """Write the new digests in a few statements (one query per record made the first load 2,000 queries)."""
        now = timezone.now()
        created, changed = [], []
        for (kind, key), digest in self.new_digests.items():
            loaded = self.digests.get((kind, key))
            if loaded is None:
                created.append(LoadedRecord(kind=kind, key=key, digest=digest))
            else:
                loaded.digest, loaded.loaded = digest, now
                changed.append(loaded)
        LoadedRecord.objects.bulk_create(created)
        LoadedRecord.objects.bulk_update(changed, ["digest", "loaded"])

    def _sources(self) -> None:
        self.sources = {(s.title, s.url): s for s in Source.objects.all()}
        tally = self.report.tally("sources")
        wanted = {(s["title"].strip(), s.get("url") or "") for s in _all_sources(self.data)}
        for title, url in sorted(wanted):
            if (title, url) in self.sources:
                tally.unchanged += 1
            else:
                self.sources[title, url] = Source.objects.create(title=title, url=url)
                tally.created.append(title)

    def _source_list(self, records: list[Record]) -> list[Source]:
        return [self.sources[s["title"].strip(), s.get("url") or ""] for s in records]

    def _rows(
        self,
        kind: str,
        model: type[models.Model],
        key_field: str,
        values_by_key: dict[str, Record],
        sources: dict[str, list[Record]] | None = None,
        queryset: models.QuerySet | None = None,
        fixed: Record | None = None,
        labels: dict[Any, str] | None = None,
        relation: str = "sources",
    ) -> dict[Any, Any]:
        """Create or update one row per key; rows the file does not name are left alone.

        `sources` fills the many-to-many field named by `relation`.
        """
        queryset = model.objects.all() if queryset is None else queryset
        if sources is not None:
            queryset = queryset.prefetch_related(relation)
        existing = {getattr(row, key_field): row for row in queryset}
        tally = self.report.tally(kind)
        rows = {}
        for key, values in values_by_key.items():
            wanted_sources = self._source_list(sources[key]) if sources is not None else None
            label = labels[key] if labels else str(key)
            digest = _digest(values, wanted_sources)
            loaded = self.digests.get((kind, label))
            row = existing.get(key)
            if row is None:
                row = model.objects.create(**{key_field: key}, **(fixed or {}), **values)
                if wanted_sources is not None:
                    getattr(row, relation).set(wanted_sources)
                tally.created.append(label)
            elif loaded is not None and loaded.digest == digest:
                # The file says what it said last time: whatever differs was edited in admin, and stays.
                if _differs(row, values, wanted_sources, relation):
                    tally.kept_edits.append(label)
                else:
                    tally.unchanged += 1
            elif _update(row, values, wanted_sources, relation):
                tally.updated.append(label)
            else:
                tally.unchanged += 1
            if loaded is None or loaded.digest != digest:
                self.new_digests[kind, label] = digest
            rows[key] = row
        return rows

    def _drug_children(self, drug: Drug, record: Record, symptoms: dict[str, Symptom]) -> None:
        regimens = record.get("regimens") or []
        self._rows(
            "regimens",
            Regimen,
            "position",
            {position: _regimen_values(r) for position, r in enumerate(regimens, start=1)},
            sources={position: r["sources"] for position, r in enumerate(regimens, start=1)},
            queryset=Regimen.objects.filter(drug=drug),
            fixed={"drug": drug},
            labels={position: f"{drug.slug} #{position}" for position in range(1, len(regimens) + 1)},
        )
        effects = record.get("common_side_effects") or []
        self._rows(
            "common side effects",
            CommonSideEffect,
            "symptom_id",
            {
                symptoms[e["symptom"]].pk: {"note": (e.get("note") or "").strip(), "position": position}
                for position, e in enumerate(effects, start=1)
            },
            queryset=CommonSideEffect.objects.filter(drug=drug),
            fixed={"drug": drug},
            labels={symptoms[e["symptom"]].pk: f"{drug.slug} / {e['symptom']}" for e in effects},
        )

    def _rules(self, kind: str, model: type[WarningSign | AmountLimit], rules: dict[str, tuple[Record, list]]) -> None:
        self._rows(
            kind,
            model,
            "reference_key",
            {key: values for key, (values, _) in rules.items()},
            sources={key: sources for key, (_, sources) in rules.items()},
            queryset=model.objects.exclude(reference_key=""),
        )
        stale = model.objects.exclude(reference_key="").exclude(reference_key__in=rules)
        self.report.stale_rules += [f"{kind}: {key}" for key in stale.values_list("reference_key", flat=True)]


def _digest(values: Record, sources: list[Source] | None) -> str:
    """A fingerprint of what the file says about one record (its values and its sources)."""
    content = {"values": values, "sources": sorted(s.pk for s in sources) if sources is not None else None}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()


def _differs(row: models.Model, values: Record, sources: list[Source] | None, relation: str) -> bool:
    if any(getattr(row, name) != value for name, value in values.items()):
        return True
    return sources is not None and {s.pk for s in getattr(row, relation).all()} != {s.pk for s in sources}


def _update(row: models.Model, values: Record, sources: list[Source] | None, relation: str) -> bool:
    changed = [name for name, value in values.items() if getattr(row, name) != value]
    for name in changed:
        setattr(row, name, values[name])
    if changed:
        row.save()
    if sources is not None and {s.pk for s in getattr(row, relation).all()} != {s.pk for s in sources}:
        getattr(row, relation).set(sources)
        return True
    return bool(changed)


def _pick(record: Record, *names: str) -> Record:
    return {name: (record.get(name) or "").strip() for name in names}


def _joined(items: list[str] | None) -> str:
    return "\n".join(item.strip() for item in items or [])


def _drug_values(record: Record) -> Record:
    populations = record.get("special_populations") or {}
    return {
        **_pick(record, "generic_name", "drug_class", "class_group", "mechanism", "storage", "boxed_warning"),
        **{name: _joined(record.get(name)) for name in LIST_FIELDS},
        **{field: (populations.get(key) or "").strip() for key, field in POPULATIONS.items()},
        "other_populations": (populations.get("other") or "").strip(),
    }


def _summary_values(summary: Record) -> Record:
    return {field: summary[key].strip() for key, field in SUMMARY_FIELDS.items()}


def _regimen_values(record: Record) -> Record:
    schedule = record.get("schedule") or {}
    return {
        **_pick(record, "population", "indication", "product", "frequency", "duration_limits"),
        "schedule_times": schedule.get("times"),
        "schedule_kind": SCHEDULE_PER.get(schedule.get("per"), ""),
    }


def _all_sources(data: Record) -> Iterable[Record]:
    for drug in data["drugs"]:
        yield from drug["sources"]
        yield from (drug.get("summary") or {}).get("sources") or []
        for regimen in drug.get("regimens") or []:
            yield from regimen["sources"]
    for section in ("warning_signs", "amount_limits"):
        for rule in data[section]:
            yield from rule["sources"]
