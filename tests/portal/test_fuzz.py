"""Hostile input never gives a 5xx (issue 18): every URL of the urlconf, fuzzed as every kind of visitor.

The routes are found by walking the resolver (tests/portal/fuzz.py), so a page added later is fuzzed
too. Each route is requested with real objects' ids in its path, then with ids and codes out of range or
malformed; with hostile query parameters (every name the apps read, found in their source and in the
pages' own forms); with empty and garbage POST bodies under a valid CSRF token; and every form a page
offers is posted as it stands, with each field made hostile, and, when it takes a file, with each of the
hostile files (XLSX billion laughs and external entity, a huge cell, 300,000 rows, a zip bomb, corrupt
CSV, non-image "images", corrupt PDF, an oversize upload).

Visitors: anonymous, the villager at an armed terminal, a cadre, a moderator, an operator, a township
administrator and the superuser (the Django admin). Every 5xx, and every answer slower than
HANG_SECONDS, is collected and reported together with its URL and input. The choices are seeded:
FUZZ_SEED=<n> reproduces a run (the failure message names the seed).

Nothing is skipped: every route of the urlconf is requested (the test asserts that each was).
"""

import datetime
import itertools
import json
import logging
import os
import random
import signal
import time
import traceback
import zlib
from collections import Counter
from dataclasses import dataclass, field

import pytest
from axes.models import AccessAttempt
from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.http import HttpResponse
from django.test import Client
from django.urls import Resolver404, resolve
from django.utils import timezone

from meetings.models import Attachment, Commitment, Meeting, Question, WorkReport
from meetings.questions import services as questions
from meetings.reports import services as reports
from portal.models import Cadre, RoleAssignment
from ratings.ballot.terminals import TERMINAL_COOKIE
from ratings.models import HonorCandidate, Objection, PaperDecision, PaperPage, ResultSnapshot, Terminal
from ratings.paper import services as paper_services
from ratings.results import services as results
from tests.factories import CadreFactory
from tests.portal import fuzz
from tests.ratings.paper.marked import marked_page, paper_world
from tests.worlds import build_kiosk_world, make_meeting, make_report, published_world

SEED = int(os.environ.get("FUZZ_SEED", "18"))
HANG_SECONDS = 10
MIN_REQUESTS = 10_000
CSRF_SECRET = "fuzzfuzzfuzzfuzzfuzzfuzzfuzzfuzz"  # 32 characters: a valid unmasked CSRF token
TINY_PNG = fuzz.png(1, 1, zlib.compress(b"\x00" * 4))  # one black pixel
CANDIDATES_PER_ROUTE = 28  # real values tried on a route of parameters
LIVE_PER_ROUTE = 3  # of which each visitor requests
FIELDS_PER_FORM = 4  # made hostile one at a time


@dataclass
class FuzzWorld:
    """Objects in every state a page shows: a vote published and under notice (with an objection and
    an honor roll), a vote open with an armed terminal, announced meetings with reports in each status,
    an attachment, questions and a commitment with progress, a draft meeting and a login lockout."""

    ids_by_model: dict[str, list[int]]
    pools: dict[str, list[str]]  # real values by parameter name
    coherent: list[dict[str, str]]  # real values for routes of several parameters
    terminal_token: str


def build_fuzz_world(county) -> FuzzWorld:
    operator = county.operator
    _published, snapshot = published_world(
        county, ["satisfied"] * 4 + ["dissatisfied"] * 2, nominations=[[0], [0, 1], [1]], year=2023
    )
    results.objection_lodge(snapshot=snapshot, text="The count is wrong.", sender_address="10.0.0.1")
    kiosk = build_kiosk_world(county, year=2025, phones_allowed=True, codes=2)
    own = CadreFactory(village=county.village, name="Own Cadre", user=county.cadre)
    other = CadreFactory(village=county.village, name="Other Cadre")
    announced = make_meeting(county.village, [own, other], year=2026)
    make_meeting(county.neighbour, [CadreFactory(village=county.neighbour)], year=2026)
    make_meeting(county.elsewhere, [CadreFactory(village=county.elsewhere)], year=2026)
    make_meeting(county.village, [own], year=2027, status=Meeting.Status.DRAFT)
    draft = make_report(announced, own)
    reports.attachment_add(report=draft, by=county.cadre, name="photo.png", content=TINY_PNG)
    make_report(announced, other, status=WorkReport.Status.SUBMITTED)
    make_report(kiosk.meeting, own, status=WorkReport.Status.PUBLISHED)
    asked = questions.question_record_at_meeting(
        meeting=announced, text="When is the road fixed?", cadre=own, by=operator
    )
    questions.question_approve(question=asked, by=county.moderator)
    questions.question_ask_online(meeting=announced, text="And the water?", sender_address="10.0.0.2")
    promise = questions.commitment_create(
        meeting=announced,
        owner=own,
        title="Fix the road",
        due_date=timezone.localdate() + datetime.timedelta(days=30),
        by=county.moderator,
    )
    questions.commitment_update_add(commitment=promise, text="Gravel bought.", by=county.cadre)
    AccessAttempt.objects.create(
        username="operator1", ip_address="10.0.0.3", user_agent="fuzz", failures_since_start=9
    )
    paper = paper_count_world(county)

    models = [
        Meeting,
        WorkReport,
        Attachment,
        Question,
        Commitment,
        Cadre,
        ResultSnapshot,
        Objection,
        HonorCandidate,
        Terminal,
        RoleAssignment,
        AccessAttempt,
        type(county.township),
        type(county.superuser),
    ]
    ids_by_model = {
        model.__name__: list(model.objects.order_by("-pk").values_list("pk", flat=True)[:2])
        for model in models
    }
    some_ids = sorted({str(pk) for pks in ids_by_model.values() for pk in pks}, key=int)
    codes = [county.village.code, county.neighbour.code, county.township.code, county.elsewhere.code]
    terminals = list(Terminal.objects.values_list("meeting_id", "pk"))
    return FuzzWorld(
        ids_by_model=ids_by_model,
        pools={
            "ids": some_ids,
            "code": codes,
            "terminal": [str(pk) for _, pk in terminals],
            "meeting_pk": [str(pk) for pk in Meeting.objects.values_list("pk", flat=True)],
            "content_type_id": [str(ContentType.objects.get_for_model(Meeting).pk)],
            "url": ["", "portal/", "nothing-here/"],
            "app_label": ["auth", "portal", "ratings"],
            **{name: [str(value)] for name, value in paper.objects},
        },
        coherent=[{"pk": str(meeting), "terminal": str(terminal)} for meeting, terminal in terminals]
        + [{"pk": str(paper.meeting.pk), name: str(value)} for name, value in paper.objects],
        terminal_token=kiosk.token,
    )


@dataclass
class PaperCount:
    meeting: Meeting
    objects: list[tuple[str, object]]  # (URL parameter, a real value)


def paper_count_world(county) -> PaperCount:
    """A paper count under way: a print run, a scanned page with a line for two people, and a page
    whose code would not read."""
    paper = paper_world(county, paper_voters=2, sheets=3, year=2022)
    paper.close_voting()
    first, second = paper.sheet_ids()[:2]
    paper_services.paper_upload(
        meeting=paper.meeting,
        files=[
            ("a.png", marked_page(paper.meeting, first, ["over"] + [0] * 9, written=(1,))),
            ("b.png", marked_page(paper.meeting, second, [1] * 10, hide_code=True)),
        ],
        by=county.operator,
    )
    unreadable = PaperPage.objects.get(meeting=paper.meeting, sheet=None)
    return PaperCount(
        paper.meeting,
        [
            ("run", paper.run.pk),
            ("page", unreadable.pk),
            ("decision", PaperDecision.objects.get(sheet__meeting=paper.meeting).pk),
        ],
    )


@dataclass
class Failure:
    account: str
    method: str
    path: str
    sent: str
    status: int
    error: str

    def line(self) -> str:
        return f"{self.status} {self.account} {self.method} {self.path} [{self.sent}] {self.error}"


class _RollBack(Exception):
    pass


class Hang(BaseException):
    """Raised in a request that runs past HANG_SECONDS; a BaseException, so that no handler on the way
    (Django's turns exceptions into a 500 page) takes it for an ordinary error."""


def _interrupt(signum, frame):
    raise Hang


@pytest.fixture
def watchdog():
    previous = signal.signal(signal.SIGALRM, _interrupt)
    yield
    signal.setitimer(signal.ITIMER_REAL, 0)
    signal.signal(signal.SIGALRM, previous)


def admin_model(route: fuzz.Route):
    """The model an admin page is about, by the admin's own naming of its URLs (app_model_action)."""
    for model in admin.site._registry:
        if route.name.startswith(f"admin:{model._meta.app_label}_{model._meta.model_name}_"):
            return model
    return None


@dataclass
class Fuzzer:
    world: FuzzWorld
    rng: random.Random
    sent: int = 0
    failures: list[Failure] = field(default_factory=list)
    requested: set[str] = field(default_factory=set)  # the routes requested with real values
    by_status: Counter = field(default_factory=Counter)
    live: dict[str, list[dict[str, str]]] = field(default_factory=dict)  # real values each route answers
    slowest: list[tuple[float, str]] = field(default_factory=list)

    # --- values --------------------------------------------------------------------------------------

    def real_values(self, name: str, kind: str) -> list[str]:
        if kind.startswith("regex:") and "|" in kind:
            return kind.removeprefix("regex:").split("|")
        return self.world.pools.get(name) or self.world.pools["ids"]

    def candidates(self, route: fuzz.Route) -> list[dict[str, str]]:
        """Real values for the route's parameters: the pairs that belong together, and a seeded sample
        of every combination of the real values of each."""
        names = [name for name, _ in route.params]
        pools = [self.real_values(name, kind) for name, kind in route.params]
        everything = [dict(zip(names, values, strict=True)) for values in itertools.product(*pools)]
        if len(everything) > CANDIDATES_PER_ROUTE:
            everything = self.rng.sample(everything, CANDIDATES_PER_ROUTE)
        return [combo for combo in self.world.coherent if set(combo) == set(names)] + everything

    def discover(self, client, routes: list[fuzz.Route]) -> None:
        """As the superuser, who may see every page: which real values each route shows a page for.

        An admin page's object is of the model its URL names. Elsewhere each candidate is tried; a route
        that shows none (a page only for posts, or only at a terminal) keeps a seeded few of them.
        """
        for route in routes:
            if not route.params:
                self.live[route.name] = [{}]
                continue
            model = admin_model(route)
            if model is not None:
                # Its most recent row: the admin's pages are heavy, and one row shows every field.
                pk = str(model.objects.order_by("-pk").values_list("pk", flat=True).first() or 1)
                self.live[route.name] = [dict.fromkeys(dict(route.params), pk)]
                continue
            candidates = self.candidates(route)
            shown = []
            for combo in candidates:
                if self.send(client, "superuser", "get", route.fill(combo)).status_code == 200:
                    shown.append(combo)
            self.requested.add(route.name)
            self.live[route.name] = shown[:LIVE_PER_ROUTE] or self.rng.sample(
                candidates, min(LIVE_PER_ROUTE, len(candidates))
            )

    def hostile_paths(self, route: fuzz.Route, real: dict[str, str]) -> list[str]:
        paths = []
        for name, kind in route.params:
            pool = fuzz.HOSTILE_INTEGERS if kind in ("id", "int") else fuzz.HOSTILE_VALUES
            for value in [*self.rng.sample(pool, 4), fuzz.TOO_BIG]:
                paths.append(route.fill(real | {name: value or "x"}))  # an empty segment is another route
        return paths

    def hostile_query(self, names=None) -> dict[str, str]:
        names = list(names or fuzz.query_names())
        chosen = self.rng.sample(names, min(len(names), self.rng.randint(1, 3)))
        return {name: self.rng.choice(fuzz.HOSTILE_VALUES + self.world.pools["ids"]) for name in chosen}

    def garbage_form(self) -> dict[str, str]:
        form = self.hostile_query()
        form[self.rng.choice(["text", "reason", "comment", "code", "grades", "answer"])] = self.rng.choice(
            fuzz.HOSTILE_MARKDOWN
        )
        return form

    # --- requests ------------------------------------------------------------------------------------

    def send(self, client, account: str, method: str, path: str, *, sent: str = "", **options):
        options.setdefault("HTTP_ACCEPT_LANGUAGE", self.rng.choice(fuzz.ACCEPT_LANGUAGES))
        if method == "post":
            client.cookies["csrftoken"] = CSRF_SECRET
            options.setdefault("HTTP_X_CSRFTOKEN", CSRF_SECRET)
        started = time.monotonic()
        # A savepoint per request: a request that breaks the transaction (PostgreSQL then refuses every
        # later statement) is rolled back alone, so that the next one is judged on its own. A request
        # still running after HANG_SECONDS is interrupted (Hang) and reported as a hang.
        signal.setitimer(signal.ITIMER_REAL, HANG_SECONDS)
        try:
            with transaction.atomic():
                response = getattr(client, method)(path, **options)
                if response.status_code >= 500:
                    raise _RollBack
        except _RollBack:
            pass
        except Hang:
            response = HttpResponse(status=504)
            response.exc_info = (Hang, Hang(traceback.format_exc(limit=-8)), None)
        finally:
            signal.setitimer(signal.ITIMER_REAL, 0)
        elapsed = time.monotonic() - started
        self.sent += 1
        self.by_status[response.status_code // 100 * 100] += 1
        what = f"{account} {method} {path[:80]} [{sent[:60]}]"
        self.slowest = sorted([*self.slowest, (elapsed, what)])[-10:]
        if response.status_code >= 500 or elapsed > HANG_SECONDS:
            error = ""
            if getattr(response, "exc_info", None):
                error = f"{response.exc_info[0].__name__}: {str(response.exc_info[1])[-1500:]}"
            if elapsed > HANG_SECONDS:
                error += f" took {elapsed:.1f} s"
            self.failures.append(
                Failure(account, method.upper(), path, sent[:300], response.status_code, error)
            )
        return response

    def post(self, client, account, path, data, **options):
        sent = options.pop("sent", None) or json.dumps(data, ensure_ascii=False)
        return self.send(client, account, "post", path, data=data, sent=sent, **options)


# --- the visitors --------------------------------------------------------------------------------------


class Visitor:
    """A client that stays who it is: logged in again (or its terminal cookie set again) when a post
    logged it out (logout, arming a terminal, a password changed in the admin)."""

    def __init__(self, name: str, become):
        self.name, self.become = name, become
        self.client = Client(enforce_csrf_checks=True, raise_request_exception=False)
        become(self.client)
        self.identity = self._cookies()

    def _cookies(self) -> dict[str, str]:
        return {name: morsel.value for name, morsel in self.client.cookies.items() if name != "csrftoken"}

    def ready(self):
        if any(
            self.client.cookies.get(name) is None or self.client.cookies[name].value != value
            for name, value in self.identity.items()
        ):
            self.client.cookies.clear()
            self.become(self.client)
            self.identity = self._cookies()
        return self.client


def visitors(county, world: FuzzWorld) -> list[Visitor]:
    """The operator, the township administrator and the superuser come last: their garbage posts may
    close the vote or disarm the terminal the villager uses."""

    def login(user):
        return lambda client: client.force_login(user)

    def at_terminal(client):
        client.cookies[TERMINAL_COOKIE] = world.terminal_token

    return [
        Visitor("anonymous", lambda client: None),
        Visitor("villager-at-terminal", at_terminal),
        Visitor("cadre", login(county.cadre)),
        Visitor("moderator", login(county.moderator)),
        Visitor("operator", login(county.operator)),
        Visitor("township-admin", login(county.township_admin)),
        Visitor("superuser", login(county.superuser)),
    ]


RAW_BODIES = [
    ("application/json", '{"grades": [[[[' * 50),
    ("text/plain", "\x00\xff" * 100),
    ("multipart/form-data; boundary=x", '--x\r\nContent-Disposition: form-data; name="file"\r\n\r\n'),
    ("multipart/form-data", "no boundary"),
    ("application/x-www-form-urlencoded", "a=%ZZ&&&=" + "&b=1" * 3000),
]


def fuzz_as(fuzzer: Fuzzer, visitor: Visitor, routes: list[fuzz.Route]) -> None:
    """Every route with its real values, a hostile query, garbage posts and hostile path values; then
    every form the visitor was shown."""
    rng, account = fuzzer.rng, visitor.name
    forms: dict[tuple, fuzz.Form] = {}
    for route in routes:
        live = fuzzer.live[route.name]
        for combo in live:
            path = route.fill(combo)
            response = fuzzer.send(visitor.ready(), account, "get", path)
            if response.status_code == 200 and "html" in response.get("Content-Type", ""):
                for form in fuzz.forms_of(response.content.decode(errors="replace"), path):
                    forms.setdefault(form_kind(form), form)
        fuzzer.requested.add(route.name)
        path = route.fill(rng.choice(live))
        query = fuzzer.hostile_query()
        fuzzer.send(
            visitor.ready(), account, "get", path, data=query, sent=json.dumps(query, ensure_ascii=False)
        )
        fuzzer.post(visitor.ready(), account, path, fuzzer.garbage_form())
        fuzzer.post(visitor.ready(), account, path, {}, sent="empty form")
        content_type, body = rng.choice(RAW_BODIES)
        fuzzer.post(
            visitor.ready(),
            account,
            path,
            body,
            content_type=content_type,
            sent=f"{content_type}: {body[:40]!r}",
        )
        for hostile in fuzzer.hostile_paths(route, rng.choice(live)):
            fuzzer.send(visitor.ready(), account, "get", hostile)
    for form in forms.values():
        fuzz_form(fuzzer, visitor, form)


def form_kind(form: fuzz.Form) -> tuple:
    """The same form on another object's page (a meeting's, a village's) is fuzzed once per visitor."""
    try:
        action = resolve(form.action).route
    except Resolver404:
        action = form.action
    return (action, form.method, tuple(name for name, *_ in form.fields))


def fuzz_form(fuzzer: Fuzzer, visitor: Visitor, form: fuzz.Form) -> None:
    """The form as the visitor was shown it, then fields made hostile, then each hostile file."""
    method = "post" if form.method == "post" else "get"
    defaults = form.defaults()
    variants = [("as offered", defaults)]
    fields = [item for item in form.fields if item[1] != "file"]
    for name, kind, _value, _options in fuzzer.rng.sample(fields, min(len(fields), FIELDS_PER_FORM)):
        if kind != "file":
            pool = fuzz.HOSTILE_MARKDOWN if kind == "textarea" else fuzz.HOSTILE_VALUES
            value = fuzzer.rng.choice(pool)
            variants.append((f"{name}={value[:60]!r}", defaults | {name: value}))
    for sent, data in variants:
        fuzzer.send(
            visitor.ready(), visitor.name, method, form.action, data=data, sent=f"{method} form: {sent}"
        )
    for name, kind, _value, _options in form.fields:
        if kind == "file":
            for hostile in fuzz.hostile_files():
                upload = SimpleUploadedFile(
                    hostile.filename, hostile.content, content_type=hostile.content_type
                )
                fuzzer.post(
                    visitor.ready(),
                    visitor.name,
                    form.action,
                    defaults | {name: upload},
                    sent=f"file {name}={hostile.name}",
                )


@pytest.fixture
def quiet_request_log():
    """Thousands of 4xx answers are expected: their log lines are dropped (a 5xx is reported with its
    exception by the test itself)."""
    loggers = [logging.getLogger(name) for name in ("django.request", "django.security", "axes")]
    levels = [logger.level for logger in loggers]
    for logger in loggers:
        logger.setLevel(logging.CRITICAL)
    yield
    for logger, level in zip(loggers, levels, strict=True):
        logger.setLevel(level)


@pytest.mark.django_db
def test_no_input_to_any_url_gives_a_server_error(county, settings, tmp_path, quiet_request_log, watchdog):
    settings.MEDIA_ROOT = tmp_path / "media"
    world = build_fuzz_world(county)
    routes = fuzz.routes()
    fuzzer = Fuzzer(world=world, rng=random.Random(SEED))
    started = time.monotonic()
    every = visitors(county, world)
    fuzzer.discover(every[-1].ready(), routes)
    timings = {"discovery": (fuzzer.sent, time.monotonic() - started)}
    for visitor in every:
        before, began = fuzzer.sent, time.monotonic()
        fuzz_as(fuzzer, visitor, routes)
        timings[visitor.name] = (fuzzer.sent - before, time.monotonic() - began)
    elapsed = time.monotonic() - started
    print(f"fuzz: {fuzzer.sent} requests in {elapsed:.1f} s, seed {SEED}, by status {dict(fuzzer.by_status)}")
    print("fuzz: slowest", *(f"{seconds:.2f} s {what}" for seconds, what in fuzzer.slowest), sep="\n  ")
    print("fuzz:", {name: f"{count} in {seconds:.1f} s" for name, (count, seconds) in timings.items()})
    assert {route.name for route in routes} == fuzzer.requested
    assert fuzzer.sent >= MIN_REQUESTS
    assert not fuzzer.failures, f"{len(fuzzer.failures)} failures (FUZZ_SEED={SEED}):\n" + "\n".join(
        failure.line() for failure in fuzzer.failures[:300]
    )
