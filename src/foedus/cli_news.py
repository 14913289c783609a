"""`foedus news …`: ingest articles, review the proposed changes, apply or reject them.

Nothing changes in the knowledge base without `foedus news apply ID`. Heavy imports (spaCy)
happen inside the commands so that `import foedus.cli` stays fast.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import List, Optional

import typer

from .cliutil import GuardedTyper

news_app = GuardedTyper(help="Read news articles and propose sourced knowledge-base changes.", no_args_is_help=True)


def _names(kb, codes) -> str:
    return ", ".join(f"{kb.states.name(int(c))} ({c})" for c in codes)


def _con(settings):
    from .news import proposals

    return proposals.connect(proposals.news_db_path(settings.db))


def _user_dir(settings) -> Path:
    from .news import proposals

    return proposals.user_curated_dir(settings.curated)


@news_app.command()
def ingest(
    ctx: typer.Context,
    paths: List[Path] = typer.Argument(..., help="Text or HTML files, folders of them, or .jsonl files ({url, title, published, text})."),
    as_json: bool = typer.Option(False, "--json", help="Print claim sets and proposals as JSON."),
) -> None:
    """Read articles, merge what they report and propose changes (nothing is applied)."""
    from . import news

    s = ctx.obj
    kb = s.kb()
    res = news.run(kb, paths, user_dir=_user_dir(s))
    if as_json:
        typer.echo(json.dumps({
            "articles": [{"origin": o.origin, "status": o.status, "reason": o.reason,
                          "id": o.article.id if o.article else None} for o in res.outcomes],
            "claim_sets": [cs.to_dict() for cs in res.claim_sets],
            "proposals": [{"id": p.id, "summary": p.summary, "applicable": p.applicable, "items": p.items,
                           "diff": p.diff()} for p in res.proposals],
        }, indent=2, default=str, ensure_ascii=False))  # fmt: skip
        return
    ok = [o for o in res.outcomes if o.ok]
    typer.echo(f"{len(res.outcomes)} input(s): {len(ok)} article(s) read")
    for o in res.outcomes:
        if not o.ok:
            typer.echo(f"  {o.status}: {o.origin}: {o.reason}")
    for n, cs in enumerate(res.claim_sets, 1):
        _print_set(kb, cs, n)
    for p in res.proposals:
        again = " (already proposed)" if p.extra.get("already") else ""
        typer.echo(f"\nproposal {p.id}{again}: {p.summary}" + ("" if p.applicable else "  [nothing applicable]"))
    if res.proposals:
        typer.echo("\nreview with `foedus news review ID`; nothing is applied until `foedus news apply ID`.")


def _print_set(kb, cs, n: int) -> None:
    kind = "event" if cs.alliance else "other treaty news (not an alliance treaty: no proposal)"
    typer.echo(f"\n[{n}] {kind}: {cs.event_type} — {', '.join(cs.treaty_texts[:3])}")
    if cs.parties:
        typer.echo(f"    parties: {_names(kb, cs.party_codes)}")
    for d, ids in cs.dates.items():
        typer.echo(f"    date: {d}  ({len(ids)} article(s))")
    for p, ids in cs.places.items():
        typer.echo(f"    place: {p}  ({len(ids)} article(s))")
    for label, ob in cs.obligations.items():
        typer.echo(f"    obligation: {label}  ({len(ob['articles'])} article(s): {', '.join(dict.fromkeys(ob['phrases']))})")
    for link in cs.lineage:
        typer.echo(f"    replaces: {link['target']}" + (f" ({link['year']})" if link["year"] else "") + f"  [{link['article']}]")
    if cs.attributions:
        typer.echo("    attributions: " + "; ".join(f"{w} ({len(ids)} article(s))" for w, ids in cs.attributions.items()))
    for aid, meta in cs.articles.items():
        typer.echo(f"    source: {aid} {meta.get('title') or ''} <{meta.get('url') or meta.get('origin')}>")
    for d in cs.disagreements:
        typer.echo(f"    disagreement on {d['field']}:")
        for value, ids in d["values"].items():
            typer.echo(f"      - {value or '(not stated)'}: {', '.join(ids)}")


@news_app.command("list")
def list_(ctx: typer.Context, status: Optional[str] = typer.Option(None, "--status", help="pending, applied or rejected")) -> None:
    """The proposals, newest last."""
    from .news import proposals

    con = _con(ctx.obj)
    rows = proposals.listing(con, status)
    if not rows:
        typer.echo("no proposals")
    for r in rows:
        typer.echo(f"{r['id']:>4}  {r['status']:<8}  {r['created']}  {r['articles']} article(s)  {r['summary']}"
                   + ("" if r["applicable"] else "  [nothing applicable]"))  # fmt: skip


@news_app.command()
def review(ctx: typer.Context, pid: Optional[int] = typer.Argument(None, help="A proposal id (default: every pending one).")) -> None:
    """Show a proposal: what it changes (a diff of the curated record), why, and the disagreements."""
    from .news import proposals

    con = _con(ctx.obj)
    ids = [pid] if pid is not None else [r["id"] for r in proposals.listing(con, "pending")]
    if not ids:
        typer.echo("no pending proposals")
    for i in ids:
        rec = proposals.load(con, i)
        typer.echo(f"proposal {i} [{rec['status']}]: {rec['summary']}")
        cs = rec["claim_set"]
        for aid, meta in cs["articles"].items():
            typer.echo(f"  article {aid}: {meta.get('title') or '(untitled)'} — {meta.get('url') or meta.get('origin')}"
                       f" (reference day {meta.get('reference')}, {meta.get('reference_basis')})")  # fmt: skip
        if cs.get("attributions"):
            typer.echo("  attributions: " + "; ".join(f"{w}: {', '.join(ids_)}" for w, ids_ in cs["attributions"].items()))
        for item in rec["items"]:
            op = item.pop("op")
            if op == "disputed":
                typer.echo(f"  DISPUTED (not applied) {item['field']}:")
                for v, a in item["values"].items():
                    typer.echo(f"      - {v or '(not stated)'}: {', '.join(a)}")
            elif op == "conflict":
                typer.echo(f"  CONFLICT (not applied) {item['fact']}: knowledge base {item['knowledge_base']}, articles {item['articles']}")
            else:
                typer.echo(f"  {op}: " + "; ".join(f"{k}={v}" for k, v in item.items()))
        typer.echo("  evidence:")
        for ev in cs["evidence"][:12]:
            typer.echo(f"    [{ev['article_id']} {ev['where']} {ev['start']}-{ev['end']}] {ev['kind']}: {ev['sentence'][:200]}")
        before, after = rec["before_toml"] or "", rec["after_toml"] or ""
        import difflib

        diff = "".join(difflib.unified_diff(before.splitlines(True), after.splitlines(True),
                                            f"a/{rec['file_name']}" if before else "/dev/null", f"b/{rec['file_name']}"))  # fmt: skip
        typer.echo("\n" + (diff or "  (no change to the record)"))
        if rec["status"] != "pending":
            typer.echo(f"  decided {rec['decided_at']} by {rec['decided_by']}" + (f": {rec['note']}" if rec["note"] else ""))


@news_app.command()
def apply(ctx: typer.Context, pid: int = typer.Argument(..., help="The proposal id."),
          note: Optional[str] = typer.Option(None, "--note", help="Why (kept with the decision).")) -> None:  # fmt: skip
    """Write the proposal into the user curated directory (transactional; recorded)."""
    from .news import proposals

    s = ctx.obj
    target = _user_dir(s)
    out = proposals.apply(_con(s), pid, target, note)
    if out["initialised"]:
        typer.echo(f"created {target} with a copy of the shipped curated layer")
    typer.echo(f"applied proposal {pid}: wrote {out['file']} (by {out['by']} at {out['at']:%Y-%m-%d %H:%M})")
    typer.echo(f"rebuild the store with it: foedus --curated {target} build")


@news_app.command()
def reject(ctx: typer.Context, pid: int = typer.Argument(..., help="The proposal id."),
           note: Optional[str] = typer.Option(None, "--note", help="Why (kept with the decision).")) -> None:  # fmt: skip
    """Record that a proposal was rejected (nothing else changes)."""
    from .news import proposals

    out = proposals.reject(_con(ctx.obj), pid, note)
    typer.echo(f"rejected proposal {pid} (by {out['by']} at {out['at']:%Y-%m-%d %H:%M})")
