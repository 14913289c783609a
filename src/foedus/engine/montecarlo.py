"""Monte Carlo: alliances are not always honored.

Each draw decides, once per pledge, whether an obligation that would bind is honored (default
rates below), and whether an undecided obligation's conditions hold (``undecided_rate``), then
runs the cascade. Reports the distribution of war size and each state's chance of joining.
Reproducible: the same seed gives the same draws.
"""

from __future__ import annotations

import random
import statistics
from collections import Counter
from dataclasses import dataclass, replace

from .scenario import Scenario, run

# Leeds, Long & Mitchell (2000), "Reevaluating Alliance Reliability", J. Conflict Resolution 44(5):
# alliance commitments were honored in about 74.5% of the cases where they applied.
LEEDS_2000_RATE = 0.745
DEFAULT_RATES = {"defense": LEEDS_2000_RATE, "offense": LEEDS_2000_RATE}


@dataclass
class MonteCarloResult:
    draws: int
    seed: int
    rates: dict
    undecided_rate: float
    war_sizes: list[int]  # belligerents per draw
    join_probability: dict[int, float]  # ccode -> share of draws in which it joined (original parties excluded)
    side_probability: dict[tuple[int, str], float]

    def summary(self) -> dict:
        sizes = sorted(self.war_sizes)
        q = statistics.quantiles(sizes, n=20) if len(sizes) > 1 else [sizes[0]] * 19
        return {"draws": self.draws, "seed": self.seed, "mean_size": statistics.fmean(sizes),
                "median_size": statistics.median(sizes), "p5_size": q[0], "p95_size": q[18],
                "min_size": sizes[0], "max_size": sizes[-1]}  # fmt: skip


def simulate(edges, sc: Scenario, *, draws: int = 1000, seed: int = 0, rates: dict | None = None,
             undecided_rate: float = 0.5, names=lambda c: str(c)) -> MonteCarloResult:  # fmt: skip
    """``rates`` maps an obligation type ("defense") or a treaty id ("atop:3180") to the chance a
    pledge is honored; treaty ids win over types."""
    if draws < 1:
        raise ValueError("draws must be at least 1")
    if not 0 <= undecided_rate <= 1:
        raise ValueError("undecided_rate must be between 0 and 1")
    table = {**DEFAULT_RATES, **(rates or {})}
    for key, value in table.items():
        if not 0 <= value <= 1:
            raise ValueError(f"rate for {key} must be between 0 and 1")
    rng = random.Random(seed)
    originals = {a.attacker for a in sc.attacks} | {a.target for a in sc.attacks}
    base = replace(sc, propagate_undecided=True)
    sizes, joins, sides = [], Counter(), Counter()
    for _ in range(draws):
        decided: dict[tuple, bool] = {}

        def honored(edge, act) -> bool:
            key = (edge.obligor, edge.beneficiary, edge.obligation, edge.treaty_id)
            if key not in decided:
                p = table.get(edge.treaty_id, table.get(edge.obligation, LEEDS_2000_RATE))
                if act.status == "undecided":
                    p *= undecided_rate
                decided[key] = rng.random() < p
            return decided[key]

        result = run(edges, base, names, honored=honored)
        sizes.append(len(result.sides))
        for state, side in result.sides.items():
            if state not in originals:
                joins[state] += 1
                sides[(state, side)] += 1
    return MonteCarloResult(draws, seed, table, undecided_rate, sizes,
                            {s: n / draws for s, n in joins.most_common()},
                            {k: n / draws for k, n in sides.most_common()})  # fmt: skip
