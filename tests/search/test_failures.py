"""When failed fits end a search early: the configuration-error rule, alone."""

import pytest

from sktune import Categorical, Real
from sktune.search._failures import MIN_FAILED_CANDIDATES, FitFailures
from sktune.space import SubSpace

N_SPLITS = 2


def _traceback(message):
    return f'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: {message}\n'


SPACE = SubSpace({"x": Real(0, 1), "kind": Categorical(["a", "b", "bad"])})


def _failures_after(candidates, errors, subspace=SPACE):
    """A FitFailures that saw one batch: one error (or None) per candidate, per split."""
    failures = FitFailures(error_score=float("nan"))
    failures.add([error for error in errors for _ in range(N_SPLITS)])
    failures.check_batch(candidates, [subspace] * len(candidates), N_SPLITS, "Search")
    return failures


def test_same_error_for_candidates_that_differ_everywhere_ends_the_search():
    candidates = [{"x": 0.1, "kind": "a"}, {"x": 0.5, "kind": "b"}, {"x": 0.9, "kind": "a"}]
    with pytest.raises(ValueError, match="Search stopped early: 3 different candidates"):
        _failures_after(candidates, [_traceback("no model")] * 3)


def test_an_error_tied_to_one_value_does_not_end_the_search():
    # All three have kind="bad": the failure may be that value's, not the setup's.
    candidates = [{"x": x, "kind": "bad"} for x in (0.1, 0.5, 0.9)]
    _failures_after(candidates, [_traceback("unknown kind 'bad'")] * 3)


def test_a_constant_parameter_does_not_need_to_vary():
    candidates = [{"x": x, "kind": "only"} for x in (0.1, 0.5, 0.9)]
    subspace = SubSpace({"x": Real(0, 1), "kind": Categorical(["only"])})
    with pytest.raises(ValueError, match="stopped early"):
        _failures_after(candidates, [_traceback("no model")] * 3, subspace)


def test_different_errors_or_too_few_candidates_do_not_end_the_search():
    candidates = [{"x": 0.1, "kind": "a"}, {"x": 0.5, "kind": "b"}, {"x": 0.9, "kind": "a"}]
    _failures_after(candidates, [_traceback(f"x={c['x']} too large") for c in candidates])
    assert MIN_FAILED_CANDIDATES == 3
    _failures_after(candidates[:2], [_traceback("no model")] * 2)


def test_one_success_anywhere_means_the_configuration_works():
    candidates = [{"x": x, "kind": k} for x, k in ((0.1, "a"), (0.5, "b"), (0.9, "a"), (0.3, "b"))]
    _failures_after(candidates, [_traceback("no model")] * 3 + [None])
