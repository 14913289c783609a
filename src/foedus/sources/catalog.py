"""The datasets foedus reads: where each file lives in the data directory, its publisher,
and the SHA-256 of the official release (to notice a modified or truncated copy)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class DataFile:
    key: str
    relpath: str  # inside the data directory
    sha256: str  # of the official release
    dataset: str
    publisher: str
    title: str
    version: str
    url: str  # the publisher's page for the dataset
    citation: str


ATOP_CITATION = (
    "Leeds, Brett Ashley, Jeffrey M. Ritter, Sara McLaughlin Mitchell, and Andrew G. Long. 2002. "
    "Alliance Treaty Obligations and Provisions, 1815-1944. International Interactions 28(3): 237-260."
)
COW_STATES_CITATION = 'Correlates of War Project. 2024. "State System Membership List, v2024."'

_ATOP = dict(
    dataset="atop",
    publisher="ATOP project (Brett Ashley Leeds et al.)",
    version="5.1",
    url="http://www.atopdata.org/data.html",
    citation=ATOP_CITATION,
)
_COW = dict(
    dataset="cow-states",
    publisher="Correlates of War Project",
    url="https://correlatesofwar.org/data-sets/state-system-membership/",
    citation=COW_STATES_CITATION,
)

FILES: dict[str, DataFile] = {
    f.key: f
    for f in [
        DataFile(
            "atop_alliance",
            "atop-5.1/atop5_1a.csv",
            "eafd146fa5c5bc2737ae829288c87d01c990a55fbc82dcc2dc08b94c0d7b5b7d",
            title="ATOP 5.1 alliance-level data",
            **_ATOP,
        ),
        DataFile(
            "atop_phase",
            "atop-5.1/atop5_1aph.csv",
            "828ed77daf341ea377f75e042c2e51e4e6ccb0515e058db6355a89f8aebb0fcf",
            title="ATOP 5.1 alliance-phase data",
            **_ATOP,
        ),
        DataFile(
            "atop_member",
            "atop-5.1/atop5_1m.csv",
            "0e3c803f65275c3cb9309d08c04710416dff16aee936c8b4f887c7b67ee5b55b",
            title="ATOP 5.1 member-level data",
            **_ATOP,
        ),
        DataFile(
            "cow_states",
            "cow-states/statelist2024.csv",
            "722153b45eda9c39826a04aab80ca7b29a8b1cfdfe5d92714503420555675484",
            title="COW State System Membership List v2024",
            version="2024",
            **_COW,
        ),
        DataFile(
            "cow_states_2016",
            "cow-states/states2016.csv",
            "21822fe1ef67aedf2e64ebe9746e2b875c6175c8ce599750bc0e77e4ce393167",
            title="COW State System Membership List v2016",
            version="2016",
            **_COW,
        ),
        DataFile(
            "cow_interstate_wars",
            "cow-wars/Inter-StateWarData_v4.0.csv",
            "2535e30b145141c331a07d12d91e498ad8bdd3db32ba8d3bd88c4fda54817731",
            dataset="cow-wars",
            publisher="Correlates of War Project (Sarkees & Wayman)",
            title="COW Inter-State War Data v4.0",
            version="4.0",
            url="https://correlatesofwar.org/data-sets/cow-war/",
            citation="Sarkees, Meredith Reid and Frank Wayman. 2010. Resort to War: 1816-2007. Washington, DC: CQ Press.",
        ),
    ]
}

# What `foedus build` needs; the 2016 state list is the fallback for the 2024 one.
REQUIRED = ("atop_alliance", "atop_phase", "atop_member")
STATE_LISTS = ("cow_states", "cow_states_2016")
