"""Scenarios: who is bound to act when a state is attacked — conditions, cascades, conflicts.

A scenario is one or more attacks (attacker, target, day), optionally where the fighting is
and who provoked it. Every obligation in force on the scenario's day whose beneficiary is at
war is evaluated; each condition is *met*, *unmet* or *undecided* (with the question that would
settle it). Undecided conditions are never dropped and never assumed: the obligation is
listed as "undecided" and does not drive the cascade unless answered (``answers``) or the
caller asks to propagate undecided obligations.

Cascade rules (rounds):

1. The attacks given are round 0 ("the chain as declared": several attacks may be given). The
   first attack names the two sides — the attacking side and the defending side; every other
   attack puts its attacker and target on opposite sides. An attacker *initiated* fighting.
2. Defense pledges owed to a state under attack bind the obligor to join its side. Offense
   pledges owed to an initiator bind the obligor to join the initiator's side.
3. (``escalation="chain"`` only.) A state that joins the side of an attacked ally is treated as
   attacked by that ally's adversaries, so defense pledges owed to it trigger in the next
   round, with "did not provoke" met. The default, ``"direct"``, does not: joining a war to
   defend an ally is not being attacked, and only attacks trigger defense pledges.
4. A state that joins the initiators' side is itself an initiator against the states it
   fights: they count as attacked by it (their allies' defense pledges trigger).
5. Neutrality owed to a belligerent binds the obligor not to join the side against it;
   non-aggression owed to a state binds the obligor not to fight it — unless that state started
   the war (fighting an aggressor is defence, not aggression). A state bound to join a side it
   has also promised not to act against — or bound to both sides — is a *conflict of
   obligation*: it is listed, and the cascade does not move it to either side.
6. The attack itself is checked against non-aggression pledges the attacker owed its target.
7. Rounds repeat until no state joins (or ``max_rounds``).

Pure: works on :class:`ObligationEdge` lists; no I/O.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field, replace
from typing import Iterable, Mapping, NamedTuple

import pandas as pd

from ..vocab import CONDITION_WORDS, OTHER_CONDITION
from .obligations import Tables, pairs_on

LOCATIONS = ("home", "abroad", "at-sea")  # on the attacked state's territory, elsewhere on land, at sea
MET, UNMET, UNDECIDED = "met", "unmet", "undecided"
INFORMATIONAL = {"un-charter-article-51", "constitutional-processes", "context"}  # how, not whether


class ObligationEdge(NamedTuple):
    obligor: int
    beneficiary: int
    obligation: str
    treaty_id: str
    treaty: str
    article: str | None
    flags: frozenset[str]  # ATOP condition kinds that apply: adversary, location, ...
    threats: tuple[int, ...]  # named threat states (statthr1/2)
    extra: tuple[tuple[str, str], ...]  # curated (kind, text) conditions


@dataclass(frozen=True)
class Attack:
    attacker: int
    target: int
    day: dt.date


@dataclass(frozen=True)
class Scenario:
    attacks: tuple[Attack, ...]
    location: str | None = None
    provoked_by: int | None = None
    answers: Mapping[str, bool] = field(default_factory=dict)
    without_treaties: frozenset[str] = frozenset()
    without_states: frozenset[int] = frozenset()
    propagate_undecided: bool = False
    escalation: str = "direct"  # or "chain" (rule 3)
    max_rounds: int = 12

    def __post_init__(self):
        if self.escalation not in ("direct", "chain"):
            raise ValueError("escalation must be 'direct' or 'chain'")
        if not self.attacks:
            raise ValueError("a scenario needs at least one attack")
        if self.location is not None and self.location not in LOCATIONS:
            raise ValueError(f"location must be one of {', '.join(LOCATIONS)}")
        for a in self.attacks:
            if a.attacker == a.target:
                raise ValueError("a state cannot attack itself")

    @property
    def day(self) -> dt.date:
        """Obligations are taken as in force on the day of the first attack."""
        return min(a.day for a in self.attacks)


@dataclass(frozen=True)
class ConditionCheck:
    key: str  # the answer key that settles it, e.g. "atop:3240/location"
    text: str
    status: str
    question: str | None = None


@dataclass(frozen=True)
class Activation:
    round: int
    state: int
    obligation: str
    beneficiary: int
    side_of: int  # the belligerent whose side the obligation points to (or protects)
    adversaries: tuple[int, ...]
    treaty_id: str
    treaty: str
    article: str | None
    status: str  # bound | undecided | unmet
    checks: tuple[ConditionCheck, ...]
    effect: str  # "joins", "stays neutral toward", "must not attack", "must consult"

    @property
    def questions(self) -> list[str]:
        return [c.question for c in self.checks if c.status == UNDECIDED and c.question]


@dataclass
class ScenarioResult:
    scenario: Scenario
    sides: dict[int, str]  # ccode -> "attacker" | "defender"
    joined_in: dict[int, int]  # ccode -> round
    activations: list[Activation]
    conflicts: list[tuple[int, str]]
    violations: list[Activation]
    rounds: int

    def side(self, label: str) -> list[int]:
        return sorted(c for c, s in self.sides.items() if s == label)

    def bound(self) -> list[Activation]:
        return [a for a in self.activations if a.status == "bound"]

    def undecided(self) -> list[Activation]:
        return [a for a in self.activations if a.status == "undecided"]


# ---- edges ---------------------------------------------------------------------------------------


def edges_on(t: Tables, day: dt.date) -> list[ObligationEdge]:
    """Every directed obligation in force on ``day`` as light records (computed once per day)."""
    pairs = pairs_on(t, day)
    flag_cols = [f"cond_{k}" for k in CONDITION_WORDS]
    out = []
    labels = t.treaties["label"]
    for r in pairs.to_dict("records"):
        flags = frozenset(k for k, c in zip(CONDITION_WORDS, flag_cols) if r.get(c)) | (
            frozenset({"other"}) if r.get("cond_other") else frozenset()
        )
        threats = tuple(int(x) for x in (r.get("statthr1"), r.get("statthr2")) if pd.notna(x) and int(x) > 0)
        extra_raw = r.get("extra_conditions")
        extra = tuple((c["kind"], c["text"]) for c in json.loads(extra_raw)) if isinstance(extra_raw, str) else ()
        article = r.get("article")
        out.append(ObligationEdge(int(r["obligor"]), int(r["beneficiary"]), r["obligation"], r["treaty_id"],
                                  labels[r["treaty_id"]], None if pd.isna(article) else str(article), flags,
                                  threats, extra))  # fmt: skip
    return out


# ---- conditions ----------------------------------------------------------------------------------


def evaluate(edge: ObligationEdge, adversaries: Iterable[int], *, attacked: bool, provoked: bool | None,
             sc: Scenario, names=lambda c: str(c)) -> tuple[str, tuple[ConditionCheck, ...]]:  # fmt: skip
    """Evaluate every condition of ``edge`` for a beneficiary at war with ``adversaries``."""
    advs = tuple(sorted(set(adversaries)))
    checks: list[ConditionCheck] = []

    lazy = _LazyNames(edge, advs, names)

    def answer(kind: str, text: str, default: str, question) -> None:
        key = f"{edge.treaty_id}/{kind}"
        if sc.answers:
            for k in (f"{key}/{edge.obligor}", key, kind):
                if k in sc.answers:
                    checks.append(ConditionCheck(key, text, MET if sc.answers[k] else UNMET))
                    return
        checks.append(ConditionCheck(key, text, default, question() if default == UNDECIDED and question else None))

    for kind in sorted(edge.flags):
        text = OTHER_CONDITION if kind == "other" else CONDITION_WORDS[kind].format(
            threat=(": " + ", ".join(names(t) for t in edge.threats)) if edge.threats else "")
        if kind == "adversary":
            if edge.threats:
                hit = bool(set(edge.threats) & set(advs))
                answer(kind, text, MET if hit else UNMET, None)
            else:
                answer(kind, text, UNDECIDED, lambda: f"Is {lazy.advs} the kind of adversary {edge.treaty} names?")
        elif kind == "location":
            answer(kind, text, UNDECIDED, lambda: f"Is fighting {_where(sc.location, lazy.ally)} within the area {edge.treaty} covers?")
        elif kind == "conflict":
            answer(kind, text, UNDECIDED, lambda: f"Is this war the specific conflict {edge.treaty} names?")
        elif kind == "number":
            answer(kind, text, UNDECIDED,
                   lambda: f"{lazy.ally} faces {len(advs)} adversary state(s) ({lazy.advs}); does {edge.treaty}'s "
                           f"number-of-adversaries condition hold?")  # fmt: skip
        elif kind == "demands":
            answer(kind, text, UNDECIDED, lambda: f"Were the demands set out in {edge.treaty} met or refused as it requires?")
        elif kind == "nonprovocation":
            if provoked is None:
                answer(kind, text, UNDECIDED, lambda: f"Did {lazy.ally} provoke the attack?")
            else:
                answer(kind, text, UNMET if provoked else MET, None)
        elif kind == "attacked":
            answer(kind, text, MET if attacked else UNMET, None)
        elif kind == "request":
            answer(kind, text, UNDECIDED, lambda: f"Has {lazy.ally} asked {lazy.obligor} to consult?")
        else:  # other (olimob)
            answer(kind, text, UNDECIDED, lambda: f"Is the further condition of {edge.treaty} (not classified by ATOP) met?")
    for kind, text in edge.extra:
        if kind in CONDITION_WORDS or kind == "on-request":
            if kind in ("request", "on-request"):
                answer("request", text, UNDECIDED, lambda: f"Has {lazy.ally} asked {lazy.obligor} for consultations?")
            continue  # ATOP-vocabulary conditions are evaluated through the flags above
        if kind in INFORMATIONAL:
            checks.append(ConditionCheck(f"{edge.treaty_id}/{kind}", text, MET))
        elif kind == "state-of-war":
            answer(kind, text, MET if attacked else UNMET, None)
        elif kind == "territorial-scope":
            default = MET if sc.location == "home" else UNDECIDED
            answer(kind, text, default, lambda: f"Is the fighting inside the territory {edge.treaty} covers?")
        else:
            answer(kind, text, UNDECIDED, lambda: f"Is this condition of {edge.treaty} met: {text}?")
    statuses = {c.status for c in checks}
    status = "unmet" if UNMET in statuses else "undecided" if UNDECIDED in statuses else "bound"
    return status, tuple(checks)


class _LazyNames:
    """Names are looked up only when a question is actually asked."""

    def __init__(self, edge, advs, names):
        self._edge, self._advs, self._names = edge, advs, names

    @property
    def advs(self) -> str:
        return ", ".join(self._names(a) for a in self._advs) or "no one yet"

    @property
    def ally(self) -> str:
        return self._names(self._edge.beneficiary)

    @property
    def obligor(self) -> str:
        return self._names(self._edge.obligor)


def _where(location: str | None, ally: str) -> str:
    return {"home": f"on {ally}'s own territory", "abroad": "outside its territory", "at-sea": "at sea"}.get(
        location or "", "somewhere the scenario does not say")


# ---- cascade -------------------------------------------------------------------------------------


def index_edges(edges: list[ObligationEdge]) -> dict[int, list[ObligationEdge]]:
    """Edges grouped by beneficiary: build once per day, reuse for every scenario of that day."""
    out: dict[int, list[ObligationEdge]] = {}
    for e in edges:
        out.setdefault(e.beneficiary, []).append(e)
    return out


def run(edges: list[ObligationEdge] | dict[int, list[ObligationEdge]], sc: Scenario, names=lambda c: str(c),
        honored=None) -> ScenarioResult:  # fmt: skip
    """Run the cascade over ``edges`` (a list, or an :func:`index_edges` index).
    ``honored(edge, activation) -> bool`` (Monte Carlo) can veto obligations that would bind."""
    index = edges if isinstance(edges, dict) else index_edges(edges)
    removed = sc.without_treaties or sc.without_states

    def incoming(b: int):
        for e in index.get(b, ()):
            if removed and (e.treaty_id in sc.without_treaties or e.obligor in sc.without_states
                            or e.beneficiary in sc.without_states):  # fmt: skip
                continue
            yield e

    sides: dict[int, str] = {}
    joined_in: dict[int, int] = {}
    attacked_by: dict[int, set[int]] = {}
    initiators: set[int] = set()
    other = {"attacker": "defender", "defender": "attacker"}
    for a in sc.attacks:
        sa, st = sides.get(a.attacker), sides.get(a.target)
        if sa is None and st is None:
            sa, st = "attacker", "defender"
        sa, st = sa or other[st], st or other[sa]
        if sa == st:
            raise ValueError(f"{names(a.attacker)} and {names(a.target)} are on the same side, yet one attacks the other")
        sides[a.attacker], sides[a.target] = sa, st
        joined_in.setdefault(a.attacker, 0)
        joined_in.setdefault(a.target, 0)
        attacked_by.setdefault(a.target, set()).add(a.attacker)
        initiators.add(a.attacker)

    activations: list[Activation] = []
    violations: list[Activation] = []
    conflicts: dict[int, str] = {}
    seen: set[tuple] = set()
    examined: dict[int, tuple] = {}

    def opponents(state: int) -> set[int]:
        mine = sides.get(state)
        return {c for c, s in sides.items() if s != mine}

    def provoked(state: int) -> bool | None:
        if state in initiators:
            return True
        if sc.provoked_by is not None:
            return sc.provoked_by == state
        return False if state in joined_in and joined_in[state] > 0 else None

    # Rule 6: the attacks themselves against non-aggression pledges.
    for a in sc.attacks:
        for e in incoming(a.target):
            if e.obligor == a.attacker and e.obligation == "non-aggression":
                status, checks = evaluate(e, [a.attacker], attacked=True, provoked=provoked(a.target), sc=sc, names=names)
                violations.append(Activation(0, a.attacker, e.obligation, a.target, a.target, (a.attacker,), e.treaty_id,
                                             e.treaty, e.article, status, checks, "attacks despite pledging not to"))  # fmt: skip

    rnd = 0
    frontier = set(sides)
    while frontier and rnd < sc.max_rounds:  # noqa: PLR1702
        rnd += 1
        wants: dict[int, dict[str, list[Activation]]] = {}
        for b in sorted(sides):
            side_b = sides[b]
            # A belligerent's incoming pledges need a new look only when its situation changed.
            signature = (side_b, frozenset(attacked_by.get(b, ())), b in initiators, len(sides))
            if examined.get(b) == signature:
                continue
            examined[b] = signature
            advs = tuple(sorted(opponents(b)))
            for e in incoming(b):
                key = (e.obligor, e.beneficiary, e.obligation, e.treaty_id, side_b)
                if key in seen:
                    continue
                act = _activation(e, b, side_b, attacked_by, initiators, advs, provoked, sc, names, rnd)
                if act is None:
                    continue
                seen.add(key)
                activations.append(act)
                if act.effect == "joins" and (act.status == "bound" or (act.status == "undecided" and sc.propagate_undecided)):
                    if e.obligor in sides:  # already at war: consistent, or a conflict of obligation
                        if sides[e.obligor] != side_b and act.status == "bound":
                            conflicts[e.obligor] = (f"at war on the {sides[e.obligor]}s' side but bound by "
                                                    f"{e.treaty_id} to help {names(b)}")  # fmt: skip
                    elif honored is None or honored(e, act):
                        wants.setdefault(e.obligor, {}).setdefault(side_b, []).append(act)
        frontier = set()
        for state, by_side in sorted(wants.items()):
            blocked = _blocked(state, by_side, activations, sides, initiators)
            if len(by_side) > 1:
                conflicts[state] = "bound to join both sides"
                continue
            side = next(iter(by_side))
            if blocked:
                conflicts[state] = blocked
                continue
            sides[state] = side
            joined_in[state] = rnd
            frontier.add(state)
            for act in by_side[side]:
                if act.obligation == "defense":  # Rule 3: fighting the attackers of its ally
                    if sc.escalation == "chain":
                        attacked_by.setdefault(state, set()).update(act.adversaries)
                else:  # Rule 4: joining the initiators' side
                    initiators.add(state)
                    for enemy in act.adversaries:
                        attacked_by.setdefault(enemy, set()).add(state)
        # New joiners change who is attacked: re-examine every belligerent next round.
    return ScenarioResult(sc, sides, joined_in, activations, sorted(conflicts.items()), violations, rnd)


def _activation(e, b, side_b, attacked_by, initiators, advs, provoked, sc, names, rnd) -> Activation | None:
    if e.obligation == "defense":
        if b not in attacked_by:  # kept, so that "why not?" has an answer
            check = ConditionCheck(f"{e.treaty_id}/attacked", "a defense pledge applies only when the ally is attacked; "
                                   "here it attacked and has not been attacked", UNMET)  # fmt: skip
            return Activation(rnd, e.obligor, e.obligation, b, b, advs, e.treaty_id, e.treaty, e.article, "unmet",
                              (check,), "joins")  # fmt: skip
        advs = tuple(sorted(attacked_by[b]))
        status, checks = evaluate(e, advs, attacked=True, provoked=provoked(b), sc=sc, names=names)
        effect = "joins"
    elif e.obligation == "offense":
        if b not in initiators:
            return None
        status, checks = evaluate(e, advs, attacked=False, provoked=True, sc=sc, names=names)
        effect = "joins"
    elif e.obligation == "neutrality":
        status, checks = evaluate(e, advs, attacked=b in attacked_by, provoked=provoked(b), sc=sc, names=names)
        effect = "stays neutral toward"
    elif e.obligation == "non-aggression":
        status, checks = "bound", ()
        effect = "must not attack"
    else:
        status, checks = evaluate(e, advs, attacked=b in attacked_by, provoked=provoked(b), sc=sc, names=names)
        effect = "must consult"
    return Activation(rnd, e.obligor, e.obligation, b, b, advs, e.treaty_id, e.treaty, e.article, status, checks, effect)


def _blocked(state: int, by_side: dict[str, list[Activation]], activations: list[Activation], sides, initiators) -> str:
    """A pledge of neutrality or non-aggression toward someone on the other side blocks joining.
    Non-aggression does not protect a state that started the war: fighting it is defence."""
    side = next(iter(by_side))
    for act in activations:
        if act.state != state or act.status != "bound" or act.effect not in ("stays neutral toward", "must not attack"):
            continue
        if act.effect == "must not attack" and act.beneficiary in initiators:
            continue
        if sides.get(act.beneficiary) not in (None, side):
            return f"bound to join the {side}s but pledged {act.obligation} to {act.beneficiary} ({act.treaty_id})"
    return ""


def counterfactual(edges, base: Scenario, names=lambda c: str(c), **changes) -> tuple[ScenarioResult, ScenarioResult]:
    """The same scenario with ``changes`` (without_treaties=…, without_states=…); both results."""
    return run(edges, base, names), run(edges, replace(base, **changes), names)


def diff(a: ScenarioResult, b: ScenarioResult) -> list[tuple[int, str | None, str | None]]:
    """States whose side differs between two results: (ccode, side in a, side in b)."""
    states = sorted(set(a.sides) | set(b.sides))
    return [(s, a.sides.get(s), b.sides.get(s)) for s in states if a.sides.get(s) != b.sides.get(s)]
