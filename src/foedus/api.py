"""The HTTP API (FastAPI) and the web page it serves: ``foedus serve``.

A thin layer over :class:`foedus.kb.KnowledgeBase`: it validates requests, calls the Python
API, and maps foedus errors to HTTP statuses with a message a user can act on —

* unknown state or treaty in the path or query: 404 (with ``suggestions``);
* ambiguous state: 422 with ``candidates``; bad date, bad scenario, bad option: 422;
* a body over 64 KB: 413; the store missing or unreadable: 503.

Read-only by default. Write endpoints (``POST /api/store/rebuild``, deciding news proposals)
need a token, configured with ``create_app(token=...)`` or ``FOEDUS_TOKEN`` and sent as
``Authorization: Bearer <token>``; without a configured token they answer 503.

``GET /api/news/proposals`` lists the proposals ``foedus news ingest`` made (read-only);
``POST /api/news/proposals/{id}/apply`` and ``…/reject`` decide one, behind the same token.
"""

from __future__ import annotations

import datetime as dt
import hmac
import os
import threading
from pathlib import Path
from typing import Annotated, Any, Literal, Optional

from fastapi import Depends, FastAPI, Header, Query, Request
from fastapi import Path as PathParam
from fastapi.exceptions import RequestValidationError
from fastapi.responses import FileResponse, JSONResponse, PlainTextResponse, Response
from fastapi.staticfiles import StaticFiles
from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import __version__, config, views
from .dates import parse_day
from .errors import (
    AmbiguousStateError,
    DataNotFoundError,
    FoedusError,
    InvalidDateError,
    InvalidScenarioError,
    StoreError,
    UnknownStateError,
    UnknownTreatyError,
)

WEB_DIR = Path(__file__).parent / "web"
MAX_BODY = 64 * 1024  # bytes
MAX_ATTACKS = 50
MAX_LIST = 50
MAX_DRAWS = 2000
MAX_ROWS = 10_000
NAME = 200  # longest state or treaty reference accepted

# Content-Security-Policy of the page: everything comes from this server, nothing from a CDN.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")  # fmt: skip


# ---- response models -------------------------------------------------------------------------


class Candidate(BaseModel):
    ccode: int
    name: str
    years: str


class ErrorResponse(BaseModel):
    detail: str = Field(description="What went wrong and what to do about it.")
    suggestions: Optional[list[str]] = None
    candidates: Optional[list[Candidate]] = None
    errors: Optional[list[dict[str, Any]]] = None


class Info(BaseModel):
    name: str = "foedus"
    version: str
    built_at: Optional[str]
    atop_coverage_end: Optional[str]
    states: int
    treaties: int
    write_enabled: bool
    warnings: list[str]


class Resolved(BaseModel):
    ccode: int
    name: str
    years: str


class StateItem(Resolved):
    abb: str
    iso3: Optional[str]


class StateDetail(BaseModel):
    ccode: int
    name: str
    abb: str
    iso3: Optional[str]
    aliases: list[str]
    spells: list[dict[str, Any]]
    alliances: list[dict[str, Any]]


class Source(BaseModel):
    id: str
    publisher: Optional[str]
    title: Optional[str]
    date: Optional[str] = Field(description="publication date")
    accessed: Optional[str] = Field(None, description="the day an undated page was read")
    url: Optional[str]


class ObligationRow(BaseModel):
    direction: str
    obligor: int
    obligor_name: str
    beneficiary: int
    beneficiary_name: str
    obligation: str
    treaty_id: str
    atopid: Optional[int]
    phase: int
    treaty: str
    article: Optional[str]
    conditional: bool
    conditions: list[str]
    partner_specific: bool
    since: Optional[str]
    since_precision: Optional[str]
    since_basis: Optional[str]
    until: Optional[str]
    until_precision: Optional[str]
    until_basis: Optional[str]
    source: Optional[str]
    note: Optional[str]
    sources: list[Source]


class Obligations(BaseModel):
    state: Resolved
    partner: Optional[Resolved] = None
    on: str
    count: int
    rows: list[ObligationRow]


class TreatyItem(BaseModel):
    treaty_id: str
    label: str
    kind: Optional[str]
    atopid: Optional[int]
    signed: str
    ended: Optional[str]


class TreatyList(BaseModel):
    total: int
    offset: int
    limit: int
    items: list[TreatyItem]


class TreatyLink(BaseModel):
    treaty_id: str
    label: Optional[str]
    relation: str
    date: Optional[str]
    known: bool


class TreatyDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    treaty_id: str
    display_name: str
    other_names: list[str] = Field(default_factory=list, description="names in other languages, abbreviations")
    label: str
    kind: Optional[str]
    signed: str
    entered_into_force: Optional[str]
    ended: Optional[str]
    status_today: Optional[str] = Field(None, description="curated status of an ATOP alliance open at the end of 2018")
    status_note: Optional[str] = Field(None, description="the evidence behind status_today, in our words")
    obligations: list[str]
    predecessors: list[TreatyLink]
    successors: list[TreatyLink]
    sources: list[Source]
    phases: list[dict[str, Any]]
    members: list[dict[str, Any]]
    events: list[dict[str, Any]] = Field(
        default_factory=list,
        description="curated dated facts in order: signature, each party's ratification, entry into force, "
        "accessions, suspensions, withdrawals, end (date as recorded: day, month or year)",
    )


class LineageEntry(BaseModel):
    treaty_id: str
    treaty: str
    bilateral: bool
    from_: str = Field(alias="from")
    from_basis: Optional[str]
    until: Optional[str]
    until_basis: Optional[str]
    a_owes_b: list[str]
    b_owes_a: list[str]
    lineage: list[str]
    sources: list[Source]

    model_config = ConfigDict(populate_by_name=True)


class Lineage(BaseModel):
    a: Resolved
    b: Resolved
    entries: list[LineageEntry]


class GraphNode(BaseModel):
    ccode: int
    name: str
    side: Optional[Literal["attacker", "defender"]]
    round: Optional[int]
    attacker: bool
    target: bool
    conflict: Optional[str]


class GraphEdge(BaseModel):
    model_config = ConfigDict(populate_by_name=True)
    from_: int = Field(alias="from")
    to: int
    obligation: str
    round: int
    status: str
    treaty_id: Optional[str]
    treaty: Optional[str]
    article: Optional[str]
    joined: bool
    conditions: list[dict[str, Any]]
    sources: list[Source]


class Graph(BaseModel):
    day: str
    rounds: int
    nodes: list[GraphNode]
    edges: list[GraphEdge]
    not_drawn: dict[str, int]


class ScenarioResponse(BaseModel):
    report: dict[str, Any]
    graph: Graph
    counterfactual_graph: Optional[Graph] = None


class DyadYears(BaseModel):
    total: int
    offset: int
    limit: int
    columns: list[str]
    rows: list[dict[str, Any]]


class RebuildResult(BaseModel):
    skipped: bool
    seconds: float
    built_at: Optional[str]
    counts: dict[str, int]
    warnings: list[str]


# ---- request models --------------------------------------------------------------------------

Ref = Annotated[str, Field(min_length=1, max_length=NAME)]
Day = Annotated[str, Field(min_length=1, max_length=32, description="YYYY-MM-DD (or YYYY-MM, YYYY)")]


class AttackIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    attacker: Ref
    target: Ref
    on: Day


class CounterfactualIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    without_treaties: list[Ref] = Field(default_factory=list, max_length=MAX_LIST)
    without_states: list[Ref] = Field(default_factory=list, max_length=MAX_LIST)
    on: Optional[Day] = Field(None, description="The same scenario on another day.")


class MonteCarloIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    draws: int = Field(1000, ge=1, le=MAX_DRAWS)
    seed: int = Field(0, ge=0, le=2**32 - 1)
    rates: dict[Ref, float] = Field(default_factory=dict, max_length=MAX_LIST,
                                    description="Honor rate (0..1) per obligation type or treaty id.")
    undecided_rate: float = Field(0.5, ge=0, le=1)

    @field_validator("rates")
    @classmethod
    def _rates(cls, value: dict[str, float]) -> dict[str, float]:
        for key, rate in value.items():
            if not 0 <= rate <= 1:
                raise ValueError(f"rate for {key!r} must be between 0 and 1")
        return value


class ScenarioIn(BaseModel):
    """One attack (target, attacker, on) and/or a chain of attacks, with conditions and options."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={
        "examples": [{"target": "North Korea", "attacker": "South Korea", "on": "2025-01-01"}]})  # fmt: skip
    target: Optional[Ref] = None
    attacker: Optional[Ref] = None
    on: Optional[Day] = None
    attacks: list[AttackIn] = Field(default_factory=list, max_length=MAX_ATTACKS)
    location: Optional[Literal["home", "abroad", "at-sea"]] = None
    provoked_by: Optional[Ref] = None
    answers: dict[Ref, bool] = Field(default_factory=dict, max_length=100,
                                     description="Settle conditions: {'location': true, 'atop:3240/location': false}")
    escalation: Literal["direct", "chain"] = "direct"
    propagate_undecided: bool = False
    counterfactual: Optional[CounterfactualIn] = None
    monte_carlo: Optional[MonteCarloIn] = None


class ProposalSummary(BaseModel):
    id: int
    status: str
    created: str
    summary: str
    applicable: bool
    articles: int


class ProposalDetail(BaseModel):
    id: int
    status: str
    summary: str
    treaty_id: Optional[str] = None
    applicable: bool
    items: list[dict[str, Any]] = Field(description="Changes, conflicts and disputes, each with the articles behind it.")
    articles: Any = None
    diff: str = Field(description="The curated record before and after, as a unified diff.")
    decided_at: Optional[str] = None
    decided_by: Optional[str] = None
    note: Optional[str] = None


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    note: Optional[str] = Field(default=None, max_length=2000)


class DecisionResult(BaseModel):
    proposal: int
    decision: str
    by: str
    at: str
    file: Optional[str] = None


class RebuildIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    force: bool = False


# ---- errors ----------------------------------------------------------------------------------


class HTTPFoedusError(Exception):
    def __init__(self, status: int, body: dict, headers: dict | None = None):
        self.status, self.body, self.headers = status, body, headers


def _status(exc: FoedusError) -> int:
    if isinstance(exc, (UnknownStateError, UnknownTreatyError)):
        return 404
    if isinstance(exc, (StoreError, DataNotFoundError)):
        return 503
    return 422  # ambiguous state, state not in the system that day, bad date, bad scenario, bad option


def _body(exc: FoedusError) -> dict:
    body: dict[str, Any] = {"detail": str(exc)}
    if isinstance(exc, UnknownStateError) and exc.suggestions:
        body["suggestions"] = exc.suggestions
    if isinstance(exc, AmbiguousStateError):
        body["candidates"] = [{"ccode": c, "name": n, "years": y} for c, n, y in exc.candidates]
    return body


class _InBody:
    """References inside a request body that do not resolve are invalid input (422), not 'not found'."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if isinstance(exc, (UnknownStateError, UnknownTreatyError)):
            raise HTTPFoedusError(422, _body(exc)) from None
        return False


def _check_ref(value: str, what: str) -> str:
    text = value.strip()
    if text.isdigit() and not text.isascii():
        raise HTTPFoedusError(422, {"detail": f"{what} {value!r}: a COW code is written with the digits 0-9"})
    return value


def _day(value: str, what: str = "on") -> dt.date:
    try:
        return parse_day(value)
    except InvalidDateError as exc:
        raise HTTPFoedusError(422, {"detail": f"{what}: {exc}"}) from None


def _validation_message(errors: list[dict]) -> str:
    parts = []
    for e in errors:
        loc = ".".join(str(p) for p in e.get("loc", ()) if p not in ("body",)) or "request"
        parts.append(f"{loc}: {e.get('msg', 'invalid')}")
    return "invalid request: " + "; ".join(parts[:10])


ERRORS = {
    404: {"model": ErrorResponse, "description": "Unknown state or treaty."},
    422: {"model": ErrorResponse, "description": "Invalid input: ambiguous state, bad date, bad option."},
}


# ---- the application -------------------------------------------------------------------------


class _Store:
    """The knowledge base the app serves, swapped whole on rebuild."""

    def __init__(self, kb, data: Path | None, curated: Path | None):
        self.data, self.curated = data, curated
        self.lock = threading.Lock()  # scenario runs share the knowledge base's per-day edge cache
        self.write_lock = threading.Lock()
        self._con_lock = threading.Lock()
        self.set(kb)

    def set(self, kb) -> None:
        self.kb = kb
        self.cache = views.ObligationCache(kb)
        self._con = None

    def cursor(self):
        from . import tables

        with self._con_lock:
            if self._con is None:
                self._con = tables.connect(self.kb.db_path, self.data)
            return self._con.cursor()


class BodyLimit:
    """ASGI middleware: reject request bodies over ``limit`` bytes with 413 before any parsing."""

    def __init__(self, app, limit: int = MAX_BODY):
        self.app, self.limit = app, limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        for name, value in scope.get("headers", ()):
            if name == b"content-length":
                try:
                    too_big = int(value) > self.limit
                except ValueError:
                    too_big = False
                if too_big:
                    return await self._reject(send)
        chunks, size, more = [], 0, True
        while more and scope.get("method") in ("POST", "PUT", "PATCH"):
            message = await receive()
            if message["type"] != "http.request":
                break
            size += len(message.get("body", b""))
            if size > self.limit:
                return await self._reject(send)
            chunks.append(message.get("body", b""))
            more = message.get("more_body", False)
        if scope.get("method") not in ("POST", "PUT", "PATCH"):
            return await self.app(scope, receive, send)
        body, sent = b"".join(chunks), False

        async def replay():
            nonlocal sent
            if not sent:
                sent = True
                return {"type": "http.request", "body": body, "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    async def _reject(self, send):
        response = JSONResponse({"detail": f"request body too large: at most {self.limit // 1024} KB"}, status_code=413)
        await response({"type": "http"}, None, send)


def create_app(kb=None, *, db=None, data=None, token: str | None = None, curated=None):
    """The FastAPI app serving ``kb`` (or the store at ``db``, built from ``data`` if needed).

    ``token`` (default ``$FOEDUS_TOKEN``) enables the write endpoints."""
    if kb is None:
        import foedus

        kb = foedus.open(db, data, curated=curated)
    data_dir = Path(data) if data else (Path(kb.meta["data_dir"]) if kb.meta.get("data_dir") else config.data_dir())
    store = _Store(kb, data_dir, config.curated_dir(curated))
    secret = token if token is not None else os.environ.get("FOEDUS_TOKEN") or None

    app = FastAPI(
        title="foedus",
        version=__version__,
        description="Who is bound to come to whose aid, when, and why: alliance treaty obligations (ATOP 5.1 and "
        "a sourced curated layer) as of any day, treaty lineage, and attack scenarios with their cascade.",
        docs_url=None,  # the interactive docs load their scripts from a CDN; /openapi.json is served
        redoc_url=None,
    )
    app.state.store = store
    app.add_middleware(BodyLimit)

    @app.exception_handler(HTTPFoedusError)
    async def _http_foedus(request: Request, exc: HTTPFoedusError):
        return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)

    @app.exception_handler(FoedusError)
    async def _foedus(request: Request, exc: FoedusError):
        return JSONResponse(_body(exc), status_code=_status(exc))

    @app.exception_handler(RequestValidationError)
    async def _invalid(request: Request, exc: RequestValidationError):
        errors = [{k: v for k, v in e.items() if k in ("loc", "msg", "type")} for e in exc.errors()]
        return JSONResponse({"detail": _validation_message(errors), "errors": errors}, status_code=422)

    def require_token(authorization: Annotated[Optional[str], Header(max_length=1024)] = None) -> None:
        """Guard for write endpoints: 503 when no token is configured, 403 when it is missing or wrong."""
        if not secret:
            raise HTTPFoedusError(503, {"detail": "write endpoints are disabled: start the server with FOEDUS_TOKEN set"})
        scheme, _, given = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), secret.encode()):
            raise HTTPFoedusError(403, {"detail": "a valid token is required: send 'Authorization: Bearer <token>'"},
                                  {"WWW-Authenticate": "Bearer"})  # fmt: skip

    # ---- read endpoints ----

    @app.get("/api", response_model=Info, tags=["meta"])
    def info() -> dict:
        """Version, when the store was built, data coverage, whether writes are enabled."""
        kb = store.kb
        import json

        return {"version": __version__, "built_at": kb.meta.get("built_at"),
                "atop_coverage_end": kb.meta.get("atop_coverage_end"), "states": len(kb.state_table),
                "treaties": len(kb.treaties), "write_enabled": bool(secret),
                "warnings": json.loads(kb.meta.get("warnings") or "[]")}  # fmt: skip

    @app.get("/api/states", response_model=list[StateItem], responses=ERRORS, tags=["states"])
    def states(on: Annotated[Optional[Day], Query(description="Only states in the system on this day.")] = None) -> list:
        """Every state of the COW state system (or those that were members on ``on``)."""
        return views.state_list(store.kb, _day(on) if on else None)

    @app.get("/api/resolve", response_model=Resolved, responses=ERRORS, tags=["states"])
    def resolve(q: Annotated[Ref, Query(description='A name, alias, ISO3 or COW code: "DPRK", 731')],
                on: Annotated[Optional[Day], Query(description="Resolve as of this day.")] = None) -> dict:  # fmt: skip
        """What a name means: 404 with suggestions if unknown, 422 with candidates if ambiguous."""
        day = _day(on) if on else None
        return views.resolved(store.kb, store.kb.resolve(_check_ref(q, "state"), day), day)

    @app.get("/api/states/{ref}", response_model=StateDetail, responses=ERRORS, tags=["states"])
    def state(ref: Annotated[str, PathParam(max_length=NAME, description="A name, alias, ISO3 or COW code.")],
              on: Annotated[Optional[Day], Query(description="Resolve the name as of this day.")] = None) -> dict:  # fmt: skip
        """A state's membership spells in the state system and its alliance history."""
        return views.state_detail(store.kb, _check_ref(ref, "state"), _day(on) if on else None)

    @app.get("/api/obligations", response_model=Obligations, responses=ERRORS, tags=["obligations"])
    def obligations(state: Annotated[Ref, Query(description="The state asked about.")],
                    on: Annotated[Day, Query(description="The day, YYYY-MM-DD.")],
                    partner: Annotated[Optional[Ref], Query(description="Only obligations with this state.")] = None,
                    direction: Optional[Literal["owed to", "owed by"]] = None,
                    obligation: Optional[Literal["defense", "offense", "neutrality", "non-aggression", "consultation"]] = None,
                    ) -> Response:  # fmt: skip
        """Everything owed to ``state`` and owed by it on day ``on``, each row with its sources."""
        day = _day(on)
        kb = store.kb
        code = kb.resolve(_check_ref(state, "state"), day)
        other = kb.resolve(_check_ref(partner, "partner"), day) if partner else None
        # the answer is cached as the JSON sent (the Obligations model documents it; tests check it)
        return Response(store.cache.payload(code, day, other, direction, obligation), media_type="application/json")

    @app.get("/api/treaties", response_model=TreatyList, responses=ERRORS, tags=["treaties"])
    def treaties(q: Annotated[Optional[str], Query(max_length=NAME, description="Words in the id, name or label.")] = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 50,
                 offset: Annotated[int, Query(ge=0, le=100_000)] = 0) -> dict:  # fmt: skip
        """Treaties (ATOP alliances and curated records), oldest first, optionally searched."""
        return views.treaty_list(store.kb, q, limit, offset)

    @app.get("/api/treaties/{ref}", response_model=TreatyDetail, responses=ERRORS, tags=["treaties"])
    def treaty(ref: Annotated[str, PathParam(max_length=NAME)]) -> dict:
        """A treaty: names, dates, obligations, phases, members over time, predecessors and
        successors, and its sources. ``ref``: ATOP id (3180), store id (atop:3180), curated id
        (russia-dprk-2024) or name (NATO)."""
        return views.treaty_detail(store.kb, ref)

    @app.get("/api/lineage", response_model=Lineage, response_model_by_alias=True, responses=ERRORS, tags=["treaties"])
    def lineage(a: Ref, b: Ref, bilateral: bool = False) -> dict:
        """The treaty history of the pair (a, b): every treaty they shared, in order, with what
        each owed the other and how the treaties succeed one another."""
        return views.lineage_detail(store.kb, _check_ref(a, "a"), _check_ref(b, "b"), bilateral)

    @app.post("/api/scenario", response_model=ScenarioResponse, response_model_by_alias=True, responses=ERRORS,
              tags=["scenarios"])  # fmt: skip
    def scenario(req: ScenarioIn) -> Response:
        """Who is bound to act if a state is attacked: the cascade round by round, undecided
        conditions as questions, conflicts; optionally a counterfactual and a Monte Carlo run."""
        kb = store.kb
        for ref in (req.target, req.attacker, req.provoked_by, *[x for a in req.attacks for x in (a.attacker, a.target)]):
            if ref is not None:
                _check_ref(ref, "state")
        with _InBody(), store.lock:
            base = kb.make_scenario(req.target, req.attacker, req.on,
                                    attacks=[(a.attacker, a.target, a.on) for a in req.attacks],
                                    location=req.location, provoked_by=req.provoked_by, answers=req.answers,
                                    propagate_undecided=req.propagate_undecided, escalation=req.escalation)  # fmt: skip
            result, other, mc = kb.scenario(scenario=base), None, None
            if req.counterfactual is not None:
                cf = req.counterfactual
                changes: dict[str, Any] = {}
                if cf.without_treaties:
                    changes["without_treaties"] = cf.without_treaties
                if cf.without_states:
                    changes["without_states"] = [_check_ref(s, "state") for s in cf.without_states]
                if cf.on:
                    changes["on"] = cf.on
                if not changes:
                    raise InvalidScenarioError("a counterfactual needs without_treaties, without_states or on")
                other = kb.counterfactual(base, **changes)[1]
            if req.monte_carlo is not None:
                m = req.monte_carlo
                mc = kb.monte_carlo(base, draws=m.draws, seed=m.seed, rates=m.rates, undecided_rate=m.undecided_rate)
            payload = views.scenario_payload(kb, result, other, mc)
        # sent as built (the ScenarioResponse model documents it; tests check it): validating a
        # large cascade again would double the time it takes
        return Response(views.to_json_bytes(payload), media_type="application/json")

    @app.get("/api/dyad-years", response_model=DyadYears, responses=ERRORS, tags=["tables"])
    def dyad_years(
        start_year: Annotated[int, Query(ge=1816, le=2100)] = 1816,
        end_year: Annotated[Optional[int], Query(ge=1816, le=2100, description="Default: last complete year.")] = None,
        directed: bool = True,
        state1: Annotated[Optional[Ref], Query(description="Only dyads whose first state is this one.")] = None,
        state2: Annotated[Optional[Ref], Query(description="Only dyads whose second state is this one.")] = None,
        alliances: bool = Query(True, description="Add the ATOP alliance columns."),
        with_ids: bool = False,
        with_conditions: bool = False,
        with_treaties: bool = False,
        extend: Annotated[Optional[Literal["curated"]], Query(description="Fill years after 2018 from the curated layer.")] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_ROWS)] = 1000,
        offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
        format: Literal["json", "csv"] = "json",  # noqa: A002
    ):
        """COW dyad-years with ATOP alliance columns (peacesciencer's table), filtered and paged."""
        from . import render, tables

        kb = store.kb
        options = {"with_ids": with_ids, "with_conditions": with_conditions, "with_treaties": with_treaties}
        if extend:
            options["extend"] = extend
        if not alliances and any(options.values()):
            raise HTTPFoedusError(422, {"detail": "with_ids, with_conditions, with_treaties and extend need alliances=true"})
        if extend and not alliances:
            raise HTTPFoedusError(422, {"detail": "extend needs alliances=true"})
        c1 = kb.resolve(_check_ref(state1, "state1")) if state1 else None
        c2 = kb.resolve(_check_ref(state2, "state2")) if state2 else None
        if alliances and format == "csv":
            options["ids_as_text"] = True
        con = store.cursor()
        try:
            rel = tables.dyad_years(directed=directed, start_year=start_year, end_year=end_year,
                                    alliances="atop" if alliances else None, output="duckdb", con=con,
                                    **options)  # fmt: skip
            if c1 is not None:
                rel = rel.filter(f"ccode1 = {int(c1)}")
            if c2 is not None:
                rel = rel.filter(f"ccode2 = {int(c2)}")
            total = rel.aggregate("count(*)").fetchall()[0][0]
            page = rel.limit(limit, offset)
            if format == "csv":
                return PlainTextResponse(render.to_csv(page.df()), media_type="text/csv")
            columns = [str(c) for c in page.columns]
            rows = [{c: render._plain(v) for c, v in zip(columns, row)} for row in page.fetchall()]
        finally:
            con.close()
        return {"total": int(total), "offset": offset, "limit": limit, "columns": columns, "rows": rows}

    # ---- write endpoints ----

    @app.post("/api/store/rebuild", response_model=RebuildResult, dependencies=[Depends(require_token)],
              responses={403: {"model": ErrorResponse}, 503: {"model": ErrorResponse}, **ERRORS}, tags=["store"])  # fmt: skip
    def rebuild(req: Optional[RebuildIn] = None) -> dict:
        """Rebuild the store from the data directory and the curated layer (atomic: the old store
        serves until the new one is complete), then serve the new one. Needs the token."""
        import foedus
        from . import store as store_mod

        force = bool(req and req.force)
        if not store.write_lock.acquire(blocking=False):
            raise HTTPFoedusError(409, {"detail": "a rebuild is already running"})
        try:
            report = store_mod.build(store.data, store.kb.db_path, force=force, curated_dir=store.curated)
            if not report.skipped:
                store.set(foedus.open(store.kb.db_path, build=False))
        finally:
            store.write_lock.release()
        return {"skipped": report.skipped, "seconds": report.seconds, "built_at": store.kb.meta.get("built_at"),
                "counts": {k: int(v) for k, v in report.counts.items()}, "warnings": list(report.warnings)}  # fmt: skip

    # ---- news proposals (read-only listing; decisions need the token) ----

    def news_con(write: bool):
        import duckdb

        from .news import proposals

        path = proposals.news_db_path(store.kb.db_path)
        if write:
            return proposals.connect(path)
        if not path.exists():
            return None
        return duckdb.connect(str(path), read_only=True)

    def proposal_or_404(con, pid: int) -> dict:
        from .news import proposals

        if con is None or con.execute("SELECT count(*) FROM proposals WHERE proposal_id = ?", [pid]).fetchone()[0] == 0:
            raise HTTPFoedusError(404, {"detail": f"no proposal {pid}; GET /api/news/proposals lists them"})
        return proposals.load(con, pid)

    @app.get("/api/news/proposals", response_model=list[ProposalSummary], responses=ERRORS, tags=["news"])
    def news_proposals(status: Annotated[Optional[Literal["pending", "applied", "rejected"]], Query()] = None) -> list:
        """Proposed knowledge-base changes made by `foedus news ingest` (newest last)."""
        from .news import proposals

        con = news_con(write=False)
        if con is None:
            return []
        try:
            return [{**r, "applicable": bool(r["applicable"])} for r in proposals.listing(con, status)]
        finally:
            con.close()

    @app.get("/api/news/proposals/{pid}", response_model=ProposalDetail, responses=ERRORS, tags=["news"])
    def news_proposal(pid: Annotated[int, PathParam(ge=1, le=10**9)]) -> dict:
        """One proposal: its items (with articles and attributions) and the diff it would make."""
        import difflib

        con = news_con(write=False)
        try:
            rec = proposal_or_404(con, pid)
        finally:
            if con is not None:
                con.close()
        diff = "".join(difflib.unified_diff((rec.get("before_toml") or "").splitlines(keepends=True),
                                            (rec.get("after_toml") or "").splitlines(keepends=True),
                                            "before", "after"))  # fmt: skip
        return {"id": pid, "status": rec["status"], "summary": rec["summary"], "treaty_id": rec.get("treaty_id"),
                "applicable": bool(rec["applicable"]), "items": rec["items"] or [], "articles": rec["articles"],
                "diff": diff, "decided_at": None if rec.get("decided_at") is None else str(rec["decided_at"]),
                "decided_by": rec.get("decided_by"), "note": rec.get("note")}  # fmt: skip

    def decide(pid: int, decision: str, req: Optional[DecisionIn]) -> dict:
        from .news import proposals

        con = news_con(write=True)
        try:
            proposal_or_404(con, pid)
            try:
                if decision == "applied":
                    out = proposals.apply(con, pid, proposals.user_curated_dir(store.curated), req and req.note, who="api")
                else:
                    out = proposals.reject(con, pid, req and req.note, who="api")
            except proposals.ProposalError as exc:
                raise HTTPFoedusError(409, {"detail": str(exc)}) from None
        finally:
            con.close()
        return {"proposal": pid, "decision": decision, "by": out["by"], "at": str(out["at"]), "file": out.get("file")}

    @app.post("/api/news/proposals/{pid}/apply", response_model=DecisionResult, dependencies=[Depends(require_token)],
              responses={403: {"model": ErrorResponse}, 409: {"model": ErrorResponse}, 503: {"model": ErrorResponse}, **ERRORS},
              tags=["news"])  # fmt: skip
    def news_apply(pid: Annotated[int, PathParam(ge=1, le=10**9)], req: Optional[DecisionIn] = None) -> dict:
        """Apply a proposal: write its curated record (transactional, recorded). Rebuild the store
        with that curated directory to serve it. Needs the token."""
        return decide(pid, "applied", req)

    @app.post("/api/news/proposals/{pid}/reject", response_model=DecisionResult, dependencies=[Depends(require_token)],
              responses={403: {"model": ErrorResponse}, 409: {"model": ErrorResponse}, 503: {"model": ErrorResponse}, **ERRORS},
              tags=["news"])  # fmt: skip
    def news_reject(pid: Annotated[int, PathParam(ge=1, le=10**9)], req: Optional[DecisionIn] = None) -> dict:
        """Record that a proposal is rejected (nothing else changes). Needs the token."""
        return decide(pid, "rejected", req)

    # ---- the page ----

    page_headers = {"Content-Security-Policy": CSP, "X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}

    @app.get("/", include_in_schema=False)
    def index() -> Response:
        return FileResponse(WEB_DIR / "index.html", media_type="text/html", headers=page_headers)

    app.mount("/static", StaticFiles(directory=WEB_DIR), name="static")
    return app


def app_from_env():
    """Factory for ``uvicorn --factory foedus.api:app_from_env`` (several workers): the store
    from ``FOEDUS_DB``/``FOEDUS_DATA``, never built here (``foedus build`` first)."""
    import foedus

    return create_app(foedus.open(build=False) if config.db_path().exists() else None)
