"""The command line: `foedus build`, `foedus obligations "North Korea" --on 2017-06-01`, …

A thin layer: it parses arguments, calls the Python API and renders the result.
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer
from rich.console import Console
from rich.text import Text

from . import config
from .cli_news import news_app
from .cli_tables import table_app
from .cli_web import serve
from .cliutil import GuardedTyper
from .errors import FoedusError

err = Console(stderr=True)


def _report(message: str) -> None:
    err.print(Text("error: ", style="bold red") + Text(message))


app = GuardedTyper(help="foedus: who is bound to come to whose aid, when, and why.", no_args_is_help=True,
                   pretty_exceptions_enable=False, report=_report)  # fmt: skip
data_app = GuardedTyper(help="Download and inspect the input datasets.", no_args_is_help=True, report=_report)
app.add_typer(data_app, name="data")
app.add_typer(table_app, name="table")
app.add_typer(news_app, name="news")
app.command("serve")(serve)


class Settings:
    def __init__(self, data: Optional[Path], db: Optional[Path], curated: Optional[Path]):
        self.data = config.data_dir(data)
        self.db = config.db_path(db)
        self.curated = config.curated_dir(curated)

    def kb(self):
        import foedus

        return foedus.open(self.db, self.data, curated=self.curated, progress=lambda m: err.print(Text(m, style="dim")))


@app.callback()
def main_options(
    ctx: typer.Context,
    data: Optional[Path] = typer.Option(None, "--data", help="Data directory (default: $FOEDUS_DATA or the user data dir)."),
    db: Optional[Path] = typer.Option(None, "--db", help="Store file (default: $FOEDUS_DB or foedus.duckdb in the user data dir)."),
    curated: Optional[Path] = typer.Option(None, "--curated", help="Curated-layer directory (default: $FOEDUS_CURATED or the one shipped with foedus)."),
) -> None:
    ctx.obj = Settings(data, db, curated)


FormatOpt = typer.Option("table", "--format", "-f", help="table, json or csv")
FORMATS = ("table", "json", "csv")
OnOpt = typer.Option(..., "--on", help="The day, YYYY-MM-DD.")


def _emit(df, fmt: str, title: str | None = None, summarize=None) -> None:
    from . import render

    if fmt == "json":
        typer.echo(render.to_json(df))
    elif fmt == "csv":
        typer.echo(render.to_csv(df), nl=False)
    elif fmt == "table":
        render.table(summarize(df) if summarize else df, title=title)
    else:
        raise FoedusError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


@app.command()
def build(ctx: typer.Context, force: bool = typer.Option(False, "--force", help="Rebuild even if inputs are unchanged.")) -> None:
    """Build the store from the datasets (atomic: the old store survives a failed build)."""
    from . import render

    from . import store

    s: Settings = ctx.obj
    report = store.build(s.data, s.db, force=force, curated_dir=s.curated, progress=lambda m: err.print(Text(m)))
    render.table(store.origin_counts(report.path), title=f"{'unchanged' if report.skipped else 'built'}: {report.path}")


@app.command()
def obligations(
    ctx: typer.Context,
    state: str = typer.Argument(..., help='A state: name, alias, ISO3 or COW code ("North Korea", DPRK, PRK, 731).'),
    on: str = OnOpt,
    fmt: str = FormatOpt,
) -> None:
    """Every obligation owed to STATE and owed by STATE on a day."""
    from . import render

    kb = ctx.obj.kb()
    df = kb.obligations(state, on=on)
    code = kb.resolve(state, on)
    _emit(df, fmt, title=f"Obligations of and to {kb.states.name(code)} ({code}) on {on}", summarize=render.summarize_obligations)


@app.command()
def allies(ctx: typer.Context, a: str, b: str, on: str = OnOpt, fmt: str = FormatOpt) -> None:
    """What binds A and B on a day, both directions."""
    kb = ctx.obj.kb()
    df = kb.allies(a, b, on=on)
    cols = ["obligor_name", "beneficiary_name", "obligation", "atopid", "treaty", "conditions", "since", "note"]
    _emit(df if fmt != "table" else df[cols], fmt, title=f"{a} and {b} on {on}")


@app.command()
def treaty(
    ctx: typer.Context,
    ref: str = typer.Argument(..., help="ATOP id (3180), curated id (russia-dprk-2024) or name (NATO)"),
    fmt: str = FormatOpt,
) -> None:
    """A treaty's members, phases, predecessors and successors, with sources."""
    from . import render

    rep = ctx.obj.kb().treaty(ref)
    if fmt == "json":
        typer.echo(render.to_json({**rep.summary, "phase_list": render.records(rep.phases), "members": render.records(rep.members),
                                   "events": render.records(rep.events)}))
    elif fmt == "csv":
        typer.echo(render.to_csv(rep.members), nl=False)
    else:
        console = render.console()
        console.print(Text(f"{rep.treaty_id}: {rep.label}", style="bold"))
        for k, v in rep.summary.items():
            if k in ("treaty_id", "name") or v in (None, [], ""):
                continue
            if isinstance(v, list) and k in ("sources", "predecessors", "successors"):
                console.print(Text(f"  {k}:"))
                for item in v:
                    console.print(Text(f"    - {item}"))
            else:
                console.print(Text(f"  {k}: {', '.join(v) if isinstance(v, list) else v}"))
        if not rep.events.empty:
            render.table(rep.events, title="dated facts (curated)", console=console)
        if not rep.phases.empty:  # a treaty ATOP lacks has no phases
            render.table(rep.phases, title="phases", console=console)
        render.table(rep.members, title="members", console=console)


@app.command()
def state(ctx: typer.Context, name: str, on: Optional[str] = typer.Option(None, "--on", help="Resolve the name as of this day."), fmt: str = FormatOpt) -> None:
    """A state's membership spells in the state system and its alliance history."""
    from . import render

    rep = ctx.obj.kb().state(name, on=on)
    if fmt == "json":
        typer.echo(render.to_json({"ccode": rep.ccode, "name": rep.name, "abb": rep.abb, "iso3": rep.iso3,
                                   "aliases": rep.aliases, "spells": render.records(rep.spells),
                                   "alliances": render.records(rep.alliances)}))  # fmt: skip
    elif fmt == "csv":
        typer.echo(render.to_csv(rep.alliances), nl=False)
    else:
        console = render.console()
        console.print(f"[bold]{rep.name}[/bold] (COW {rep.ccode}, {rep.abb}, ISO3 {rep.iso3 or '-'})")
        console.print("  also known as: " + ", ".join(rep.aliases))
        render.table(rep.spells, title="state-system membership", console=console)
        render.table(rep.alliances, title="alliance memberships (ATOP)", console=console)


@app.command()
def lineage(
    ctx: typer.Context,
    a: str,
    b: str,
    bilateral: bool = typer.Option(False, "--bilateral", help="Only treaties between the two alone."),
    fmt: str = FormatOpt,
) -> None:
    """The treaty history of a pair of states, as a timeline: what each owed the other, when."""
    from . import render

    kb = ctx.obj.kb()
    df = kb.lineage(a, b, bilateral_only=bilateral)
    ca, cb = kb.resolve(a), kb.resolve(b)
    if fmt != "table":
        return _emit(df, fmt)
    console = render.console()
    console.print(Text(f"{kb.states.name(ca)} ({ca}) and {kb.states.name(cb)} ({cb}): treaty history", style="bold"))
    if df.empty:
        console.print("  no treaty in common")
    for r in df.to_dict("records"):
        until = f"{r['until']} ({r['until_basis']})" if r["until"] else "in force"
        console.print(Text(f"\n{r['from']} → {until}", style="bold cyan"))
        console.print(Text(f"  {r['treaty']}  [{r['treaty_id']}; bound from {r['from_basis']}]"))
        mine, theirs = r[f"{ca} owes {cb}"], r[f"{cb} owes {ca}"]
        if mine == theirs:
            console.print(Text(f"  both ways: {', '.join(mine) or 'nothing'}"))
        else:
            console.print(Text(f"  {kb.states.name(ca)} owes: {', '.join(mine) or 'nothing'}"))
            console.print(Text(f"  {kb.states.name(cb)} owes: {', '.join(theirs) or 'nothing'}"))
        for link in r["lineage"]:
            console.print(Text(f"  ↳ {link}", style="dim"))


@app.command()
def disagreements(
    ctx: typer.Context,
    all_: bool = typer.Option(False, "--all", help="Also list where the curated layer extends ATOP."),
    fmt: str = FormatOpt,
) -> None:
    """Where curated facts and ATOP differ; both values and the sources behind them."""
    df = ctx.obj.kb().disagreements(include_extensions=all_)
    _emit(df, fmt, title="curated layer vs ATOP" + (" (disagreements and extensions)" if all_ else ": disagreements"))


@app.command()
def check(ctx: typer.Context, fmt: str = FormatOpt,
          coverage: bool = typer.Option(False, "--coverage", help="Also report what the curated layer covers: "
                                        "statuses of the ATOP alliances open at the end of 2018, names of the "
                                        "defense/offense alliances in force since 1945, and what is missing.")) -> None:  # fmt: skip
    """Validate the curated layer: schema, sources, lineage links, dates, states, duplicates."""
    import pandas as pd

    from . import check as checker
    from .sources import atop, cow
    from .states import StateIndex

    s: Settings = ctx.obj
    spells = cow.load_state_spells(s.data)
    index = StateIndex(spells, pd.DataFrame(columns=["norm", "alias", "ccode", "kind"]), {},
                       pd.DataFrame(columns=["iso3", "regex"]), {})  # fmt: skip
    alliances = atop.load_alliances(s.data)
    problems = checker.check(s.curated, alliances, atop.load_members(s.data), index)
    if coverage:
        _emit(_coverage_frame(checker.coverage(s.curated, alliances)), fmt, title="curated layer coverage")
    df = pd.DataFrame([p.__dict__ for p in problems], columns=["file", "kind", "message"])
    if problems:
        _emit(df, fmt, title=f"{len(problems)} problem(s) in the curated layer")
        raise typer.Exit(1)
    err.print(Text("curated layer OK: no problems found", style="green"))


def _coverage_frame(cov):
    import pandas as pd

    def ids(values) -> str:
        return ", ".join(str(v) for v in values) or "-"

    counts = cov.status_counts()
    military_missing = [a for a in cov.military_open if a not in cov.status]
    rows = [
        ("status today", "ATOP alliances in force at the end of 2018", len(cov.open_at_end), len(cov.status),
         ", ".join(f"{k}: {v}" for k, v in counts.items()), ids(cov.missing_status)),
        ("status today", "... of them settled (in force, ended or suspended; missing: unknown or no entry)",
         len(cov.open_at_end), len(cov.open_at_end) - len(cov.unsettled_status), "", ids(cov.unsettled_status)),
        ("status today", "... of them with a defense or offense obligation", len(cov.military_open),
         len(cov.military_open) - len(military_missing), "", ids(military_missing)),
        ("names", "defense/offense alliances in force at any time since 1945", len(cov.named_due),
         len(cov.named_due) - len(cov.missing_names), "", ids(cov.missing_names)),
        ("treaties", "curated treaties ATOP lacks", len(cov.new_treaties), len(cov.new_treaties),
         ids(cov.new_treaties), "-"),
    ]
    return pd.DataFrame(rows, columns=["question", "scope", "due", "covered", "breakdown", "missing"])


def _parse_answers(values: list[str]) -> dict[str, bool]:
    out = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or value.strip().lower() not in ("yes", "no", "true", "false", "1", "0"):
            raise FoedusError(f"--answer takes KEY=yes|no (e.g. location=yes or atop:3240/location=yes), not {item!r}")
        out[key.strip()] = value.strip().lower() in ("yes", "true", "1")
    return out


def _parse_attacks(values: list[str]) -> list[tuple[str, str, str]]:
    out = []
    for item in values or []:
        parts = [p.strip() for p in item.split(",")]
        if len(parts) != 3:
            raise FoedusError(f"--attack takes ATTACKER,TARGET,YYYY-MM-DD, not {item!r}")
        out.append(tuple(parts))
    return out


@app.command()
def scenario(
    ctx: typer.Context,
    target: Optional[str] = typer.Option(None, "--target", "-t", help="The state attacked."),
    attacker: Optional[str] = typer.Option(None, "--attacker", "-a", help="The state attacking."),
    on: Optional[str] = typer.Option(None, "--on", help="The day of the attack, YYYY-MM-DD."),
    attack: list[str] = typer.Option(None, "--attack", help="More attacks, as ATTACKER,TARGET,DATE (repeatable)."),
    location: Optional[str] = typer.Option(None, "--location", help="Where: home (the target's territory), abroad, at-sea."),
    provoked_by: Optional[str] = typer.Option(None, "--provoked-by", help="The state that provoked the attack, if known."),
    answer: list[str] = typer.Option(None, "--answer", help="Settle a condition: KEY=yes|no, e.g. location=yes."),
    without_treaty: list[str] = typer.Option(None, "--without-treaty", help="Counterfactual: drop a treaty (repeatable)."),
    without_state: list[str] = typer.Option(None, "--without-state", help="Counterfactual: drop a state (repeatable)."),
    compare_on: Optional[str] = typer.Option(None, "--compare-on", help="Counterfactual: the same scenario on another day."),
    escalation: str = typer.Option("direct", "--escalation", help="direct (only attacks trigger defense) or chain."),
    undecided: bool = typer.Option(False, "--propagate-undecided", help="Let undecided obligations drive the cascade."),
    monte_carlo: int = typer.Option(0, "--monte-carlo", help="Draws of a Monte Carlo run (0: none)."),
    seed: int = typer.Option(0, "--seed", help="Random seed for --monte-carlo."),
    rate: list[str] = typer.Option(None, "--rate", help="Honor rate per type or treaty, e.g. defense=0.6 or atop:3180=0.9."),
    fmt: str = FormatOpt,
) -> None:
    """Who is bound to act if TARGET is attacked: rounds of the cascade, conflicts, undecided conditions."""
    from . import render

    kb = ctx.obj.kb()
    base = kb.make_scenario(target, attacker, on, attacks=_parse_attacks(attack), location=location,
                            provoked_by=provoked_by, answers=_parse_answers(answer), propagate_undecided=undecided,
                            escalation=escalation)  # fmt: skip
    result = kb.scenario(scenario=base)
    changes = {}
    if without_treaty:
        changes["without_treaties"] = without_treaty
    if without_state:
        changes["without_states"] = without_state
    if compare_on:
        changes["on"] = compare_on
    other = kb.counterfactual(base, **changes)[1] if changes else None
    mc = None
    if monte_carlo:
        rates = {}
        for item in rate or []:
            key, _, value = item.partition("=")
            try:
                rates[key.strip()] = float(value)
            except ValueError:
                raise FoedusError(f"--rate takes KEY=NUMBER, not {item!r}") from None
        mc = kb.monte_carlo(base, draws=monte_carlo, seed=seed, rates=rates)
    report = render.scenario_report(kb, result, other, mc)
    if fmt == "json":
        typer.echo(render.to_json(report))
    elif fmt == "csv":
        typer.echo(render.to_csv(render.activation_frame(kb, result)), nl=False)
    elif fmt == "table":
        render.print_scenario(report)
    else:
        raise FoedusError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")


@app.command("validate-history")
def validate_history(
    ctx: typer.Context,
    out: Optional[Path] = typer.Option(None, "--out", help="Write the report as Markdown to this file."),
    fmt: str = FormatOpt,
) -> None:
    """Compare who was bound to defend the states attacked in each COW inter-state war with who joined."""
    from . import render

    kb = ctx.obj.kb()
    err.print(Text("evaluating 95 wars…", style="dim"))
    pairs, wars, totals = kb.validate_history(ctx.obj.data)
    if out:
        out.write_text(render.history_markdown(kb, pairs, wars, totals), encoding="utf-8")
        err.print(Text(f"wrote {out}"))
    if fmt == "json":
        typer.echo(render.to_json({"totals": totals, "wars": render.records(wars), "pairs": render.records(pairs)}))
    elif fmt == "csv":
        typer.echo(render.to_csv(pairs), nl=False)
    else:
        render.table(pd_frame(totals), title="history check: alliance obligations vs. COW inter-state wars")
        render.table(wars[(wars["bound"] + wars["undecided"]) > 0].drop(columns=["note"]), title="wars with obligations")


def pd_frame(totals: dict):
    import pandas as pd

    return pd.DataFrame([(k, f"{v:.1%}" if isinstance(v, float) else str(v)) for k, v in totals.items()],
                        columns=["measure", "value"])  # fmt: skip


@data_app.command("status")
def data_status(ctx: typer.Context) -> None:
    """Which datasets the data directory holds, and whether they match the official releases."""
    from . import render

    from .sources import fetch

    render.table(fetch.status(ctx.obj.data), title=f"data directory: {ctx.obj.data}")


@data_app.command("fetch")
def data_fetch(
    ctx: typer.Context,
    dataset: list[str] = typer.Option(None, "--dataset", help="atop, cow-states and/or cow-wars (default: all)."),
    force: bool = typer.Option(False, "--force", help="Download even if the files are present."),
) -> None:
    """Download the datasets from their publishers, verify checksums and unpack them."""
    from .sources import fetch

    fetch.fetch(ctx.obj.data, datasets=dataset or None, force=force, progress=lambda m: err.print(Text(m)))


def main() -> None:
    app()


if __name__ == "__main__":
    main()
