"""The second stage of retrieval, a step of extractive answer selection: a deeper first-stage list
(`Engine.retrieve`, `DEPTH` passages) reordered by each passage's best answer candidate.

The first stage ranks passages by their words and their vector; the passage that states the answer
is often sixth or eighth behind passages that share more of the question's words (RGB: "Tesla's
revenue in Q1 2021" ranks reports of other quarters first). The answerability model of
rag.answerability scores sentences on what decides an answer (the asked type, the question's names
and focus...), so the passage holding the likeliest answer sentence moves up. The reordering is a
reciprocal rank fusion of the two orders below the first stage's best two passages, which stay.
Measured on the train split (QA evidence recall@5 / RGB hit@5 and answer accuracy), first stage
alone 0.871 / 0.86, 0.70; the candidates' order alone -- / 0.88; the fusion 0.883 / 0.92, 0.78;
the fusion below two kept 0.893 / 0.94, 0.78 (three kept: 0.896 / 0.90, 0.76). With two kept, QA
citation recall went 0.663 -> 0.673 and gold precision 0.583 -> 0.575 (answers chosen from the
reordered passages), refusals unchanged.

Whether to answer at all is still decided on the first stage's k passages (rag.extractive), as the
refusal threshold was fitted there: scoring more sentences finds a likelier-looking one for questions
the articles do not answer (train refusal AUC 0.773 -> 0.755 when the decision used the reranked
passages).

>>> from rag.schema import Passage, Span
>>> p = [Passage(s, 0, 9, "text", 0.0) for s in "abcde"]
>>> [x.source for x in rerank(p, [(Span("e", 2, 5), 0.9)], k=3)]   # (sentence span, answerability)
['a', 'b', 'e']
"""

from __future__ import annotations

from collections.abc import Sequence

from rag.retrieval import rrf
from rag.schema import Passage, Span

DEPTH = 20  # first-stage passages the second stage reorders (train: 10 gained less, RGB hit@5 0.90)
KEEP = 2  # the first stage's best passages stay first (train: keeping 0 or 3 gained less, above)


def rerank(passages: Sequence[Passage], scored: Sequence[tuple[Span, float]], k: int) -> list[Passage]:
    """The first `KEEP` of `passages` (first-stage order), then the best of the others by RRF
    (rag.retrieval.rrf) of their first-stage rank and the rank of their best scored sentence
    (`scored`: sentence spans with their probability of answering; a passage with none above 0 gets
    no credit)."""
    best: dict[int, float] = {}
    for span, score in scored:
        if score <= 0:  # ruled out (rag.answerability.allowed): no answer here, no credit
            continue
        for i, p in enumerate(passages):
            if p.source == span.source and p.start <= span.start < p.end:
                best[i] = max(best.get(i, 0.0), score)
    fused = rrf([list(range(len(passages))), sorted(best, key=lambda i: -best[i])])
    kept = list(range(min(KEEP, k, len(passages))))
    return [passages[i] for i in (kept + [i for i, _ in fused if i not in kept])[:k]]
