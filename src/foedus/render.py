"""Output formats for the CLI: a readable table (rich), JSON and CSV."""

from __future__ import annotations

import datetime as dt
import io
import json
from typing import Any

import pandas as pd
from rich.console import Console
from rich.table import Table
from rich.text import Text

FORMATS = ("table", "json", "csv")


def _plain(value: Any) -> Any:
    if isinstance(value, (dt.date, pd.Timestamp)):
        return value.isoformat()[:10]
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if value is None or (not isinstance(value, (str, bytes)) and pd.isna(value)):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value


def records(df: pd.DataFrame) -> list[dict]:
    return [{k: _plain(v) for k, v in rec.items()} for rec in df.to_dict("records")]


def to_json(obj: Any) -> str:
    if isinstance(obj, pd.DataFrame):
        obj = records(obj)
    return json.dumps(_plain(obj), indent=2, ensure_ascii=False)


def to_csv(df: pd.DataFrame) -> str:
    flat = df.copy()
    for col in flat.columns:
        if flat[col].map(lambda v: isinstance(v, list)).any():
            flat[col] = flat[col].map(lambda v: "; ".join(v) if isinstance(v, list) else v)
    buf = io.StringIO()
    flat.to_csv(buf, index=False)
    return buf.getvalue()


def console() -> Console:
    """A console that does not squeeze tables to 80 columns when output is piped."""
    return _wide_console()


def _wide_console() -> Console:
    c = Console()
    return c if c.is_terminal else Console(width=200)


def table(df: pd.DataFrame, title: str | None = None, console: Console | None = None) -> None:
    console = console or _wide_console()
    df = df[[c for c in df.columns if not (df[c].astype(str).isin(["", "None", "[]"]).all() and len(df))]]
    t = Table(title=title, show_lines=False, header_style="bold")
    for col in df.columns:
        t.add_column(str(col))
    for rec in records(df):
        t.add_row(*["; ".join(v) if isinstance(v, list) else ("" if v is None else str(v)) for v in rec.values()])
    console.print(t)


def summarize_obligations(df: pd.DataFrame) -> pd.DataFrame:
    """Group rows that differ only by partner, so a 30-member pact reads as one line."""
    if df.empty:
        return pd.DataFrame(columns=["direction", "partners", "obligation", "treaty", "conditions", "since", "note"])
    rows = []
    df = df.assign(
        partner=[o if d == "owed to" else b for d, o, b in zip(df["direction"], df["obligor_name"], df["beneficiary_name"])],
        partner_code=[o if d == "owed to" else b for d, o, b in zip(df["direction"], df["obligor"], df["beneficiary"])],
        cond_text=["; ".join(c) or "unconditional" for c in df["conditions"]],
    )
    for (direction, obligation, atopid, treaty, cond, note), g in df.groupby(
        ["direction", "obligation", "atopid", "treaty", "cond_text", "note"], sort=False
    ):
        names = [f"{n} ({c})" for n, c in zip(g["partner"], g["partner_code"])]
        partners = ", ".join(names) if len(names) <= 4 else ", ".join(names[:3]) + f" and {len(names) - 3} more"
        rows.append(
            {
                "direction": direction,
                "partners": partners,
                "obligation": obligation,
                "treaty": f"ATOP {atopid}: {treaty}",
                "conditions": cond,
                "since": min(g["since"]),
                "note": note,
            }
        )
    return pd.DataFrame(rows)


# ---- scenarios --------------------------------------------------------------------------------


def activation_frame(kb, result) -> pd.DataFrame:
    """One row per evaluated obligation of a scenario result."""
    day = result.scenario.day
    name = lambda c: kb.states.name(c, day)  # noqa: E731
    rows = []
    for a in result.activations:
        rows.append({
            "round": a.round, "state": a.state, "state_name": name(a.state), "effect": a.effect,
            "obligation": a.obligation, "beneficiary": a.beneficiary, "beneficiary_name": name(a.beneficiary),
            "status": a.status, "treaty_id": a.treaty_id, "treaty": a.treaty, "article": a.article,
            "conditions": [f"{c.text}: {c.status}" for c in a.checks], "questions": a.questions,
            "joined": result.sides.get(a.state) if result.joined_in.get(a.state) == a.round else None,
        })  # fmt: skip
    return pd.DataFrame(rows)


def scenario_report(kb, result, other=None, mc=None) -> dict:
    day = result.scenario.day
    name = lambda c: f"{kb.states.name(c, day)} ({c})"  # noqa: E731
    acts = activation_frame(kb, result)

    def rounds(res):
        out = []
        for rnd in range(1, res.rounds + 1):
            joined = [
                {"state": name(s), "side": res.sides[s],
                 "because": [f"{a.obligation} owed to {name(a.beneficiary)} via {a.treaty} ({a.treaty_id}"
                             + (f", art. {a.article})" if a.article else ")")
                             for a in res.bound() if a.state == s and a.round == rnd and a.effect == "joins"]}
                for s, r in sorted(res.joined_in.items()) if r == rnd
            ]  # fmt: skip
            if joined:
                out.append({"round": rnd, "joined": joined})
        return out

    report = {
        "day": day,
        "attacks": [f"{name(a.attacker)} attacks {name(a.target)} on {a.day}" for a in result.scenario.attacks],
        "location": result.scenario.location,
        "escalation": result.scenario.escalation,
        "sides": {"attacking side": [name(s) for s in result.side("attacker")],
                  "defending side": [name(s) for s in result.side("defender")]},  # fmt: skip
        "rounds": rounds(result),
        "undecided": [
            {"state": name(a.state), "would": f"join {name(a.beneficiary)}'s side", "obligation": a.obligation,
             "treaty": f"{a.treaty} ({a.treaty_id})",
             "questions": [f"{c.question} [answer with --answer {c.key}=yes|no]" for c in a.checks if c.question]}
            for a in result.undecided() if a.effect == "joins" and a.state not in result.sides
        ],  # fmt: skip
        "not_triggered": [
            {"state": name(a.state), "obligation": a.obligation, "beneficiary": name(a.beneficiary),
             "treaty": f"{a.treaty} ({a.treaty_id})",
             "because": [f"{c.text}: unmet" for c in a.checks if c.status == "unmet"]}
            for a in result.activations if a.status == "unmet" and a.effect == "joins"
        ],  # fmt: skip
        "neutral": sorted({f"{name(a.state)} toward {name(a.beneficiary)} ({a.treaty_id})" for a in result.bound()
                           if a.effect == "stays neutral toward" and a.state not in result.sides}),  # fmt: skip
        "conflicts": [f"{name(s)}: {why}" for s, why in result.conflicts],
        "violations": [f"{name(v.state)} attacks {name(v.beneficiary)} despite a non-aggression pledge ({v.treaty_id})"
                       for v in result.violations],  # fmt: skip
        "consultations": len(acts[acts["effect"] == "must consult"]) if not acts.empty else 0,
    }
    if other is not None:
        from .engine.scenario import diff

        sc = other.scenario
        report["counterfactual"] = {
            "changes": {"without_treaties": sorted(sc.without_treaties), "without_states": sorted(sc.without_states),
                        "day": sc.day},
            "sides": {"attacking side": [name(s) for s in other.side("attacker")],
                      "defending side": [name(s) for s in other.side("defender")]},
            "difference": [{"state": name(s), "base": a, "counterfactual": b} for s, a, b in diff(result, other)],
        }  # fmt: skip
    if mc is not None:
        report["monte_carlo"] = {
            **mc.summary(), "rates": mc.rates, "undecided_rate": mc.undecided_rate,
            "join_probability": {name(s): round(p, 4) for s, p in list(mc.join_probability.items())[:40]},
        }  # fmt: skip
    return report


def print_scenario(report: dict, out: Console | None = None) -> None:
    c = out or console()
    for line in report["attacks"]:
        c.print(Text(line, style="bold"))
    c.print(Text(f"obligations as of {report['day']}; location: {report['location'] or 'not given'}; "
                 f"escalation: {report['escalation']}", style="dim"))  # fmt: skip
    for rnd in report["rounds"]:
        c.print(Text(f"\nround {rnd['round']}", style="bold cyan"))
        for j in rnd["joined"]:
            c.print(Text(f"  {j['state']} joins the {j['side']}s' side"))
            for why in j["because"]:
                c.print(Text(f"    {why}", style="dim"))
    if not report["rounds"]:
        c.print(Text("\nno state is bound to join", style="bold cyan"))
    c.print(Text("\nsides", style="bold"))
    for side, states in report["sides"].items():
        c.print(Text(f"  {side}: {', '.join(states)}"))
    for title, key in (("undecided (conditions the scenario cannot settle)", "undecided"),):
        if report[key]:
            c.print(Text(f"\n{title}", style="bold yellow"))
            for u in report[key]:
                c.print(Text(f"  {u['state']} would {u['would']} ({u['obligation']}, {u['treaty']})"))
                for q in u["questions"]:
                    c.print(Text(f"    ? {q}", style="yellow"))
    for title, key in (("conflicts of obligation", "conflicts"), ("bound to stay neutral", "neutral"),
                       ("non-aggression pledges broken by the attack", "violations")):  # fmt: skip
        if report[key]:
            c.print(Text(f"\n{title}", style="bold"))
            for line in report[key]:
                c.print(Text(f"  {line}"))
    if report["not_triggered"]:
        c.print(Text(f"\n{len(report['not_triggered'])} pledge(s) not triggered (a condition is unmet); --format json lists them",
                     style="dim"))  # fmt: skip
    if "counterfactual" in report:
        cf = report["counterfactual"]
        c.print(Text("\ncounterfactual", style="bold magenta"))
        c.print(Text(f"  changes: {cf['changes']}"))
        for d in cf["difference"] or [{"state": "no state changes side", "base": "", "counterfactual": ""}]:
            c.print(Text(f"  {d['state']}: {d['base'] or 'out'} → {d['counterfactual'] or 'out'}"))
    if "monte_carlo" in report:
        mc = report["monte_carlo"]
        c.print(Text(f"\nMonte Carlo: {mc['draws']} draws, seed {mc['seed']}", style="bold"))
        c.print(Text(f"  war size: mean {mc['mean_size']:.2f}, median {mc['median_size']}, 5–95% {mc['p5_size']}–{mc['p95_size']}"))
        for state, p in list(mc["join_probability"].items())[:15]:
            c.print(Text(f"  {state}: joins in {p:.1%} of draws"))


def history_markdown(kb, pairs: pd.DataFrame, wars: pd.DataFrame, totals: dict) -> str:
    rate = totals["honored_rate"]
    lines = [
        "# History check: alliance obligations against the COW inter-state wars",
        "",
        "Generated by `foedus validate-history --out docs/history-check.md` (ATOP 5.1 + curated layer,",
        "COW Inter-State War Data v4.0). Method: for each war, the states attacked at its start (the",
        "non-initiators who were in the war on its first day) and every defense pledge owed to them on that",
        "day, evaluated against the war's initiators. A pair (ally, target) is *bound* when a pledge has every",
        "condition met, *undecided* when a condition cannot be settled from the data (the area the treaty",
        "covers, a kind of adversary named in words, a specific conflict…), *not triggered* when conditions",
        "are unmet (e.g. the adversary is not the one named). A bound pair is *honored* when the ally fought",
        "on the target's side at any point of the war.",
        "",
        "## Totals",
        "",
        "| measure | value |",
        "| --- | ---: |",
    ]
    for k, v in totals.items():
        lines.append(f"| {k} | {v if not isinstance(v, float) else f'{v:.1%}'} |")
    lines += [
        "",
        f"**Honored rate: {rate:.1%}** of bound (ally, target) pairs, against the about 74.5% that Leeds,"
        " Long & Mitchell (2000, *Journal of Conflict Resolution* 44(5)) report for alliance commitments in"
        " the wars of 1816–1944, judging each commitment against the specific conditions in its text. This"
        " check is cruder and wider: it counts every member of a multilateral pact as a separate pledge (the"
        " Arab League's joint defence treaty alone contributes most violations after 1945: its members rarely"
        " fought for each other), reads conditions only from ATOP's flags (location and named-adversary"
        " conditions stay undecided rather than bound), and takes COW's participant list as the record of who"
        " joined (COW omits some belligerents, e.g. Montenegro in 1914)." if rate is not None else "No bound pairs.",
        "",
    ]
    if not pairs.empty:
        starts = dict(zip(wars["war"], wars["start"]))
        early = pairs[(pairs["status"] == "bound") & pairs["war"].map(lambda w: starts[w].year <= 1944)]
        if len(early):
            lines += [f"- wars that began 1816–1944 (the period Leeds et al. studied): {int((early['outcome'] == 'honored').sum())}"
                      f" of {len(early)} bound pairs honored ({(early['outcome'] == 'honored').mean():.1%})"]  # fmt: skip
    if "bilateral" in pairs.columns and not pairs.empty:
        b = pairs[pairs["status"] == "bound"]
        for label, sub in (("bilateral pledges", b[b["bilateral"]]), ("multilateral pledges", b[~b["bilateral"]])):
            if len(sub):
                lines.append(f"- {label}: {int((sub['outcome'] == 'honored').sum())} of {len(sub)} honored "
                             f"({(sub['outcome'] == 'honored').mean():.1%})")  # fmt: skip
    lines.append("")
    lines += ["## Per war (wars where some pledge applied)", "",
              "| war | name | start | initiators | targets | bound | honored | violated | undecided (joined) | not triggered |",
              "| ---: | --- | --- | --- | --- | ---: | ---: | ---: | ---: | ---: |"]  # fmt: skip
    for r in wars.itertuples(index=False):
        if r.bound + r.undecided + r.not_triggered == 0:
            continue
        lines.append(f"| {r.war} | {r.name} | {r.start} | {r.initiators} | {r.targets} | {r.bound} | {r.honored} | "
                     f"{r.violated} | {r.undecided} ({r.undecided_joined}) | {r.not_triggered} |")  # fmt: skip
    lines += ["", "## Bound pairs", "", "| war | ally | target | treaties | outcome |", "| ---: | --- | --- | --- | --- |"]
    for p in pairs[pairs["status"] == "bound"].itertuples(index=False) if not pairs.empty else []:
        lines.append(f"| {p.war} | {kb.states.name(p.ally)} ({p.ally}) | {kb.states.name(p.target)} ({p.target}) | "
                     f"{', '.join(p.treaties)} | {p.outcome} |")  # fmt: skip
    return "\n".join(lines) + "\n"
