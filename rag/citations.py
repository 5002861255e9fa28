"""Verify a model's citations while its answer streams, without ever rewriting text already sent.

The model writes citation markers such as "[1]", "[1][2]", "[1, 2]" or "[1-3]", possibly split across
stream deltas ("[", "1", "]"). `CitationStream` never passes them through as written, and never
presents unsupported model text as the answer:

- each sentence is held back until it ends (decided by `rag.spans.sentence_spans` on the text seen so
  far plus the next character, or at `finish`); then its citations are verified, and it goes out
  with the verified ones as " [n]" after it ("Geneva [1]." goes out as "Geneva. [1]");
- a sentence no passage supports does not go out at all: it is listed in `unsupported` (a page may
  show it, marked and collapsed, never as the answer); a sentence saying the articles do not answer
  goes out as written, uncited;
- a sentence only the model can vouch for (`rescue`, below) waits for `finish`, and every sentence
  after it with it: the model is asked once its own answer has streamed;
- the concatenation of everything `feed` and `finish` return is the final answer text, exactly. So
  an answer streams sentence by sentence, and a reply with no supported sentence shows nothing: the
  answerer (rag.generative) then answers with the refusal text.

Verification of a sentence citing passage n (numbered 1..k as in the prompt):
- n outside 1..k: dropped ("points to no passage");
- the best-supporting span inside passage n is the sentence span (or window of two adjacent sentence
  spans, all from `passage_sentences`) covering the largest share
  of the answer sentence's content-term weight (`TermWeights.coverage`; a country and its adjective
  count as one term: "German ministers" / "the ministers of Germany"). It supports the sentence
  when that share is >= `SUPPORT_THRESHOLD`, the span contains every name and number of the
  sentence (`Claim.keys`, below) *and* it says nothing against the sentence (`Claim.contradicted_by`,
  below), nor does the span with the sentence beside it where that covers more of the sentence
  (the part the span leaves out may be what is wrong). Then the citation is *kept* and quotes that
  exact span;
- when no cited passage supports the sentence, none contradicts it, and another retrieved passage
  supports it, the citation is *repaired*: the marker points to that passage's span instead;
- otherwise the marker is *dropped* and the sentence is listed in `unsupported`.
A sentence without any marker is checked against every passage (a citation found that way is counted
as *added*); a sentence saying the articles do not answer is neither cited nor flagged. With
`allow_names_only=False` (local mode: rag.engine) a sentence of names alone ("Friday.",
`rag.support.Claim.names_only`) is dropped too: only the question says what it claims.

What "supports" means (names and numbers present as values; no contradiction by negation, dates,
swapped roles, lent names or moved places) is rag.support's: `Claim.of(sentence)` against the
`Reading` of each candidate span.

Markers in the emitted text number the distinct cited spans 1, 2, ... in order of first use (as the
extractive answers do), so each marker names exactly one `Citation` and `Citation.marker` is unique.

Why 0.5 and the names-and-numbers rule, measured on the dev set (first 24 questions of
evals/qa.jsonl, seeds, k=5). Positives: the reference answers of the 18 answerable questions
against their retrieved passages that contain the answer. Negatives: each reference answer against
the passages retrieved for each *other* question that lack its facts (435 pairs).

    threshold  coverage alone: positives  negatives   + names and numbers: positives  negatives
    0.40                       17/18      20/435                           10/18      7/435
    0.45                       15/18      14/435                            9/18      7/435
    0.50                       14/18       7/435 (1.6%)                     9/18      0/435
    0.55                        7/18       7/435                            7/18      0/435

0.5 is the knee: above it half the supported answers are lost, below it false support doubles or
triples. It is also the extractive answerer's original `min_support`. The names-and-numbers rule
removes the remaining false support; the 5 positives it costs are reference answers that state a
detail their best span lacks ("January" three times, "175", "Blinken"). With SmolLM2 it rejects
sentences that coverage alone accepts: "... Lavrov on Wednesday in Geneva" (the article: Friday),
"French President Emmanuel Macron said ..." (no article mentions Macron), "The Canadian Foreign
Minister, Sergei Lavrov, ...". benchmarks/llm_citations.py counts a real model's citations.

>>> from rag.schema import Passage
>>> from rag.terms import TermWeights
>>> article = "Blinken will meet Lavrov in Geneva on Friday. It rained."
>>> cs = CitationStream([Passage("a.txt", 0, len(article), article, 1.0)], TermWeights({}, 10))
>>> "".join([cs.feed("They meet in Geneva on Friday ["), cs.feed("1]."), cs.feed(" [7] Paris won"), cs.finish()])
'They meet in Geneva on Friday. [1]'
>>> cs.citations[0].quote, cs.stats["kept"], cs.stats["dropped"], cs.unsupported
('Blinken will meet Lavrov in Geneva on Friday.', 1, 1, ['Paris won'])
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from rag.prompts import is_refusal
from rag.schema import Citation, Passage, Span
from rag.spans import passage_sentences, sentence_spans
from rag.reading import Reading, proper_names, titles
from rag.support import Claim
from rag.terms import TermWeights, fold_demonyms, tokens

SUPPORT_THRESHOLD = 0.5  # least share of a sentence's content-term weight its cited span must cover
# With a model to ask (CitationStream's `rescue`: the model's P(yes) that a span says what a sentence says),
# a span covering at least RESCUE_FLOOR of a reworded sentence, and lacking none of its names and numbers,
# holds when P >= RESCUE_PROBABILITY: the least of 0.5, 0.6, 0.7, 0.8 at which no flip of the train-evidence
# claims (tests/data/support_claims_free.jsonl, 1.5B) gets through that the rules alone drop (at 0.5 one
# did, "Lavrov vowed ..." for "Blinken promised ..."). There faithful kept 15 -> 18 of 40; on the blind
# claims, run once: 19 -> 22 of 35, flips dropped 30 of 35 as before. RESCUE_FLOOR: below it a sentence is
# another sentence, whatever a small model says.
RESCUE_PROBABILITY = 0.7
RESCUE_FLOOR = 0.25
WINDOW = 2  # a citation may quote up to this many adjacent sentences

_WORD = r"(?:passages?|sources?|refs?)"
_SEP = r"(?:,|;|&|-|–|and)"
_MARKER = re.compile(
    rf"\[\s*(?:{_WORD}\s*)?\d{{1,3}}(?:\s*{_SEP}\s*(?:{_WORD}\s*)?\d{{1,3}})*\s*\]", re.IGNORECASE
)
_MARKER_CHARS = re.compile(r"[\w\s,;&\-–]*")
_MARKER_WORDS = ("passage", "passages", "source", "sources", "ref", "refs", "and")
_PRONOUN = re.compile(r"^\W*(?:he|she)\b|\b(?:he|she) (?:said|added|stressed|insisted|warned)\W*$", re.IGNORECASE)
_MAX_MARKER = 40  # a "[" followed by more than this is text, not a marker
_MAX_RANGE = 10


def parse_marker(text: str) -> list[int] | None:
    """The passage numbers of a complete marker, or None when `text` is not one.

    >>> parse_marker("[1]"), parse_marker("[1, 3]"), parse_marker("[Passage 2-4]"), parse_marker("[a]")
    ([1], [1, 3], [2, 3, 4], None)
    """
    if not _MARKER.fullmatch(text):
        return None
    numbers: list[int] = []
    pieces = re.findall(r"\d+|[-–]", text)
    i = 0
    while i < len(pieces):
        if pieces[i] in "-–":
            i += 1
            continue
        n = int(pieces[i])
        if i + 2 < len(pieces) and pieces[i + 1] in "-–" and pieces[i + 2].isdigit():
            m = int(pieces[i + 2])
            numbers.extend(range(n, m + 1) if n <= m <= n + _MAX_RANGE else [n, m])
            i += 3
        else:
            numbers.append(n)
            i += 1
    return numbers


def could_be_marker(text: str) -> bool:
    """Could `text` (starting with "[") still grow into a marker? Errs on the side of yes: a false
    yes only delays the text until the closing "]" shows it is not a marker.

    >>> could_be_marker("["), could_be_marker("[1, "), could_be_marker("[pass"), could_be_marker("[Reuters")
    (True, True, True, False)
    """
    if len(text) > _MAX_MARKER or not text.startswith("[") or not _MARKER_CHARS.fullmatch(text[1:]):
        return False
    body = text[1:].lower()
    words = list(re.finditer(r"[^\W\d_]+", body))
    for i, word in enumerate(words):
        typing = i == len(words) - 1 and word.end() == len(body)
        ok = any(w.startswith(word.group()) for w in _MARKER_WORDS) if typing else word.group() in _MARKER_WORDS
        if not ok:
            return False
    return True


class _AskLater(Exception):
    """A verdict needs the model, which is asked once its answer has streamed (`CitationStream.finish`)."""


@dataclass(frozen=True)
class Decision:
    """What happened to one model marker (or to one unmarked sentence: marker None)."""

    sentence: str
    marker: int | None
    outcome: str  # kept | repaired | dropped | added | unsupported
    reason: str = ""
    coverage: float = 0.0
    citation: int | None = None  # the number emitted for it


@dataclass(frozen=True)
class Support:
    coverage: float
    span: _Candidate | None
    missing: frozenset[str]  # key terms of the claim the span lacks
    conflict: str = ""  # why the span says otherwise (negation, roles), when it covers enough


@dataclass(frozen=True)
class _Candidate(Span):
    """A span a citation may quote: one sentence of a passage, or a window of adjacent ones."""

    quote: str
    tokens: frozenset[str]
    reading: Reading
    names: frozenset[str]  # stems the span writes capitalised (and the person its "He" means)
    folded: frozenset[str]  # its tokens with adjectives as their countries (rag.terms.fold_demonyms)
    abbreviations: frozenset[str]  # acronyms it writes or spells (Reading.abbreviations)
    counterparts: frozenset[str] = frozenset()  # people it gives as "his US counterpart" (Reading.related)


class CitationStream:
    """Feed the model's text deltas; get back text that is safe to show now. See the module docstring."""

    def __init__(
        self,
        passages: Sequence[Passage],
        weights: TermWeights,
        threshold: float = SUPPORT_THRESHOLD,
        rescue: Callable[[str, str], float] | None = None,
        allow_names_only: bool = True,
    ) -> None:
        self.passages = list(passages)
        # False: a sentence of names alone ("Friday.", `rag.support.Claim.names_only`) is never supported
        self.allow_names_only = allow_names_only
        self.weights = weights
        self.threshold = threshold
        self.rescue = rescue
        self._rescued: dict[tuple[str, str], bool] = {}
        self.citations: list[Citation] = []
        self.unsupported: list[str] = []
        self.decisions: list[Decision] = []
        self.stats = {"kept": 0, "repaired": 0, "dropped": 0, "added": 0}
        self.refusals = 0  # sentences saying that the articles do not answer
        self.supported = 0  # sentences with at least one verified citation
        self._numbers: dict[tuple[str, int, int], int] = {}
        self._spans: dict[int, list[_Candidate]] = {}
        self._known: frozenset[str] | None = None
        self._proper_names: frozenset[str] | None = None
        self._people: dict[tuple[str, ...], frozenset[str]] | None = None  # titles of one person (rag.reading)
        self._out: list[str] = []
        self._sentence = ""  # the current sentence as received
        self._pending = ""  # the current sentence as it will be emitted if it holds
        self._separator = ""  # the white space before it, emitted with it when something went out before
        self._said = False  # some text went out
        self._waiting: list[tuple[str, list[int], str, str]] = []  # sentences waiting for the model (finish)
        self._streaming = True  # until finish(): the model is not asked while its answer streams
        self._markers: list[int] = []  # the model's markers in the current sentence
        self._after_marker = False  # a marker came after the last text character
        self._ws = ""  # held white space
        self._held: str | None = None  # a possible marker being received
        self._ws_before_held = ""
        self._gap = ""  # white space that preceded the sentence's markers (a separator of last resort)
        # "," or ";" right after a marker: between two markers ("[1], [2]") it belongs to them; before
        # text it is text. Held (with the white space after it) until the next character says which.
        self._between: str | None = None
        self._finished = False

    @property
    def text(self) -> str:
        """Everything emitted so far."""
        return "".join(self._out)

    # --- streaming ----------------------------------------------------------------------------
    def feed(self, delta: str) -> str:
        """Take a delta of model text; return the text that can be shown now (maybe "")."""
        if self._finished:
            raise RuntimeError("feed() after finish()")
        out: list[str] = []
        for ch in delta or "":
            self._char(ch, out)
        return self._emit(out)

    def finish(self) -> str:
        """The model is done: flush what is held, verify the last sentence; return the rest of the text."""
        if self._finished:
            return ""
        out: list[str] = []
        if self._held is not None and parse_marker(self._held + "]") is not None:
            self._char("]", out)  # a marker cut off by the end of the reply (e.g. max_tokens): "[1"
        self._release_held(out)
        self._between = None  # a separator after the last marker ("[1],") says nothing
        if self._sentence or self._markers:
            out.append(self._close())
        self._streaming = False
        out.extend(self._render(*waiting) for waiting in self._waiting)  # now the model may be asked
        self._waiting = []
        self._ws = ""  # trailing white space is not part of the answer
        self._finished = True
        return self._emit(out)

    def _emit(self, out: list[str]) -> str:
        piece = "".join(out)
        if piece:
            self._out.append(piece)
        return piece

    def _char(self, ch: str, out: list[str]) -> None:
        if self._between is not None:
            if ch.isspace():
                self._between += ch
                return
            between, self._between = self._between, None
            if ch != "[":  # text after all: "[1], and then ..."
                before, sep, after = between.partition(between.strip())
                self._ws += before
                self._text(sep, out)
                self._ws += after
        if self._held is not None:
            candidate = self._held + ch
            numbers = parse_marker(candidate)
            if numbers is not None:
                self._markers.extend(numbers)
                self._gap = self._gap or self._ws_before_held
                self._held, self._ws_before_held = None, ""
                self._after_marker = True
                return
            if could_be_marker(candidate):
                self._held = candidate
                return
            self._release_held(out)  # it was text after all
            self._char(ch, out)
            return
        if ch.isspace():
            self._ws += ch
        elif ch in ",;" and self._after_marker:
            self._between, self._ws = self._ws + ch, ""
        elif ch == "[":
            self._held, self._ws_before_held, self._ws = "[", self._ws, ""
        else:
            self._text(ch, out)

    def _release_held(self, out: list[str]) -> None:
        """A held "[..." turned out not to be a marker: emit it as text."""
        if self._held is None:
            return
        held, self._held = self._held, None
        self._ws, self._ws_before_held = self._ws_before_held, ""
        self._text("[", out)
        for ch in held[1:]:
            self._char(ch, out)

    def _text(self, ch: str, out: list[str]) -> None:
        if self._sentence and (self._ws or self._after_marker) and self._starts_sentence(self._ws or " ", ch):
            out.append(self._close())
            separator = self._ws or self._gap or " "
            self._ws = self._gap = ""
            self._sentence = ch
            # The separator goes out with the sentence, and only after something else went out.
            self._separator, self._pending = separator, ch
            return
        piece = (self._ws if self._sentence else "") + ch  # no white space before the first sentence
        self._ws, self._gap, self._after_marker = "", "", False
        self._sentence += piece if self._sentence else piece.lstrip()
        self._pending += piece if self._pending else piece.lstrip()

    def _starts_sentence(self, gap: str, ch: str) -> bool:
        """Does `ch`, after `gap`, begin a new sentence? Decided by the one sentence splitter."""
        probe = self._sentence + gap + ch
        spans = sentence_spans(probe)
        return len(spans) >= 2 and spans[-1][0] == len(probe) - 1

    # --- verification -------------------------------------------------------------------------
    def _close(self) -> str:
        """Verify the sentence just ended; return what of it goes out (nothing if unsupported). A
        sentence whose verdict needs the model (`rescue`) waits for `finish`, and every sentence after
        it too (text never goes out of order): asked while its answer streams, a one-slot server
        (rag.local_server) would answer only after generating the whole answer anyway."""
        closed = (self._sentence.strip(), self._markers, self._separator, self._pending)
        self._sentence, self._markers, self._after_marker, self._pending, self._separator = "", [], False, "", ""
        if not self._waiting:
            try:
                return self._render(*closed)
            except _AskLater:
                pass
        self._waiting.append(closed)
        return ""

    def _render(self, sentence: str, markers: list[int], separator: str, pending: str) -> str:
        numbers = self.verify(sentence, markers)
        if numbers:
            self.supported += 1
            text = pending + " " + "".join(f"[{n}]" for n in numbers)
        else:
            text = pending if sentence and is_refusal(sentence) else ""
        if not text:
            return ""
        text, self._said = (separator if self._said else "") + text, True
        return text

    def verify(self, sentence: str, markers: Sequence[int]) -> list[int]:
        """Check one sentence and its model markers; record the outcome; return the citation numbers
        to show after it (empty when nothing supports it). Before `finish`, with `rescue` set, raises
        _AskLater (recording nothing) when the verdict needs the model."""
        markers = list(dict.fromkeys(markers))
        if not sentence or is_refusal(sentence):
            if sentence:
                self.refusals += 1
            for m in markers:
                self._decide(sentence, m, "dropped", "no sentence to support" if not sentence else "refusal sentence")
            return []
        claim = Claim.of(sentence, self._proper())
        if not self.allow_names_only and claim.names_only:
            for m in markers:
                self._decide(sentence, m, "dropped", "names only: what it says is the question's")
            self.unsupported.append(sentence)
            return []
        if not markers:
            if not claim.terms:
                return []  # e.g. "1." of a numbered list: nothing to support
            best = self._best(claim, range(len(self.passages)))
            if self._holds(best, sentence):
                number = self._cite(best.span)
                self._decide(sentence, None, "added", "uncited sentence supported", best.coverage, number)
                return [number]
            self._decide(sentence, None, "unsupported", "uncited; " + self._why(best), best.coverage)
            self.unsupported.append(sentence)
            return []
        numbers: list[int] = []
        failed: list[tuple[int, Support]] = []
        checked = [(m, self._best(claim, [m - 1])) for m in markers if 1 <= m <= len(self.passages)]
        # Several cited passages may share the names and numbers between them ("X met Y [1][2]"):
        # each must cover enough of the sentence, all of them together must name every key term.
        strong = [support for _, support in checked if self._strong(support, sentence)]
        together = claim.lacks(frozenset().union(*(s.span.tokens for s in strong)),
                               frozenset().union(*(s.span.reading.numbers for s in strong)),
                               any(s.span.reading.negates for s in strong),
                               frozenset().union(*(s.span.names for s in strong)),
                               frozenset().union(*(s.span.abbreviations for s in strong)))
        repair = None  # another passage that supports the sentence, when none of the cited ones does
        # ... and none of them says otherwise: a sentence its own passage contradicts ("a Ukrainian
        # invasion of Russia" cited to "a Russian invasion of Ukraine") is wrong, not mis-numbered, and
        # a weaker match elsewhere that lacks the contradicted words would only hide that
        if checked and (together or not strong) and not any(s.conflict for _, s in checked):
            tried = {m - 1 for m, _ in checked}
            repair = self._best(claim, [i for i in range(len(self.passages)) if i not in tried])
            repair = repair if self._holds(repair, sentence) else None
        # (the model, when asked at all, has been asked by now: the verdicts below are recorded once)
        for m in markers:
            if not 1 <= m <= len(self.passages):
                self._decide(sentence, m, "dropped", "points to no passage")
        for m, support in checked:
            if self._strong(support, sentence) and not together:
                number = self._cite(support.span)
                numbers.append(number)
                reworded = "" if support.coverage >= self.threshold else "reworded: the model says the span says it"
                self._decide(sentence, m, "kept", reworded, support.coverage, number)
            else:
                failed.append((m, support))
        if failed and not numbers and repair is not None:
            number = self._cite(repair.span)
            numbers.append(number)
            m, support = failed.pop(0)
            self._decide(sentence, m, "repaired", f"passage {m}: {self._why(support)}; passage "
                         f"{self._number_of(repair.span)} covers {repair.coverage:.2f}", repair.coverage, number)
        for m, support in failed:
            self._decide(sentence, m, "dropped", f"passage {m}: {self._why(support)}", support.coverage)
        if not numbers:
            self.unsupported.append(sentence)
        return list(dict.fromkeys(numbers))

    def coverage_in(self, sentence: str, passage_number: int) -> float:
        """How well passage `passage_number` (1-based) supports `sentence`: the coverage of its best span."""
        return self._best(Claim.of(sentence, self._proper()), [passage_number - 1]).coverage

    def _strong(self, support: Support, sentence: str) -> bool:
        """Covers enough of the sentence and says nothing against it (names and numbers aside). With
        `rescue`: a span that lacks none of the sentence's names and numbers and contradicts nothing,
        but covers too little of its words (a reworded sentence: "put together in a hurry" for "hastily
        organized"), holds when the model says it says the same (`RESCUE_PROBABILITY`)."""
        if support.span is None or support.conflict:
            return False
        if support.coverage >= self.threshold:
            return True
        if self.rescue is None or support.missing or support.coverage < RESCUE_FLOOR:
            return False
        key = (support.span.quote, sentence)
        if key not in self._rescued:
            if self._streaming:
                raise _AskLater
            self._rescued[key] = self.rescue(support.span.quote, sentence) >= RESCUE_PROBABILITY
        return self._rescued[key]

    def _holds(self, support: Support, sentence: str) -> bool:
        return not support.missing and self._strong(support, sentence)

    def _why(self, support: Support) -> str:
        if support.span is None:
            return "no passage to check"
        if support.conflict:
            return support.conflict
        if support.missing and support.coverage >= self.threshold:
            return "does not mention " + ", ".join(sorted(support.missing))
        return f"covers only {support.coverage:.2f} of the sentence"

    def _number_of(self, span: _Candidate) -> int:
        return next(i for i, p in enumerate(self.passages, 1)
                    if p.source == span.source and p.start <= span.start and span.end <= p.end)

    def _decide(self, sentence: str, marker: int | None, outcome: str, reason: str = "",
                coverage: float = 0.0, citation: int | None = None) -> None:
        if outcome in self.stats:
            self.stats[outcome] += 1
        self.decisions.append(Decision(sentence, marker, outcome, reason, coverage, citation))

    def _candidates(self, index: int) -> list[_Candidate]:
        """Sentence spans of passage `index` and windows of up to WINDOW adjacent ones."""
        spans = self._spans.get(index)
        if spans is None:
            p = self.passages[index]
            singles = passage_sentences(p)
            texts = [p.text[s - p.start : e - p.start] for s, e in singles]
            readings = [Reading.of(text) for text in texts]
            # "He reiterated that ...": the pronoun names whom the sentence before names first
            meant = [readings[i - 1].subject(self._names()) if i and _PRONOUN.search(text) else frozenset()
                     for i, text in enumerate(texts)]
            spans = []
            for size in range(1, WINDOW + 1):
                for i in range(len(singles) - size + 1):
                    s, e = singles[i][0], singles[i + size - 1][1]
                    quote = p.text[s - p.start : e - p.start]
                    reading = readings[i] if size == 1 else Reading.of(quote)
                    # names given by description ("the German capital", a title) or by a pronoun count as
                    # written there; a "he said" after a title is read in the window with its sentence
                    countries, counterparts = reading.related(self._titles(), self._names())  # "his country"
                    named = meant[i] | reading.described(self._titles()) | countries | counterparts
                    words = frozenset(tokens(quote)) | named
                    capitalised = reading.written_capitalised() | named
                    spans.append(_Candidate(p.source, s, e, quote, words, reading, capitalised,
                                            frozenset(fold_demonyms(list(words))), reading.abbreviations, counterparts))
            self._spans[index] = spans
        return spans

    def _titles(self) -> dict[tuple[str, ...], frozenset[str]]:
        if self._people is None:
            self._people = titles([p.text for p in self.passages])
        return self._people

    def _proper(self) -> frozenset[str]:
        if self._proper_names is None:
            self._proper_names = proper_names([p.text for p in self.passages])
        return self._proper_names

    def _names(self) -> frozenset[str]:
        """Words the passages capitalise inside a sentence, or only ever capitalise: names, even
        where they start one."""
        if self._known is None:
            self._known = self._proper().union(*(Reading.of(p.text).capitals for p in self.passages))
        return self._known

    def _best(self, claim: Claim, indices) -> Support:
        """The best-supporting span among the given passages, ranked by: supports the claim
        (covers >= threshold, says nothing against it, holds every name and number of it), covers
        enough without saying otherwise, lacks fewer names and numbers, coverage. Ties go to the
        earlier passage and to single sentences over windows (they come first)."""
        best = Support(0.0, None, frozenset(claim.keys))
        rank: tuple = (False, False, -len(claim.keys) - 1, -1.0)
        # a country and its adjective are one term ("German ministers" / "ministers of Germany")
        folded = list(zip(claim.terms, fold_demonyms(claim.terms)))
        contradicted: list[tuple[_Candidate, float, str]] = []
        for index in indices:
            for span in self._candidates(index):
                coverage = self.weights.coverage(claim.terms, claim.shared(span.tokens, span.reading)
                                                 | {t for t, f in folded if f in span.folded})
                missing = claim.lacks(span.tokens, span.reading.numbers, span.reading.negates, span.names,
                                      span.abbreviations)
                enough = coverage >= self.threshold
                # a span the model may vouch for (`rescue`) is read for contradictions too
                read = enough or (self.rescue is not None and coverage >= RESCUE_FLOOR)
                conflict = claim.contradicted_by(span.reading, self._names(), span.counterparts) if read else ""
                strong = enough and not conflict
                candidate = (strong and not missing, strong, -len(missing), round(coverage, 12))
                if candidate > rank:
                    best, rank = Support(coverage, span, missing, conflict), candidate
                if conflict:
                    contradicted.append((span, coverage, conflict))
        # "... would impose severe consequences, threats that Moscow took very seriously" kept by its
        # first half: when the span with the sentence beside it covers more of the claim and says
        # otherwise ("Moscow downplayed these threats"), the part the span left out is what is wrong
        if rank[0]:
            for span, coverage, conflict in contradicted:
                if (span.source == best.span.source and span.start <= best.span.start and best.span.end <= span.end
                        and coverage > best.coverage):
                    return Support(best.coverage, best.span, best.missing, "the sentence beside it says otherwise: "
                                   + conflict)
        return best

    def _cite(self, span: _Candidate) -> int:
        key = (span.source, span.start, span.end)
        number = self._numbers.get(key)
        if number is None:
            number = self._numbers[key] = len(self._numbers) + 1
            self.citations.append(Citation(span.source, span.start, span.end, quote=span.quote, marker=number))
        return number
