"""History check: for each COW inter-state war, who was bound to defend the states attacked at
its start, and who actually joined them.

Unit: an (ally, original target) pair. The ally's pledges to the target in force on the war's
first day are evaluated with the war's initiators as adversaries; the target did not initiate,
so "did not provoke" counts as met (COW's initiator coding stands in for provocation). A pair
is *bound* when some defense pledge has every condition met, *undecided* when the best pledge
has a condition the data cannot settle (the place of fighting, a named kind of adversary…),
*not triggered* when every pledge has an unmet condition. A bound pair is *honored* when the
ally fought in the war on the target's side, *violated* otherwise (stayed out, or fought on the
other side).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from .scenario import Scenario, Attack, evaluate

RANK = {"bound": 0, "undecided": 1, "unmet": 2}


@dataclass
class PairOutcome:
    war: int
    ally: int
    target: int
    status: str  # bound | undecided | unmet
    treaties: list[str]
    outcome: str  # honored | violated: stayed out | violated: fought against | joined | stayed out | n/a
    joined: dt.date | None
    questions: list[str] = field(default_factory=list)


def war_pairs(war: pd.DataFrame, edges_for, names) -> tuple[list[PairOutcome], dict]:
    """Evaluate one war (its participant rows)."""
    start = min(war["entry"])
    at_start = war[war["entry"] == start]
    initiators = at_start[at_start["initiator"]]
    if initiators.empty:
        initiators = war[war["initiator"]]
    if initiators.empty:
        return [], {"start": start, "skipped": "no initiator coded"}
    init_side = initiators["side"].iloc[0]
    targets = at_start[(at_start["side"] != init_side)]
    attackers = tuple(sorted(set(initiators["ccode"])))
    index = edges_for(start)
    sides = {}
    for r in war.sort_values("entry").itertuples(index=False):
        sides.setdefault(r.ccode, (r.side, r.entry))
    sc = Scenario(tuple(Attack(attackers[0], int(t), start) for t in sorted(set(targets["ccode"]))))
    out: list[PairOutcome] = []
    for target in sorted(set(targets["ccode"])):
        best: dict[int, tuple[str, list[str], list[str]]] = {}
        for e in index.get(int(target), ()):
            if e.obligation != "defense":
                continue
            status, checks = evaluate(e, attackers, attacked=True, provoked=False, sc=sc, names=names)
            questions = [c.question for c in checks if c.question]
            prev = best.get(e.obligor)
            if prev is None or RANK[status] < RANK[prev[0]]:
                best[e.obligor] = (status, [e.treaty_id], questions)
            elif RANK[status] == RANK[prev[0]]:
                prev[1].append(e.treaty_id)
        target_side = sides[int(target)][0]
        for ally, (status, treaties, questions) in sorted(best.items()):
            fought = sides.get(ally)
            if fought is None:
                outcome, joined = ("violated: stayed out" if status == "bound" else "stayed out"), None
            elif fought[0] == target_side:
                outcome, joined = ("honored" if status == "bound" else "joined"), fought[1]
            else:
                outcome, joined = ("violated: fought against" if status == "bound" else "fought against"), fought[1]
            if ally in attackers:
                outcome = "violated: attacked its ally" if status == "bound" else "attacked its ally"
            out.append(PairOutcome(int(war["war"].iloc[0]), ally, int(target), status, treaties, outcome, joined, questions))
    return out, {"start": start, "attackers": attackers, "targets": tuple(sorted(set(targets["ccode"])))}


def validate(participants: pd.DataFrame, edges_for, names_for) -> tuple[pd.DataFrame, pd.DataFrame, dict]:
    """All wars: (pairs table, per-war table, totals)."""
    pairs, wars = [], []
    for war_id, war in participants.groupby("war", sort=True):
        start = min(war["entry"])
        outcomes, info = war_pairs(war, edges_for, names_for(start))
        pairs += outcomes
        bound = [p for p in outcomes if p.status == "bound"]
        wars.append({
            "war": war_id, "name": war["war_name"].iloc[0], "start": start,
            "initiators": ", ".join(names_for(start)(c) for c in info.get("attackers", ())),
            "targets": ", ".join(names_for(start)(c) for c in info.get("targets", ())),
            "bound": len(bound), "honored": sum(p.outcome == "honored" for p in bound),
            "violated": sum(p.outcome.startswith("violated") for p in bound),
            "undecided": sum(p.status == "undecided" for p in outcomes),
            "undecided_joined": sum(p.status == "undecided" and p.outcome == "joined" for p in outcomes),
            "not_triggered": sum(p.status == "unmet" for p in outcomes),
            "note": info.get("skipped", ""),
        })  # fmt: skip
    table = pd.DataFrame([p.__dict__ for p in pairs])
    per_war = pd.DataFrame(wars)
    bound = table[table["status"] == "bound"] if not table.empty else table
    totals = {
        "wars": len(per_war),
        "wars_with_obligations": int((per_war["bound"] + per_war["undecided"] + per_war["not_triggered"] > 0).sum()),
        "pairs": len(table),
        "bound": len(bound),
        "honored": int((bound["outcome"] == "honored").sum()) if len(bound) else 0,
        "violated": int(bound["outcome"].str.startswith("violated").sum()) if len(bound) else 0,
        "undecided": int((table["status"] == "undecided").sum()) if len(table) else 0,
        "undecided_joined": int(((table["status"] == "undecided") & (table["outcome"] == "joined")).sum()) if len(table) else 0,
        "not_triggered": int((table["status"] == "unmet").sum()) if len(table) else 0,
    }
    totals["honored_rate"] = totals["honored"] / totals["bound"] if totals["bound"] else None
    return table, per_war, totals
