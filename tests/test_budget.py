"""Budgets that carry a candidate's training state between the rungs of a halving search."""

import copy
import os
import pickle

import numpy as np
from sklearn.base import clone
from sklearn.tree import DecisionTreeClassifier

from sktune import _budget
from sktune._budget import Budget, StateStore, data_key, plain


def test_budget_is_the_int_it_stands_for():
    budget = Budget(9, "/somewhere", "0-3", max_bytes=10)
    assert budget == 9 and isinstance(budget, int) and budget + 1 == 10
    assert repr(budget) == "9" and plain(budget) == 9 and type(plain(budget)) is int
    # It travels with the parameters: pickled by value, never copied apart.
    again = pickle.loads(pickle.dumps(budget))
    assert (again, again.directory, again.candidate, again.max_bytes) == (
        9, "/somewhere", "0-3", 10
    )
    assert copy.deepcopy(budget) is budget
    estimator = clone(DecisionTreeClassifier(max_depth=budget))
    assert estimator.max_depth.candidate == "0-3"


def test_data_key_identifies_a_fold():
    X = np.arange(12.0).reshape(6, 2)
    y = np.array([0, 1, 0, 1, 0, 1])
    assert data_key(X, y, None) == data_key(X.copy(), y.copy(), None)
    assert data_key(X, y, None) != data_key(X[1:], y[1:], None)
    assert data_key(X, y, None) != data_key(X, y, np.ones(6))
    assert data_key(X, y, None) != data_key(X.astype(np.float32), y, None)


def test_store_saves_loads_discards_and_is_bounded(tmp_path):
    store = StateStore(tmp_path)
    assert store.load("c", "k") is None
    assert store.save("c", "k", 3, {"w": np.ones(4)})
    n_done, arrays = store.load("c", "k")
    assert n_done == 3 and np.array_equal(arrays["w"], np.ones(4))
    assert store.size() > 0
    full = StateStore(tmp_path, max_bytes=store.size())
    assert not full.save("d", "k", 3, {"w": np.ones(4)})  # at its limit: not written
    store.discard("c")
    assert store.load("c", "k") is None and not os.path.exists(tmp_path / "c")


def test_budget_loads_only_a_state_it_can_continue(tmp_path):
    StateStore(tmp_path).save("c", "k", 3, {"w": np.zeros(2)})
    assert Budget(9, tmp_path, "c").load("k")[0] == 3
    assert Budget(3, tmp_path, "c").load("k") is None  # already at this budget
    assert Budget(9, tmp_path / "elsewhere", "c").load("k") is None  # unreachable
    assert not Budget(9, tmp_path / "elsewhere", "c").save("k", 9, {"w": np.ones(2)})


def test_live_states_are_bounded_and_follow_the_saved_ones(tmp_path, monkeypatch):
    monkeypatch.setattr(_budget, "MAX_LIVE_STATES", 8)
    _budget._live.clear()
    budgets = [Budget(9, tmp_path, f"c{i}") for i in range(10)]
    for budget in budgets:
        budget.save("k", 3, {"w": np.ones(1)})
        budget.keep_live("k", 3, object())
    assert len(_budget._live) == 8  # the oldest were evicted
    assert budgets[0].take_live("k") is None
    assert budgets[-1].take_live("k")[0] == 3
    assert budgets[-1].take_live("k") is None  # taken once
    # A candidate the search dropped (its saved state deleted) is never continued live.
    StateStore(tmp_path).discard("c4")
    assert budgets[4].take_live("k") is None
    _budget._live.clear()


def test_live_states_are_bounded_by_the_size_of_their_saved_states(tmp_path, monkeypatch):
    _budget._live.clear()
    budgets = [Budget(9, tmp_path, f"c{i}") for i in range(4)]
    budgets[0].save("k", 3, {"w": np.ones(1000)})
    size = os.path.getsize(tmp_path / "c0" / "k.npz")
    monkeypatch.setattr(_budget, "MAX_LIVE_BYTES", 2 * size)
    for budget in budgets:
        budget.save("k", 3, {"w": np.ones(1000)})
        budget.keep_live("k", 3, object())
    assert [k[1] for k in _budget._live] == ["c2", "c3"]  # the two newest fit
    # The newest is kept even when it alone is over the bound.
    big = Budget(9, tmp_path, "big")
    big.save("k", 3, {"w": np.ones(10_000)})
    big.keep_live("k", 3, object())
    assert [k[1] for k in _budget._live] == ["big"]
    assert big.take_live("k")[0] == 3
    _budget._live.clear()


def test_live_state_is_not_taken_once_another_worker_trained_further(tmp_path):
    # A worker keeps the 1-epoch model live; another worker continues the
    # candidate to 3 and saves; the first must load the 3-epoch state, not
    # continue its stale live one.
    _budget._live.clear()
    budget = Budget(9, tmp_path, "c")
    assert budget.save_object("k", 1, {"trees": 1})
    budget.keep_live("k", 1, {"trees": 1})
    assert Budget(9, tmp_path, "c").save_object("k", 3, {"trees": 3})  # elsewhere
    assert budget.take_live("k") is None
    assert budget.load_object("k") == (3, {"trees": 3})
    _budget._live.clear()


def test_a_state_that_cannot_be_pickled_is_not_written(tmp_path):
    budget = Budget(9, tmp_path, "c")
    assert not budget.save_object("k", 3, {"f": lambda: None})
    assert budget.load_object("k") is None
    assert os.listdir(tmp_path / "c") == []  # no temporary file left behind
