"""News ingestion: articles -> claims -> merged claim sets -> proposed knowledge-base changes.

``run(kb, paths)`` runs the whole pipeline and stores the proposals; nothing in the
knowledge base changes until ``apply`` (see :mod:`foedus.news.proposals`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class IngestResult:
    outcomes: list
    per_article: list
    claim_sets: list
    proposals: list
    not_proposed: list = field(default_factory=list)


_EXTRACTORS: dict = {}


def extractor(kb):
    from .extract import Extractor

    key = id(kb)
    if key not in _EXTRACTORS:
        _EXTRACTORS.clear()
        _EXTRACTORS[key] = Extractor(kb)
    return _EXTRACTORS[key]


def run(kb, paths, *, news_db: Path | None = None, user_dir: Path | None = None, store: bool = True) -> IngestResult:
    from . import ingest as reader
    from . import merge, proposals

    outcomes = reader.read(paths)
    x = extractor(kb)
    per_article = [x.extract(o.article) for o in outcomes if o.ok]
    sets = merge.merge(per_article)
    target = proposals.user_curated_dir(user_dir)
    props, skipped = [], []
    for cs in sets:
        p = proposals.propose(kb, cs, target)
        (props.append(p) if p is not None else skipped.append(cs))
    if store:
        con = proposals.connect(news_db or proposals.news_db_path(kb.db_path))
        try:
            proposals.save_ingest(con, outcomes, per_article, props)
        finally:
            con.close()
    return IngestResult(outcomes, per_article, sets, props, skipped)
