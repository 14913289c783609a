"""A dyad's treaty history: every treaty two states shared, in order, with what each owed the
other in it and how the treaties succeed one another."""

from __future__ import annotations

import pandas as pd

from .obligations import OBLIGATION_ORDER, Tables


def _promises(t: Tables, treaty_id: str, obligor: int, beneficiary: int) -> list[str]:
    ob = t.obligations
    rows = ob[(ob["treaty_id"] == treaty_id) & (ob["ccode"] == obligor)
              & (ob["beneficiary"].isna() | (ob["beneficiary"] == beneficiary))]  # fmt: skip
    out = {}
    for word, article in zip(rows["obligation"], rows["article"]):
        label = word if article is None or pd.isna(article) else f"{word} (art. {article})"
        out.setdefault(word, label)
    return [out[w] for w in sorted(out, key=OBLIGATION_ORDER.get)]


def dyad_history(t: Tables, lineage: pd.DataFrame, a: int, b: int) -> pd.DataFrame:
    """One row per treaty both ``a`` and ``b`` belonged to, ordered by when the dyad was bound."""
    m = t.memberships
    ma, mb = m[m["ccode"] == a], m[m["ccode"] == b]
    shared = sorted(set(ma["treaty_id"]) & set(mb["treaty_id"]))
    rows = []
    for tid in shared:
        sa, sb = ma[ma["treaty_id"] == tid], mb[mb["treaty_id"] == tid]
        start = max(sa["entry_date"].min(), sb["entry_date"].min())
        ends = [s["exit_date"].max() if s["exit_date"].notna().all() else pd.NaT for s in (sa, sb)]
        end = min((e for e in ends if pd.notna(e)), default=pd.NaT)
        if pd.notna(end) and end <= start:
            continue  # never members at the same time
        basis = sa.loc[sa["entry_date"] == sa["entry_date"].min(), "entry_basis"].iloc[0]
        end_basis = None
        if pd.notna(end):
            both = pd.concat([sa, sb])
            end_basis = both.loc[both["exit_date"] == end, "exit_basis"].iloc[0]
        links = lineage[(lineage["treaty_id"] == tid) & lineage["target"].isin(shared)]
        rows.append(
            {
                "treaty_id": tid,
                "treaty": t.treaties.at[tid, "label"],
                "bilateral": len(set(m.loc[m["treaty_id"] == tid, "ccode"])) == 2,
                "from": start.date(),
                "from_basis": basis,
                "until": None if pd.isna(end) else end.date(),
                "until_basis": end_basis,
                f"{a} owes {b}": _promises(t, tid, a, b),
                f"{b} owes {a}": _promises(t, tid, b, a),
                "lineage": [f"{r.relation} {r.target}" + ("" if pd.isna(r.date) else f" on {pd.Timestamp(r.date).date()}")
                            for r in links.itertuples(index=False)],  # fmt: skip
            }
        )
    out = pd.DataFrame(rows)
    return out.sort_values("from").reset_index(drop=True) if not out.empty else out
