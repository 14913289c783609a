"""Rules that read one article and return claims, each with the sentence and character span
behind it.

The pipeline is spaCy's ``blank("en")`` tokenizer and sentencizer (no trained model, nothing
downloaded), a ``PhraseMatcher`` for states (COW names and aliases from the knowledge base,
capitals, demonyms, leaders in office on the article's day), news agencies, and a ``Matcher``
for event triggers; treaty phrases, obligation language, lineage and attributions are
regular patterns over each sentence. See docs/news.md for what the rules cannot do.

Claim kinds: ``event`` (signed, ratified, entered into force, joined, withdrew, suspended,
terminated, renewed), ``obligation`` (ATOP category, conditions, unconditional or not),
``lineage`` (replaces), ``meeting`` (how the article places the meeting in a series: "the
third such meeting", "met again nine months after"). Each names a treaty reference: the
article's main treaty, or an earlier one identified by its year ("the 2000 treaty").
"""

from __future__ import annotations

import datetime as dt
import re
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

from .dates import DateMention, find_dates, infer_reference
from .ingest import Article

EVENT_TYPES = ("signed", "ratified", "entered into force", "joined", "withdrew", "suspended", "terminated", "renewed")

TRIGGERS = {
    "signed": [[{"LOWER": {"IN": ["sign", "signs", "signed", "signing", "ink", "inks", "inked", "concluded",
                                   "conclude", "concludes"]}}]],
    "ratified": [[{"LOWER": {"IN": ["ratify", "ratifies", "ratified", "ratifying"]}}],
                 [{"LOWER": {"IN": ["votes", "voted", "says", "said", "vote"]}}, {"LOWER": {"IN": ["yes", "'yes'"]}}],
                 [{"LOWER": {"IN": ["voted", "votes"]}}, {"LOWER": "a", "OP": "?"}, {"LOWER": "slight", "OP": "?"},
                  {"LOWER": "yes"}]],
    "entered into force": [[{"LOWER": {"IN": ["enter", "enters", "entered", "entering"]}}, {"LOWER": "into"}, {"LOWER": "force"}],
                           [{"LOWER": {"IN": ["come", "comes", "came", "coming"]}}, {"LOWER": {"IN": ["into", "in"]}},
                            {"LOWER": {"IN": ["force", "effect"]}}],
                           [{"LOWER": {"IN": ["take", "takes", "took", "taken"]}}, {"LOWER": "effect"}]],
    "joined": [[{"LOWER": {"IN": ["join", "joins", "joined", "accede", "accedes", "acceded"]}}]],
    "withdrew": [[{"LOWER": {"IN": ["withdraw", "withdraws", "withdrew", "withdrawn", "withdrawing"]}},
                  {"LOWER": "from"}],
                 [{"LOWER": {"IN": ["pull", "pulls", "pulled"]}}, {"LOWER": "out"}, {"LOWER": "of"}]],
    "suspended": [[{"LOWER": {"IN": ["suspend", "suspends", "suspended", "suspending", "froze", "freezes"]}}]],
    "terminated": [[{"LOWER": {"IN": ["terminate", "terminates", "terminated", "cancel", "cancels", "canceled", "cancelled",
                                       "annul", "annuls", "annulled", "abrogate", "abrogated", "abrogates", "renounce",
                                       "renounced", "renounces", "scrap", "scraps", "scrapped", "nullify", "nullified",
                                       "denounced", "denounces"]}}],
                   [{"LOWER": "ceased"}, {"LOWER": "to"}, {"LOWER": "be"}, {"LOWER": "in"}, {"LOWER": "force"}]],
    "renewed": [[{"LOWER": {"IN": ["renew", "renews", "renewed", "prolonged", "prolongs"]}}]],
    "replaced": [[{"LOWER": {"IN": ["replace", "replaces", "replaced", "replacing", "supersede", "supersedes",
                                     "superseded"]}}]],
}  # fmt: skip

HEADS = r"treaty|treaties|pact|pacts|accord|accords|agreement|agreements|protocol|convention|declaration|deal|charter|ceasefire|truce|constitution|memorandum|partnership treaty"
_WORD = r"[“\"'‘]?[\w][\w\-’'.]*[”\"'’]?,?"
TREATY_NP = re.compile(rf"(?:{_WORD}\s+){{0,7}}(?i:{HEADS})\b(?:[”\"’]|'s|’s)?"
                       r"(?:\s+(?:of|on|between|with|for)\s+(?:the\s+)?[\w\-’']+(?:,?\s+[\w\-’']+){0,5})?")
DATE_WORDS = {d.lower() for d in ("Monday Tuesday Wednesday Thursday Friday Saturday Sunday today yesterday tomorrow "
                                   "January February March April May June July August September October November "
                                   "December").split()}
HEAD_RX = re.compile(rf"(?i:\b(?:{HEADS})\b)")
HEAD_WORDS = {w for h in HEADS.split("|") for w in h.split()} - {"partnership"}
BREAK = set("""with in of to for on by but as that which who is was were are be been being has have had signed sign signs
inked ink said says say ratified ratify calling called under from into at about over after before including replace
replaces replaced will would also it they he she we not if than so such because while when where and/or or said:
hailed stated declared announced agreed passed government parliament today provides provide allows allow includes
include mentioned hope hoped these those during following stipulating stipulated met reached approved adopted
offers offered offer proposed propose since once""".split()) | {w for pats in TRIGGERS.values() for pat in pats for t in pat
                                                        for w in (t["LOWER"]["IN"] if isinstance(t["LOWER"], dict) else [t["LOWER"]])
                                                        if w not in ("in", "effect", "force", "out", "of", "into", "a", "slight", "yes")}  # fmt: skip
KEEP_IN_NAME = {"of", "on", "and", "the", "for", "between"}
GENERIC_PLURAL = re.compile(r"\b(treaties|pacts|accords|agreements|declarations)\b", re.I)
ANAPHOR = re.compile(r"^(the|this|that|its|their|such)\s+((new|newly[- ]signed|latest|landmark|partnership|bilateral)\s+)*(treaty|pact|accord|agreement|deal|document|declaration|protocol)('s|’s)?$", re.I)
NEW_WORDS = re.compile(r"\b(new|newly|latest)\b", re.I)
COUNT_WORDS = {"two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "both": 2}
NOT_TREATY = re.compile(r"\b(act|bill|law|laws|budget|contract|resignation|nomination)\b", re.I)

MODAL_BEFORE = re.compile(r"\b(will|would|could|may|might|must|to|not|n't|never|yet|expected|plans?|planned|"
                          r"considering|consider|refused|refuses|failed|if|whether|ready|hopes?|wants?|intends?|"
                          r"should|shall|proposed|calls? for|urged?|threatened|threatens|no)\b\W*(\w+\W+){0,3}$", re.I)  # fmt: skip
NEGATED_NP = re.compile(r"\b(no|not a|never a)\s+(\w+\s+){0,2}(treaty|pact|accord|agreement)", re.I)
PERFECT = re.compile(r"\b(has|have|had)\s+(\w+\s+)?$|\bnewly[- ]$|\b(today|just)\s+$", re.I)
# the reference day stands in for a missing date only with a present perfect ("has signed"), not "had signed"
PRESENT_PERFECT = re.compile(r"\b(has|have)\s+(\w+\s+)?$|\bnewly[- ]$|\b(today|just)\s+$", re.I)
# "the only nation not to ratify" is a negation, unlike "the first country to ratify"
ORDINAL_TO = re.compile(r"\b(first|second|third|last|only|latest)\b[^.]{0,40}\bto\s*$")
NEG_TO = re.compile(r"\b(not|never|yet)\s+to\s*$", re.I)
# a subordinate clause between a trigger and a later word: the word is not the trigger's object or party
CLAUSE_GAP = re.compile(r"[;:]|\b(which|who|that|angering|against|after|before|during|following|since|until|when|while|"
                        r"because|although|shortly|meeting|visit)\b", re.I)
# "concluded" means signing only with the treaty as its object or in the passive
CONCLUDE = {"concluded", "conclude", "concludes"}
PASSIVE_BEFORE = re.compile(r"\b(was|were|been|being|be|is|are)\s+(\w+\s+)?$", re.I)
RATIFICATION_DOC = re.compile(r"^\s+(?:the\s+|an?\s+|its\s+)?(?:(?:instruments?|documents?|papers?) of ratification|"
                              r"ratification (?:documents?|instruments?|papers?))", re.I)
# "when Bulgaria and Romania join", "before a binding treaty is finally signed": not yet happened
PENDING_CLAUSE = re.compile(r"\b(when|once|until|unless|before|as soon as)\b[^,.;:]{0,60}$", re.I)
PRESENT_PASSIVE = re.compile(r"\b(is|are|has been|have been)\s+(\w+\s+)?$", re.I)
# "countries that ratify the treaty will …": a present tense in a relative clause is generic
RELATIVE_NEAR = re.compile(r"\b(that|who|which)\s+(\w+\s+)?$", re.I)
# an earlier event recalled in passing: "which was signed in …", "Bulgaria, which also signed …",
# "after the treaty was signed", "had signed"
RECALLED = re.compile(r"(?:\b(?:which|who|that)|,\s*(?:which|who))\s+(?:\w+\s+){0,2}$|\bafter\s+(?:[^,.;:]{0,50}?\s)?(?:was\s+|were\s+|had\s+)?$"
                      r"|\bhad\s+(?:\w+\s+)?$", re.I)
NOMINAL = re.compile(r"\b(the|this|that|its|their|a|joint)\s+$", re.I)
PAST_FORM = re.compile(r"(ed|drew|froze|came|took|taken)$", re.I)
UNILATERAL = ("ratified", "joined", "withdrew", "suspended", "terminated")
LOCATIVE = {"in", "at", "near", "outside", "against", "toward", "towards", "into", "across", "inside", "around", "to"}

OBLIGATION_RULES = [
    ("defense", re.compile(r"mutual (?:military )?(?:assistance|defen[cs]e)\b|come to (?:each other'?s?|the other'?s?|its|their) (?:aid|defen[cs]e|assistance)"
                           r"|(?:mutual|military) (?:support|aid|help|assistance)[^.]{0,60}\b(?:attack|attacked|aggression|invaded)"
                           r"|\bdefend\b[^.]{0,40}\b(?:in case of|in the event of|if|against)\b[^.]{0,20}\b(?:attack|aggression)"
                           r"|attack on (?:one|either)[^.]{0,40}attack on (?:all|both|the other)"
                           r"|automatic (?:military )?(?:intervention|assistance|involvement)"
                           r"|provide[sd]? (?:military|armed) (?:support|assistance|aid|help)[^.]{0,40}\b(?:attack|attacked|aggression)", re.I)),
    ("non-aggression", re.compile(r"non-?aggression|not to (?:attack|use force against) each other|refrain from (?:the use of force|aggression|attacking)", re.I)),
    ("neutrality", re.compile(r"\b(?:remain|stay|be) neutral\b|\bneutrality (?:pact|treaty|clause|obligation)", re.I)),
    ("consultation", re.compile(r"(?:immediate|urgent|prompt)?\s?(?:contact|consult\w*)\b[^.]{0,50}\b(?:in case of|in the event of|if there is|if there were|when there is)\b[^.]{0,30}\b(?:crisis|threat|emergency|danger|aggression|attack)"
                                r"|\bconsult (?:each other|one another|with each other)", re.I)),
    ("offense", re.compile(r"\bjoint(?:ly)? (?:attack|offensive|military action against)\b", re.I)),
]  # fmt: skip
UNCONDITIONAL = re.compile(r"automatic (?:military )?(?:intervention|assistance|involvement)|without hesitation|unconditional", re.I)
CONDITION_RULES = [
    ("constitutional-processes", re.compile(r"in accordance with (?:the |their |its |both parties'? )?(?:laws|constitution|legislation|constitutional)", re.I)),
    ("un-charter-article-51", re.compile(r"Article 51", re.I)),
    ("on-request", re.compile(r"at the request of|upon request|on request", re.I)),
    ("state-of-war", re.compile(r"state of war", re.I)),
]  # fmt: skip
OBLIGATION_NEGATED = re.compile(r"\b(omitted|dropped|abolished|removed|without|excluded|no longer|lacks?|lacked)\b", re.I)
HEDGED = re.compile(r"\b(seen as|regarded as|considered|interpreted as|viewed as|appears?|reportedly)\b", re.I)

ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6}
MEETING_ORDINAL = re.compile(r"\b(?P<ord>first|second|third|fourth|fifth|sixth) (?:such )?(?:meeting|summit|visit)\b", re.I)
MET_AGAIN = re.compile(r"\bmet again\b|\b(?:meeting|summit) again\b", re.I)
SPEECH = r"said|says|stated|states|declared|announced|told|added|noted|stressed|hailed|vowed|pledged|expressed"


@dataclass
class Evidence:
    article_id: str
    sentence: str
    start: int  # character span of the sentence in the article text (title: in the title)
    end: int
    where: str = "text"  # text or title

    def to_dict(self) -> dict:
        return {"article_id": self.article_id, "where": self.where, "start": self.start, "end": self.end,
                "sentence": self.sentence}  # fmt: skip


@dataclass
class TreatyRef:
    text: str
    key: str  # "main", "year:2000", "name:<norm>", "generic"
    year: int | None = None
    name: str | None = None  # a proper name, when the article gives one
    count: int | None = None  # "three previous treaties"
    plural: bool = False


@dataclass
class Claim:
    kind: str  # event, obligation, lineage, meeting
    value: dict
    evidence: Evidence
    treaty: TreatyRef | None = None
    attributions: list[str] = field(default_factory=list)
    parties: list[int] = field(default_factory=list)
    date: DateMention | None = None
    date_basis: str | None = None
    background: bool = False  # an earlier event recalled in passing (a relative or "after" clause)

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "value": self.value, "parties": self.parties,
            "date": None if self.date is None else {"value": self.date.iso(), "precision": self.date.precision,
                                                    "text": self.date.text, "basis": self.date_basis},
            "treaty": None if self.treaty is None else {"text": self.treaty.text, "key": self.treaty.key,
                                                        "year": self.treaty.year, "name": self.treaty.name,
                                                        "count": self.treaty.count, "plural": self.treaty.plural},
            "attributions": self.attributions, "evidence": self.evidence.to_dict(), "background": self.background,
        }  # fmt: skip


@dataclass
class ArticleClaims:
    article: Article
    reference: dt.date | None
    reference_basis: str
    claims: list[Claim]
    main_treaty: TreatyRef | None
    attributions: list[str]
    main_texts: list[str] = field(default_factory=list)


def _register_paragraphs():
    from spacy.language import Language

    if "foedus_paragraphs" in Language.factories:
        return

    @Language.component("foedus_paragraphs")
    def paragraphs(doc):
        """A line break starts a sentence: titles, datelines and captions stand alone."""
        prev_nl = False
        for tok in doc:
            if prev_nl and not tok.is_space and tok.i > 0:
                tok.is_sent_start = True
            prev_nl = "\n" in tok.text_with_ws if not tok.is_space else (prev_nl or "\n" in tok.text_with_ws)
        return doc


@lru_cache(maxsize=1)
def lexicon() -> dict:
    return tomllib.loads(resources.files("foedus.news").joinpath("lexicon.toml").read_text("utf-8"))


class Extractor:
    """Built once per knowledge base (a second or so); ``extract(article)`` is then fast."""

    def __init__(self, kb):
        import spacy
        from spacy.matcher import Matcher, PhraseMatcher

        _register_paragraphs()

        self.kb = kb
        self.nlp = spacy.blank("en")
        self.nlp.add_pipe("foedus_paragraphs")
        self.nlp.add_pipe("sentencizer")
        self.nlp.max_length = 6_000_000
        lex = lexicon()
        self.states = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        self.states_lower = PhraseMatcher(self.nlp.vocab, attr="LOWER")
        self.alias_codes: dict[str, set[int]] = {}
        names: dict[str, set[int]] = {}
        for alias, code in zip(kb.states.aliases["alias"], kb.states.aliases["ccode"]):
            names.setdefault(str(alias), set()).add(int(code))
        for code, words in lex["demonyms"].items():
            for w in words:
                names.setdefault(w, set()).add(int(code))
        for amb, codes in kb.states.ambiguous.items():
            names.setdefault(amb.title(), set()).update(codes)
        for alias, codes in names.items():
            if len(alias) < 2 or alias.lower() in {"us", "in", "am", "is", "it", "to", "an", "or", "no", "me"}:
                if alias not in ("US", "UK"):
                    continue
            self.alias_codes[alias.lower()] = self.alias_codes.get(alias.lower(), set()) | codes
            matcher = self.states if (alias.isupper() or len(alias) <= 4) else self.states_lower
            matcher.add("STATE", [self.nlp.make_doc(alias)])
        self.leaders: dict[str, list[tuple[int, dt.date, dt.date, str]]] = {}
        self.leader_matcher = PhraseMatcher(self.nlp.vocab, attr="ORTH")
        for entry in lex["leaders"]:
            for name in entry["names"]:
                self.leaders.setdefault(name.lower(), []).extend(
                    (int(entry["state"]), s, e, entry["names"][0]) for s, e in entry["terms"])
                self.leader_matcher.add("LEADER", [self.nlp.make_doc(name)])
        self.agencies = lex["agencies"]["names"]
        self.agency_rx = re.compile(r"\b(" + "|".join(re.escape(a) for a in sorted(self.agencies, key=len, reverse=True)) + r")\b")
        self.triggers = Matcher(self.nlp.vocab)
        for label, patterns in TRIGGERS.items():
            self.triggers.add(label, patterns)
        orgs = {"NATO": "NATO", "North Atlantic Treaty Organization": "NATO", "CSTO": "CSTO",
                "Collective Security Treaty Organization": "CSTO", "European Union": "European Union",
                "EU": "European Union", "SEATO": "SEATO", "Warsaw Pact": "Warsaw Pact"}  # fmt: skip
        self.orgs = orgs
        self.org_rx = re.compile(r"\b(" + "|".join(re.escape(o) for o in sorted(orgs, key=len, reverse=True)) + r")\b")

    # ---- pieces -------------------------------------------------------------------------
    def _state_mentions(self, doc, ref: dt.date | None) -> list[tuple[int, int, int, str]]:
        """(start_char, end_char, ccode, kind) for states, demonyms and leaders in office."""
        spans = []
        for matcher in (self.states, self.states_lower):
            for _, s, e in matcher(doc):
                span = doc[s:e]
                codes = self.alias_codes.get(span.text.lower(), set())
                if len(codes) > 1:
                    try:
                        codes = {self.kb.states.resolve(span.text, ref)}
                    except Exception:
                        continue
                if len(codes) == 1:
                    spans.append((span.start_char, span.end_char, next(iter(codes)), "state"))
        for _, s, e in self.leader_matcher(doc):
            span = doc[s:e]
            for code, start, end, canonical in self.leaders.get(span.text.lower(), []):
                if ref is None or start <= ref <= end:
                    spans.append((span.start_char, span.end_char, code, "leader:" + canonical))
                    break
        spans.sort(key=lambda t: (t[0], -(t[1] - t[0])))
        out, last_end = [], -1
        for sp in spans:  # longest match wins ("North Korean" over "Korea")
            if sp[0] >= last_end:
                out.append(sp)
                last_end = sp[1]
        return out

    def _treaty_nps(self, text: str) -> list[tuple[int, int, str]]:
        """Treaty noun phrases: up to seven modifiers before a head noun (cut at verbs and
        prepositions), and an "of/on/between …" tail; one phrase per head noun."""
        out = []
        prev_end = 0
        for h in HEAD_RX.finditer(text):
            hs, he = h.span()
            window = text[prev_end:hs]
            words = list(re.finditer(r"\S+", window))[-7:]
            cut = 0
            for i, w in enumerate(words):
                token = w.group(0).strip("“”\"'’‘,").lower()
                newly = i > 0 and words[i - 1].group(0).lower() in ("newly", "recently", "just")
                if (token in BREAK and not newly) or w.group(0).endswith((",", ".", ";", ":")) or token in HEAD_WORDS:
                    cut = i + 1
            start = prev_end + words[cut].start() if cut < len(words) else hs
            end = he
            m = re.match(r"(?:[”\"’]|'s|’s)?", text[he:])
            end += m.end()
            tail = re.match(r"\s+(of|on|between|with|for)\s+", text[end:])
            if tail:
                tw = list(re.finditer(r"\S+", text[end + tail.end():end + tail.end() + 80]))
                keep = None
                for i, w in enumerate(tw[:6]):
                    tok = w.group(0).strip(",.;:").lower()
                    if (tok in BREAK and tok not in KEEP_IN_NAME) or HEAD_RX.fullmatch(tok) or tok in DATE_WORDS:
                        break
                    if tok in KEEP_IN_NAME and (i + 1 >= len(tw) or tw[i + 1].group(0).strip(",.;:").lower() in DATE_WORDS):
                        break  # "with Lithuania on Tuesday": the date is not part of the name
                    keep = w.end() - (len(w.group(0)) - len(w.group(0).rstrip(",.;:")))
                    if w.group(0).endswith((",", ".", ";", ":")):
                        break
                if keep:
                    end = end + tail.end() + keep
            phrase = text[start:end].strip()
            if phrase:
                out.append((start, end, phrase))
            prev_end = he
        return out

    def _ref(self, phrase: str, sentence: str, end_in_sentence: int, main: TreatyRef | None,
             last: TreatyRef | None) -> TreatyRef:  # fmt: skip
        clean = phrase.strip("“”\"'’‘ ,")
        year = None
        m = re.search(r"\b(1[89]\d\d|20\d\d)\b", clean)
        if m:
            year = int(m.group(1))
        else:
            after = re.match(r"\s+(?:\w+\s+){0,3}?in (1[89]\d\d|20\d\d)\b", sentence[end_in_sentence:])
            if after:
                year = int(after.group(1))
        heads = re.findall(rf"(?i:\b(?:{HEADS})\b)", clean)
        plural = bool(heads and GENERIC_PLURAL.fullmatch(heads[-1].split()[-1]))
        pre = clean[:HEAD_RX.search(clean).start()] if HEAD_RX.search(clean) else clean
        count = next((COUNT_WORDS[w.lower()] for w in re.findall(r"\w+", pre) if w.lower() in COUNT_WORDS), None)
        words = re.findall(r"[\w\-’']+", clean)
        caps = [w for w in words if w[0].isupper() and w.lower() not in ("the",)]
        proper = len(caps) >= 2 and re.search(rf"\b({HEADS})\b", clean, re.I) and clean[0].isupper() or bool(re.match(r"^(the )?[A-Z]\w+ (Treaty|Protocol|Accord|Agreement|Convention|Declaration|Charter)$", clean))
        name = re.sub(r"^(the|a|an)\s+", "", clean, flags=re.I) if proper else None
        if year is not None:
            return TreatyRef(clean, f"year:{year}", year=year, name=name, count=count, plural=plural)
        if plural:
            return TreatyRef(clean, "generic", count=count, plural=True)
        if name:
            key = "name:" + re.sub(r"[^a-z0-9]+", " ", name.lower()).strip()
            if main is None or main.key == key:
                return TreatyRef(clean, key, name=name)
            return TreatyRef(clean, key, name=name)
        if ANAPHOR.match(clean) or clean.lower() in ("it",):
            target = main if (NEW_WORDS.search(clean) or last is None) else last
            if target is not None:
                return TreatyRef(clean, target.key, year=target.year, name=target.name)
        if main is not None and NEW_WORDS.search(clean):
            return TreatyRef(clean, main.key, year=main.year, name=main.name)
        return TreatyRef(clean, "desc:" + re.sub(r"[^a-z0-9]+", " ", clean.lower()).strip())

    # ---- the article --------------------------------------------------------------------
    def extract(self, article: Article) -> ArticleClaims:
        title = article.title or ""
        body = article.text
        prefix = ""
        if title and not body.lstrip().startswith(title.strip()):
            prefix = title.strip() + ".\n\n"
        full = prefix + body
        ref, basis = article.published, article.dateline or ("metadata" if article.published else "")
        if ref is None:
            ref = infer_reference(body)
            basis = "inferred from the latest full date in the text" if ref else "none"
        doc = self.nlp(full)
        mentions = self._state_mentions(doc, ref)
        trig = sorted(((doc[s].idx, doc[e - 1].idx + len(doc[e - 1].text), self.nlp.vocab.strings[mid])
                       for mid, s, e in self.triggers(doc)), key=lambda t: t[0])  # fmt: skip
        claims: list[Claim] = []
        main_texts: list[str] = []
        main: TreatyRef | None = None
        last: TreatyRef | None = None
        article_attr: list[str] = []
        paragraphs = [m.start() for m in re.finditer(r"\n\s*\n", full)]

        def para_of(pos):
            return sum(1 for p in paragraphs if p < pos)

        sents = list(doc.sents)
        sent_attr = [self._attributions(s.text, ref) for s in sents]
        para_agencies: dict[int, list[str]] = {}
        for s, attrs in zip(sents, sent_attr):
            for a in attrs:
                if not a.startswith("speaker:"):
                    para_agencies.setdefault(para_of(s.start_char), []).append(a)
                article_attr.append(a)

        for si, sent in enumerate(sents):
            text = sent.text
            s0 = sent.start_char
            if not text.strip():
                continue
            in_title = s0 < len(prefix) or bool(title and text.strip() == title.strip())
            ev = Evidence(article.id, text.strip(), s0 - (0 if in_title else len(prefix)),
                          sent.end_char - (0 if in_title else len(prefix)), "title" if in_title else "text")  # fmt: skip
            attrs = list(dict.fromkeys(sent_attr[si] + para_agencies.get(para_of(s0), [])))
            nps = [(a + s0, b + s0, p) for a, b, p in self._treaty_nps(text)]
            orgs = [(m.start() + s0, m.end() + s0, m.group(1)) for m in self.org_rx.finditer(text)]
            refs = []
            for a, b, phrase in nps:
                if NOT_TREATY.search(phrase.split()[-1]) or re.search(r"\bsigned into law\b", text):
                    continue
                r = self._ref(phrase, text, b - s0, main, last)
                if main is None and si <= 2 and r.key.startswith(("desc:", "name:")) and not r.plural:
                    main = TreatyRef(r.text, "main", year=r.year, name=r.name)
                    main_texts.append(r.text)
                r = self._to_main(r, main, main_texts)
                refs.append((a, b, r))
            dates = [d for d in find_dates(text, ref, s0)]
            sent_mentions = [m for m in mentions if s0 <= m[0] < sent.end_char]
            attribution_spans = [(m.start() + s0, m.end() + s0) for m in
                                 re.finditer(r"according to [^,.;]*|[A-Z][\w’']*(?:'s|’s) [A-Z][\w-]+ (?:news agency|newspaper|agency)|(?:reported|quoted) by [^,.;]*", text)]  # fmt: skip
            # events and lineage
            for a, b, label in (t for t in trig if s0 <= t[0] < sent.end_char):
                before = full[s0:a]
                after = full[b:sent.end_char]
                if label == "replaced":
                    claims += self._lineage(refs, a, b, main, ev, attrs, text, s0)
                    continue
                if MODAL_BEFORE.search(before[-60:]) and not PERFECT.search(before[-20:]) \
                        and not (ORDINAL_TO.search(before) and not NEG_TO.search(before)):  # fmt: skip
                    continue
                present = not PAST_FORM.search(full[a:b].split()[0])
                if PENDING_CLAUSE.search(before) and (present or PRESENT_PASSIVE.search(before)):
                    continue
                if present and not in_title and RELATIVE_NEAR.search(before[-30:]) and not full[a:b].lower().endswith("ing"):
                    continue
                if label == "signed" and RATIFICATION_DOC.match(after):
                    label = "ratified"

                def obj(x0, limit):  # a treaty phrase or organisation right after the trigger, as its object
                    return x0 >= b and x0 - b < limit and not CLAUSE_GAP.search(full[b:x0])

                if label in ("joined",) and not (refs and any(obj(r[0], 60) for r in refs)
                                                 or any(obj(o[0], 40) for o in orgs)):  # fmt: skip
                    continue
                if label == "withdrew" and not any(obj(r[0], 40) for r in refs):
                    continue
                if label in ("suspended", "terminated", "renewed") and not any(
                        obj(r[0], 80) or (r[1] <= a and a - r[1] < 80 and not CLAUSE_GAP.search(full[r[1]:a])) for r in refs):
                    continue
                target = self._nearest(refs, a, b, label)
                if full[a:b].lower() in CONCLUDE and target is not None and target[1] <= a and not PASSIVE_BEFORE.search(before):
                    continue
                org = next((o for o in orgs if o[0] >= b and o[0] - b < 40), None) if label == "joined" else None
                if target is None and org is None:
                    continue
                if target is not None and NEGATED_NP.search(full[max(s0, target[0] - 12):target[1]]):
                    continue
                tref = target[2] if target is not None else TreatyRef(org[2], "name:" + org[2].lower(), name=org[2])
                if main is None and tref.key.startswith(("desc:", "name:")):
                    main = TreatyRef(tref.text, "main", year=tref.year, name=tref.name)
                    main_texts.append(tref.text)
                    tref = main
                tref = self._to_main(tref, main, main_texts)
                nominal = full[a:b].lower().endswith("ing") and bool(NOMINAL.search(before[-12:]))
                parties = self._parties(sent_mentions, attribution_spans, label, a, b, full, target, nominal)
                if self._planned(dates, a, b, ref):
                    continue
                date, date_basis = self._event_date(dates, a, b, target, before, in_title, ref, full)
                place = self._place(after, ref)
                value = {"type": label}
                if place:
                    value["place"] = place
                claims.append(Claim("event", value, ev, tref, attrs, parties, date, date_basis,
                                    background=not in_title and bool(RECALLED.search(before))))
            # obligations
            for ob in self._obligations(text):
                pos = s0 + ob["at"]
                tgt = [r for r in refs if r[0] <= pos] or refs
                tref = tgt[-1][2] if tgt else (last or main)
                if tref is None:
                    continue
                tref = self._to_main(tref, main, main_texts)
                val = {k: v for k, v in ob.items() if k != "at"}
                claims.append(Claim("obligation", val, ev, tref, attrs))
            # meetings
            claims += self._meetings(text, dates, ev, attrs)
            if refs:
                keyed = [r[2] for r in refs if r[2].key not in ("generic",)]
                if keyed:
                    last = keyed[-1]
        claims = _consolidate(claims, ref)
        return ArticleClaims(article, ref, basis, claims, main, list(dict.fromkeys(article_attr)),
                             list(dict.fromkeys(main_texts)))

    @staticmethod
    def _to_main(r: TreatyRef, main: TreatyRef | None, main_texts: list[str]) -> TreatyRef:
        """A descriptive or named reference that shares content words with the main treaty is the main treaty."""
        if main is None or r.key == "main":
            if r.key == "main" and r.text not in main_texts:
                main_texts.append(r.text)
            return r
        if r.key.startswith(("desc:", "name:")) and not r.plural and any(_similar(r.text, t) for t in main_texts):
            main_texts.append(r.text)
            return TreatyRef(r.text, "main", year=main.year, name=main.name or r.name)
        return r

    def _nearest(self, refs, a, b, label):
        if not refs:
            return None
        inside = [r for r in refs if r[0] <= a < r[1]]
        if inside:
            return inside[0]
        after = [r for r in refs if r[0] >= b]
        before = [r for r in refs if r[1] <= a]
        if after and (not before or after[0][0] - b <= a - before[-1][1] + 10):
            return after[0]
        return before[-1] if before else (after[0] if after else refs[0])

    def _parties(self, sent_mentions, attribution_spans, label, a, b, full, target=None, nominal=False):
        out = []
        for s, e, code, kind in sent_mentions:
            if nominal and not (target is not None and target[0] <= s < target[1]) and not (s >= b and re.match(r"\s*(by|between)\s", full[b:s])):
                continue  # "Brown called the signing of the agreement …": not a signatory
            if any(x <= s < y for x, y in attribution_spans):
                continue
            prev = re.findall(r"\w+", full[max(0, s - 20):s])
            if prev and prev[-1].lower() in LOCATIVE and not kind.startswith("leader"):
                continue
            inside = target is not None and target[0] <= s < target[1]
            if s >= b and not inside:
                gap = full[b:s]
                if len(gap) > 90 or not re.search(r"\b(with|between|by|and)\b", gap) or CLAUSE_GAP.search(gap):
                    continue
            if inside and label in UNILATERAL and re.search(r"\b(with|between)\b", full[target[0]:s]):
                continue  # "cancels agreements with South Korea": the other side did not act
            if label in ("joined", "withdrew", "ratified", "suspended") and s > a + 40 and not inside:
                continue
            out.append(code)
        return sorted(set(out))

    @staticmethod
    def _planned(dates: list[DateMention], a, b, ref) -> bool:
        """The date nearest the trigger (within a clause's reach) lies after the reference day: planned, not done."""
        if ref is None:
            return False
        cands = [d for d in dates if d.rule != "duration" and abs((d.start - a) if d.start < a else (d.start - b)) < 120]
        if not cands:
            return False
        best = min(cands, key=lambda d: abs(d.start - a) if d.start < a else d.start - b)
        return best.precision != "year" and _after(best, ref)

    def _event_date(self, dates: list[DateMention], a, b, target, before, in_title, ref, full=""):
        def full_text_before(d):
            return full[max(0, d.start - 12):d.start]

        skip = set()
        if target is not None:
            skip = {d.start for d in dates if target[0] <= d.start < target[1]}
        cands = [d for d in dates if d.start not in skip and d.rule != "duration" and not d.text.lower().startswith(("since", "until"))
                 and not (ref is not None and _after(d, ref))]  # a reported event is not in the future
        if target is not None and target[2].year:
            cands = [d for d in cands if not (d.precision == "year" and d.date.year == target[2].year)] or cands
        if cands:
            best = min(cands, key=lambda d: abs(d.start - a) if d.start < a else d.start - b)
            if abs(best.start - a) < 200 and not re.search(r"\b(by|until|before)\s*$", full_text_before(best)):
                return best, best.rule
        if ref is not None and (in_title or PRESENT_PERFECT.search(before[-20:])):
            from .dates import DateMention as DM

            return DM(a, b, "(publication date)", ref, "day", "reference"), "publication date"
        return None, None

    def _place(self, after: str, ref) -> str | None:
        m = re.search(r"\b(?:in|at) (?:the )?(?P<p>[A-Z][\w\-]+(?: [A-Z][\w\-]+)?)", after[:200])
        if m:
            p = m.group("p")
            from .dates import MONTHS, WEEKDAYS

            if p.split()[0].lower() in MONTHS or p.split()[0].lower() in WEEKDAYS or p.split()[0] in ("The", "A", "An"):
                return None
            return p
        return None

    def _lineage(self, refs, a, b, main, ev, attrs, text, s0):
        subject = [r for r in refs if r[1] <= a]
        targets = [r for r in refs if r[0] >= b]
        if not targets:
            return []
        subj = subject[-1][2] if subject else main
        if subj is None:
            return []
        out = []
        for _, _, t in targets[:3]:
            if t.key == subj.key and t.key != "generic":
                continue
            val = {"relation": "replaces", "target": t.text, "target_year": t.year, "count": t.count,
                   "plural": t.plural}  # fmt: skip
            out.append(Claim("lineage", val, ev, subj, attrs))
        return out

    def _obligations(self, text: str) -> list[dict]:
        out = []
        for kind, rx in OBLIGATION_RULES:
            for m in rx.finditer(text):
                if OBLIGATION_NEGATED.search(text[max(0, m.start() - 40):m.start()]):
                    continue
                val = {"type": kind, "phrase": m.group(0), "at": m.start()}
                if kind == "defense":
                    val["unconditional"] = bool(UNCONDITIONAL.search(text))
                conds = [c for c, crx in CONDITION_RULES if crx.search(text)]
                if conds:
                    val["conditions"] = conds
                if HEDGED.search(text):
                    val["hedged"] = True
                out.append(val)
                break
        return out

    def _meetings(self, text, dates, ev, attrs) -> list[Claim]:
        out = []
        m = MEETING_ORDINAL.search(text)
        if m and re.search(r"summit|meeting|talks|met\b", text, re.I):
            earlier = sorted({d.date.year for d in dates if d.start - ev.start >= 0 and d.precision == "year"})
            prev = [d.iso() for d in dates if d.rule in ("year",)]
            out.append(Claim("meeting", {"ordinal": ORDINALS[m.group("ord").lower()], "earlier": prev or [str(y) for y in earlier],
                                         "phrase": m.group(0)}, ev, None, attrs))  # fmt: skip
        if MET_AGAIN.search(text):
            dur = next((d for d in dates if d.rule == "duration"), None)
            anchors = [d for d in dates if d.rule != "duration"]
            out.append(Claim("meeting", {"again": True, "earlier": [anchors[-1].iso()] if anchors else [],
                                         "interval": dur.text.split(" …")[0] if dur else None,
                                         "phrase": MET_AGAIN.search(text).group(0)}, ev, None, attrs))  # fmt: skip
        return out

    def _attributions(self, text: str, ref) -> list[str]:
        out = []
        for m in re.finditer(r"according to (?:[A-Z][\w’']*(?:'s|’s) )?(?:the )?([^,.;“\"]{2,60})", text):
            ag = self.agency_rx.search(m.group(1))
            out.append(ag.group(1) if ag else m.group(1).strip())
        for m in self.agency_rx.finditer(text):
            window = text[max(0, m.start() - 40):m.end() + 30]
            if re.search(rf"according to|{SPEECH}|reported|quoted|reports?\b|news agency|newspaper", window):
                out.append(m.group(1))
        for m in re.finditer(rf"(?P<who>(?:[A-Z][\w\-]+ ){{0,2}}[A-Z][\w\-]+) (?:also )?(?:{SPEECH})\b|\b(?:{SPEECH}) (?P<who2>(?:[A-Z][\w\-]+ ){{0,2}}[A-Z][\w\-]+)", text):
            who = m.group("who") or m.group("who2")
            who = re.sub(r"^(The|A|An|He|She|It|They|But|And|President|Leader|Prime|Minister) ", "", who)
            if who in ("He", "She", "It", "They", "We", "I") or who.split()[0] in ("The", "This", "That"):
                continue
            last_word = who.split()[-1]
            leader = next((c for c, s, e, canon in self.leaders.get(who.lower(), []) + self.leaders.get(last_word.lower(), [])
                           if ref is None or s <= ref <= e), None)  # fmt: skip
            if leader is not None:
                canon = next(canon for c, s, e, canon in self.leaders.get(who.lower(), []) + self.leaders.get(last_word.lower(), []))
                out.append(f"speaker:{canon}")
            elif who in self.agencies:
                out.append(who)
        return list(dict.fromkeys(out))


def _consolidate(claims: list[Claim], ref: dt.date | None) -> list[Claim]:
    """One event mentioned several times in an article is one event.

    * A mention with neither parties nor a date ("the signing of this agreement", "both
      leaders signed the pact") whose treaty has no proper name of its own is a repeat of the
      article's best-attested event of that type (the main treaty first, then the first mention
      with a date or parties): it takes that event's treaty key, so merging groups them.
    * A reference-day default ("has signed", no date in the sentence) yields to an explicit
      date for the same event within the week before the reference day.
    Background mentions (an earlier treaty named by its year, a date over a year before the
    reference day) are left alone.
    """
    old = ref - dt.timedelta(days=366) if ref else None
    events = [c for c in claims if c.kind == "event"]
    lead = next((c.value["type"] for c in events if not c.background), events[0].value["type"] if events else None)
    for c in claims:  # a recalled event of the article's own kind ("Bulgaria, which also ratified …") still counts
        if c.kind == "event" and c.background and c.value["type"] == lead:
            c.background = False

    def current(c: Claim) -> bool:
        if c.kind != "event" or c.background:
            return False
        if c.treaty is not None and c.treaty.key.startswith("year:"):
            return False
        return not (c.date is not None and old is not None and c.date.date < old)

    events = [c for c in claims if current(c)]
    for etype in dict.fromkeys(c.value["type"] for c in events):
        same = [c for c in events if c.value["type"] == etype]
        attested = [c for c in same if (c.parties or c.date is not None) and c.treaty is not None]
        attested.sort(key=lambda c: c.evidence.where == "title")  # the text first, then the title
        if not attested:
            continue
        anchor = next((c for c in attested if c.treaty.key == "main"), attested[0])
        for c in same:
            if c is anchor or c.evidence.where != "text" or c.parties or c.date is not None or c.treaty is None or c.treaty.name or c.treaty.plural:
                continue
            c.treaty = TreatyRef(c.treaty.text, anchor.treaty.key, year=anchor.treaty.year, name=anchor.treaty.name)
        for c in same:
            if c.date_basis != "publication date" or c.treaty is None:
                continue
            explicit = [o for o in same if o is not c and o.treaty is not None and o.treaty.key == c.treaty.key
                        and o.date is not None and o.date_basis != "publication date" and o.date.precision == "day"
                        and ref is not None and ref - dt.timedelta(days=7) <= o.date.date <= ref]  # fmt: skip
            if explicit:
                c.date, c.date_basis = None, None
    return claims


def _after(d: DateMention, ref: dt.date) -> bool:
    """The date lies after the reference day (at its precision)."""
    if d.precision == "year":
        return d.date.year > ref.year
    if d.precision == "month":
        return (d.date.year, d.date.month) > (ref.year, ref.month)
    return d.date > ref + dt.timedelta(days=1)


def _similar(a: str, b: str) -> bool:
    stop = {"the", "a", "an", "this", "that", "new", "newly", "signed", "its", "their"}
    wa = {w for w in re.findall(r"[a-z]+", a.lower()) if w not in stop}
    wb = {w for w in re.findall(r"[a-z]+", b.lower()) if w not in stop}
    heads = set(HEADS.split("|"))
    return bool(wa & wb) and (bool((wa & wb) - heads) or wa <= heads or wb <= heads)
