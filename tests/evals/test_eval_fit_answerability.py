"""evals.fit_answerability's threshold pick, on question scores written by hand."""

from __future__ import annotations

from evals.fit_answerability import curve_json, pick_threshold


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
