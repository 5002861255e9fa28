"""evals.fit_answerability's question scores and threshold pick, on scores written by hand."""

from __future__ import annotations

import numpy as np

from evals.fit_answerability import Example, curve_json, pick_threshold, question_level


def test_the_threshold_with_the_fewest_errors_is_picked_lowest_first():
    # (best probability, should refuse, unused): answerable at 0.30 and 0.12, unanswerable at 0.08 and 0.20
    questions = [(0.30, False, True), (0.12, False, True), (0.08, True, True), (0.20, True, True)]
    threshold, curve = pick_threshold(questions, grid=[0.10, 0.15, 0.25])
    rows = {t: (correct, false) for t, correct, false in curve}
    assert rows[0.10] == (0.5, 0.0) and rows[0.15] == (0.5, 0.5) and rows[0.25] == (1.0, 0.5)
    assert threshold == 0.10  # one error, as at 0.25: ties go to the lower threshold
    assert curve_json(curve)[0] == {"threshold": 0.10, "correct_refusal": 0.5, "false_refusal": 0.0}


def _questions(unanswerable: list[float], answerable: list[float]) -> list[tuple[float, bool, bool]]:
    return [(p, True, True) for p in unanswerable] + [(p, False, True) for p in answerable]


def test_a_minimum_lower_by_less_than_one_question_does_not_move_the_threshold_up():
    answerable = [0.25] + [0.9] * 9  # one false refusal at 0.3
    # errors: 0.1 -> 0.6; 0.2 -> 0.3; 0.3 -> 0.1 + 0.1 = 0.2, one question (of ten) fewer than at 0.2
    threshold, _ = pick_threshold(_questions([0.05] * 4 + [0.15] * 3 + [0.25] * 2 + [0.5], answerable),
                                  grid=[0.1, 0.2, 0.3])
    assert threshold == 0.2
    # three questions fewer: 0.2 -> 0.5; 0.3 -> 0.2
    threshold, _ = pick_threshold(_questions([0.05] * 4 + [0.15] + [0.25] * 4 + [0.5], answerable),
                                  grid=[0.1, 0.2, 0.3])
    assert threshold == 0.3


def _example(group: str, part: int = 0, every_part: bool = False, scored: bool = True) -> Example:
    return Example(group, np.zeros(1), 0, False, scored, part=part, every_part=every_part)


def test_a_question_scores_its_best_sentence_and_one_needing_every_part_its_weakest_part():
    examples = [_example("two-part", 0), _example("two-part", 0), _example("two-part", 1),  # any part answers
                _example("events", 0, True), _example("events", 0, True), _example("events", 1, True),
                _example("undated", 0, True), _example("undated", 1, True, scored=False)]
    scores = question_level(examples, np.array([0.2, 0.6, 0.4, 0.2, 0.6, 0.4, 0.9, 0.0]))
    assert [round(best, 2) for best, _, _ in scores] == [0.6, 0.4, 0.0]
