"""ATOP's obligation and condition vocabulary, spelled out in words (codebook §2.33)."""

from __future__ import annotations

# ATOP column -> the word foedus uses
OBLIGATIONS: dict[str, str] = {
    "defense": "defense",
    "offense": "offense",
    "neutral": "neutrality",
    "nonagg": "non-aggression",
    "consul": "consultation",
}

# Priority when one word must describe a treaty.
LABEL_KIND = {
    "defense": "defense pact",
    "offense": "offense pact",
    "neutral": "neutrality pact",
    "nonagg": "non-aggression pact",
    "consul": "consultation pact",
}

# Summary "is conditional" column per obligation (non-aggression has none in ATOP).
SUMMARY_CONDITION = {"defense": "defcon", "offense": "offcon", "neutral": "neucon", "consul": "concon"}

# Generic condition kind -> wording. "{threat}" is filled with the named threat states, if any.
CONDITION_WORDS: dict[str, str] = {
    "adversary": "only against a specific adversary{threat}",
    "location": "only for a conflict in a specific location",
    "conflict": "only in a specific conflict",
    "number": "only depending on the number of adversaries",
    "demands": "only if demands set out in the agreement are (not) met",
    "nonprovocation": "only if the ally did not provoke the attack",
    "attacked": "only if the ally is attacked",
    "request": "only when an ally requests it",
}

# ATOP member-file column -> (obligation column, generic condition kind)
CONDITION_FLAGS: dict[str, tuple[str, str]] = {
    "defcoadv": ("defense", "adversary"),
    "defcoloc": ("defense", "location"),
    "defcocon": ("defense", "conflict"),
    "defconum": ("defense", "number"),
    "defcodem": ("defense", "demands"),
    "defconpr": ("defense", "nonprovocation"),
    "offcoadv": ("offense", "adversary"),
    "offcoloc": ("offense", "location"),
    "offcocon": ("offense", "conflict"),
    "offconum": ("offense", "number"),
    "offcodem": ("offense", "demands"),
    "neucoadv": ("neutral", "adversary"),
    "neucoloc": ("neutral", "location"),
    "neucocon": ("neutral", "conflict"),
    "neuconum": ("neutral", "number"),
    "neucodem": ("neutral", "demands"),
    "neuconpr": ("neutral", "nonprovocation"),
    "neucoatt": ("neutral", "attacked"),
    "concoadv": ("consul", "adversary"),
    "concoloc": ("consul", "location"),
    "concocon": ("consul", "conflict"),
    "concoreq": ("consul", "request"),
}

OTHER_CONDITION = "subject to a further condition ATOP does not classify (olimob)"

SPECTHRT = {
    0: "no threat named",
    1: "specific state(s) named as the threat",
    2: "a region named as the threat",
    3: "state(s) in a region named as the threat",
    4: "an ongoing conflict named",
    5: "domestic or non-state groups named",
    6: "another alliance named",
}
