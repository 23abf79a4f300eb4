"""Checkpoint fingerprints are the same in every process, and still tell searches apart.

A space of functions, estimator objects and objects with only ``rvs`` has
``repr``s with memory addresses; a checkpoint written by one process must
still be recognised by the next one, and a genuinely different space refused.
"""

import json
import os
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from scipy.stats import loguniform, norm
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import FunctionTransformer, StandardScaler
from sklearn.utils import check_random_state

from sktune import BayesSearchCV, Categorical
from sktune.search._fingerprint import canonical, data_fingerprint, digest
from sktune.space import Space
from tests.search._estimators import LoggingClassifier, data, read_log

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def shift(X):
    return X + 1.0


def halve(X):
    return X / 2.0


class LogUniformDraws:
    """An object with only ``rvs`` (no ppf): its repr holds a memory address."""

    def __init__(self, low, high):
        self.low, self.high = low, high

    def rvs(self, size=None, random_state=None):
        rng = check_random_state(random_state)
        return np.exp(rng.uniform(np.log(self.low), np.log(self.high), size))


def make_search(checkpoint, log_path, n_iter, other_function=False):
    functions = [np.abs, shift, lambda X: X * 2.0]
    if other_function:
        functions[1] = halve
    estimator = Pipeline(
        [
            ("f", FunctionTransformer()),
            ("g", "passthrough"),
            ("clf", LoggingClassifier(log_path=log_path)),
        ]
    )
    space = {
        "f__func": functions,  # a list of callables
        "g": [StandardScaler(), FunctionTransformer(np.tanh)],  # estimator objects
        "clf__C": LogUniformDraws(1e-3, 1e2),  # an object with only rvs
        "clf__solver": ["lbfgs", "liblinear"],
    }
    return BayesSearchCV(
        estimator, space, n_iter=n_iter, cv=2, random_state=0, checkpoint=checkpoint
    )


def describe(params):
    """A candidate, in words that are the same in every process."""
    return [
        getattr(params["f__func"], "__qualname__", None),
        type(params["g"]).__name__,
        params["clf__C"],
        params["clf__solver"],
    ]


def fit_in_new_process(path, log, n_iter):
    script = textwrap.dedent(
        f"""
        import json, sys
        sys.path.insert(0, {ROOT!r})
        from tests.search.test_fingerprint import describe, make_search
        from tests.search._estimators import data
        search = make_search({str(path)!r}, {str(log)!r}, {n_iter}).fit(*data())
        print(json.dumps([describe(p) for p in search.cv_results_["params"]]))
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1]), done


@pytest.mark.slow
def test_checkpoint_written_in_one_process_resumes_in_another(tmp_path):
    path, log = tmp_path / "search.jsonl", tmp_path / "fits.jsonl"
    first, _ = fit_in_new_process(path, log, n_iter=4)
    fits_before = len(read_log(log))

    second, _ = fit_in_new_process(path, log, n_iter=6)

    assert second[:4] == first
    assert len(second) == 6
    # Only the 2 new candidates were fitted (2 splits each), and the refit.
    assert len(read_log(log)) - fits_before == 2 * 2 + 1


def test_a_genuinely_different_space_is_still_refused(tmp_path):
    path, log = tmp_path / "search.jsonl", tmp_path / "fits.jsonl"
    make_search(path, str(log), n_iter=2).fit(*data())
    with pytest.raises(ValueError, match="the search space differs"):
        make_search(path, str(log), n_iter=4, other_function=True).fit(*data())


# -- what a fingerprint sees ---------------------------------------------------------------
def test_functions_are_known_by_name_and_lambdas_by_code():
    assert digest(shift) == digest(shift) != digest(halve)
    assert digest(np.abs) != digest(np.tanh)
    twice, also_twice, thrice = (lambda X: X * 2), (lambda X: X * 2), (lambda X: X * 3)
    assert digest(twice) == digest(also_twice) != digest(thrice)


def test_estimators_are_known_by_type_and_parameters():
    assert digest(LogisticRegression(C=2.0)) == digest(LogisticRegression(C=2.0))
    assert digest(LogisticRegression(C=2.0)) != digest(LogisticRegression(C=3.0))
    nested = Pipeline([("scale", StandardScaler()), ("clf", LogisticRegression())])
    other = Pipeline([("scale", StandardScaler(with_mean=False)), ("clf", LogisticRegression())])
    assert digest(nested) != digest(other)


def test_scipy_distributions_ignore_the_global_random_state():
    frozen = loguniform(1e-3, 1e2)
    before = digest(frozen)
    np.random.random(5)  # noqa: NPY002 - what a frozen distribution holds on to
    assert digest(frozen) == before
    assert digest(loguniform(1e-3, 1e2)) == before != digest(loguniform(1e-3, 1e1))


def test_arrays_are_known_by_content():
    a = np.arange(3000.0)
    b = a.copy()
    b[1500] = -1.0  # same repr, other content
    assert repr(a) == repr(b)
    assert digest(a) == digest(a.copy()) != digest(b)
    assert data_fingerprint(a) != data_fingerprint(b)


def test_objects_with_equal_repr_are_known_by_their_state():
    first, second = LogUniformDraws(1, 10), LogUniformDraws(1, 100)
    assert canonical(first) != canonical(second)
    assert digest(first) == digest(LogUniformDraws(1, 10))


def test_space_fingerprint_is_how_points_decode():
    from sktune.search._fingerprint import space_fingerprint

    def fingerprint(params):
        return space_fingerprint(Space.from_user(params, random_state=0))

    assert fingerprint({"a": norm(0, 1)}) == fingerprint({"a": norm(0, 1)})
    assert fingerprint({"a": norm(0, 1)}) != fingerprint({"a": norm(0, 2)})
    assert fingerprint({"a": [1, 2, 3]}) != fingerprint({"a": [1, 2, 4]})
    assert fingerprint({"a": Categorical([shift, halve])}) != fingerprint(
        {"a": Categorical([halve, shift])}
    )
    # An object with only rvs: another seed draws another sample, another space.
    draws = {"a": LogUniformDraws(1, 10)}
    assert space_fingerprint(Space.from_user(draws, random_state=0)) == fingerprint(draws)
    assert space_fingerprint(Space.from_user(draws, random_state=1)) != fingerprint(draws)


@pytest.mark.slow
@pytest.mark.keras
def test_keras_models_are_known_by_architecture_not_weights():
    keras = pytest.importorskip("keras")
    from sktune.keras import KerasClassifier

    def compiled(width):
        model = keras.Sequential(
            [keras.Input((4,)), keras.layers.Dense(width), keras.layers.Dense(3)]
        )
        model.compile(loss="sparse_categorical_crossentropy", optimizer="adam")
        return model

    # Two models built alike differ only by their random initial weights.
    assert digest(KerasClassifier(compiled(8))) == digest(KerasClassifier(compiled(8)))
    assert digest(KerasClassifier(compiled(8))) != digest(KerasClassifier(compiled(16)))
