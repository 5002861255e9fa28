"""Pick the threshold of answer mode `local` (rag.judged) on the TRAIN split only.

    python -m evals.fit_judged [--size 1.5b]     # writes rag/judged.json; needs the model installed

For every train question of the QA set (seeds) and the HTML set, the local answerer's selector
(rag.extractive with the model as judge, rag.judged) scores the question: its confidence is the model's
best P(yes) on a candidate (the best `JUDGED` by answerability). The threshold is picked as the
extractive one is (evals/fit_answerability.pick_threshold: the lowest within one question of the fewest
errors, missed refusals plus false refusals counted alike); the curve is stored beside it.

The answerability model (fitted on these same train questions) only picks which candidates are
judged and rules some out; the threshold is on the model's verdicts. The score used to be the product of
the two: on the train questions its question-level AUC was 0.87 against 0.91 for the verdict alone
(November 30, with the rule for names the articles never mention, rag.strangers), and at
the same false refusals (0.11) it refused 0.74 of the unanswerable train questions against 0.80.
The test split (evals/SPLITS.md) is never read here; it says how the threshold does on questions
nothing was tuned on.

The model's verdicts are cached (CACHE_DIR/local-verdicts.json, by model file, the whole prompt and
how it is read), so a rerun after a change elsewhere costs only the new questions. Printed and stored
beside the threshold: the question-level AUC of the judged confidence and of answerability alone.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

from tqdm import tqdm

from evals import qaset
from evals.common import CACHE_DIR, SEEDS, open_engine, shared_dir
from evals.fit_answerability import K, curve_json, pick_threshold, print_curve
from rag.answerability import MODEL_FILE
from rag.config import Settings
from rag.extractive import ExtractiveAnswerer
from rag.judged import JUDGED_FILE, ModelJudge
from rag.model import get_spec
from rag.llm import TOP_LOGPROBS
from rag.prompts import judge_messages

CACHE_FILE = CACHE_DIR / "local-verdicts.json"
GRID = [round(0.01 * i, 2) for i in range(1, 91)]


class CachedJudge:
    """A ModelJudge whose verdicts are kept on disk, keyed by model, prompt, question and sentence."""

    def __init__(self, judge: ModelJudge, model: str) -> None:
        self.judge, self.model = judge, model
        self.verdicts: dict[str, float] = json.loads(CACHE_FILE.read_text()) if CACHE_FILE.is_file() else {}

    def __call__(self, question: str, sentence: str) -> float:
        prompt = json.dumps(judge_messages(question, sentence), sort_keys=True)
        key = hashlib.sha256("\x00".join([self.model, prompt, str(TOP_LOGPROBS)]).encode()).hexdigest()
        if key not in self.verdicts:
            self.verdicts[key] = self.judge(question, sentence)
        return self.verdicts[key]

    def save(self) -> None:
        CACHE_FILE.parent.mkdir(parents=True, exist_ok=True)
        CACHE_FILE.write_text(json.dumps(self.verdicts))


def question_scores(path: Path, corpus: Path, index: Path, judge: CachedJudge) -> list[tuple[float, bool, float]]:
    """(judged confidence, should refuse, answerability alone) per train question of one set."""
    items = [i for i in qaset.load(path) if i.split == "train" and not i.history]
    engine, _ = open_engine(corpus, index, quiet=True)
    try:
        base = engine._extractive()
        # threshold 0: every one of the best candidates is judged, whatever the threshold picked below
        selector = ExtractiveAnswerer(base.weights, base.embed, base.max_sentences, threshold=0.0, judge=judge)
        scores = []
        for item in tqdm(items, desc=path.name, unit="q", file=sys.stderr):
            passages = engine.answer_passages(item.question, k=K)
            confidence = selector.decide(item.question, passages)[1]
            scores.append((confidence, not item.answerable, base.decide(item.question, passages)[1]))
            judge.save()
    finally:
        engine.close()
    return scores


def auc(scores: list[tuple[float, bool, float]], column: int) -> float:
    """Question-level ROC AUC of one column for telling answerable from unanswerable questions."""
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score([not refuse for _, refuse, _ in scores], [row[column] for row in scores]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m evals.fit_judged", description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", default="1.5b", help="the installed model to judge with (default 1.5b)")
    parser.add_argument("--out", type=Path, default=JUDGED_FILE, help="where to write (default rag/judged.json)")
    opts = parser.parse_args(argv)
    from rag.local_server import local_llm_client

    settings = Settings(local_model_size=opts.size)
    client = local_llm_client(settings)
    judge = CachedJudge(ModelJudge(client), get_spec(opts.size).filename)
    scores = question_scores(qaset.DEFAULT_PATH, SEEDS, CACHE_DIR / "fit-seeds" / "index", judge)
    html = shared_dir() / "benchmarks" / "html"
    if html.is_dir():
        scores += question_scores(qaset.HTML_QA_PATH, html, CACHE_DIR / "fit-html" / "index", judge)
    threshold, curve = pick_threshold(scores, GRID)
    aucs = {"judged": round(auc(scores, 0), 3), "answerability_alone": round(auc(scores, 2), 3)}
    print(f"question-level AUC: judged {aucs['judged']}, answerability alone {aucs['answerability_alone']} "
          "(in-sample for answerability: it was fitted on these questions)", file=sys.stderr)
    print_curve(curve, "QA + HTML train questions")
    print(f"picked threshold {threshold:.2f} on {len(scores)} train questions", file=sys.stderr)
    fitted = {
        "about": "Answer mode local (rag.judged): the least P(yes) of the model's verdict on a candidate for "
                 "an answer; picked by python -m evals.fit_judged on the train split only.",
        "threshold": threshold,
        "model": get_spec(opts.size).filename,
        "answerability_sha256": hashlib.sha256(MODEL_FILE.read_bytes()).hexdigest(),
        "train": {"questions": len(scores), "auc": aucs, "curve": curve_json(curve)},
    }
    opts.out.write_text(json.dumps(fitted, indent=1) + "\n", encoding="utf-8")
    print(f"wrote {opts.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
