"""scikit-learn's estimator checks on both wrappers: zero failures expected."""

import pytest

pytest.importorskip("keras")

from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from sktune.keras import KerasClassifier, KerasRegressor  # noqa: E402
from tests.keras.conftest import tiny_float64_model  # noqa: E402

pytestmark = pytest.mark.keras

# Full-batch (batch_size=-1) training on float64 makes sample weights exactly
# equivalent to repeated samples, as check_sample_weight_equivalence demands;
# run_eagerly skips graph tracing, which dominates a tiny model's fit time.
CHECKED = [
    KerasClassifier(
        tiny_float64_model, loss="auto", epochs=10, batch_size=-1, run_eagerly=True
    ),
    KerasRegressor(
        tiny_float64_model, loss="auto", epochs=10, batch_size=-1, run_eagerly=True
    ),
]


@parametrize_with_checks(CHECKED)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)
