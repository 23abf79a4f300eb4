"""scikit-learn's estimator checks on both wrappers: zero failures expected."""

import pytest

keras = pytest.importorskip("keras")

from sklearn.base import is_classifier  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

from sktune.keras import KerasClassifier, KerasRegressor  # noqa: E402
from tests.keras.conftest import tiny_float64_model  # noqa: E402

pytestmark = pytest.mark.keras


class StableName:
    """A build function whose repr has no memory address.

    The estimator's repr is part of each check's test id, and pytest-xdist
    needs the same ids in every worker process.
    """

    def __init__(self, build_fn):
        self.build_fn = build_fn

    def __call__(self, meta, compile_kwargs):
        return self.build_fn(meta, compile_kwargs)

    def __repr__(self):
        return self.build_fn.__name__


# Full-batch (batch_size=-1) training on float64 makes sample weights exactly
# equivalent to repeated samples, as check_sample_weight_equivalence demands;
# run_eagerly skips graph tracing, which dominates a tiny model's fit time.
CHECKED = [
    KerasClassifier(
        StableName(tiny_float64_model),
        loss="auto",
        epochs=10,
        batch_size=-1,
        run_eagerly=True,
    ),
    KerasRegressor(
        StableName(tiny_float64_model),
        loss="auto",
        epochs=10,
        batch_size=-1,
        run_eagerly=True,
    ),
]


def float64_checks_on_float32_backend(estimator):
    """Checks that need float64 training, which not every backend gives."""
    backend = keras.backend.backend()
    if backend == "torch":  # measured: predictions differ by 1e-7 relative
        reason = "Keras's PyTorch backend computes part of a float64 fit in float32"
        return {"check_sample_weight_equivalence_on_dense_data": reason}
    if backend != "jax":
        return {}
    import jax

    if jax.config.read("jax_enable_x64"):
        return {}
    reason = "JAX computes in float32 unless JAX_ENABLE_X64 is set"
    if is_classifier(estimator):  # the regressor's check passes in float32
        return {"check_sample_weight_equivalence_on_dense_data": reason}
    return {"check_regressor_multioutput": reason + " (predictions are float32)"}


@parametrize_with_checks(
    CHECKED[:1], expected_failed_checks=float64_checks_on_float32_backend
)
def test_sklearn_compatible_estimator(estimator, check):
    check(estimator)


# The regressor's checks (about 20 s) run in the whole suite, not in the fast tier.
@pytest.mark.slow
@parametrize_with_checks(
    CHECKED[1:], expected_failed_checks=float64_checks_on_float32_backend
)
def test_sklearn_compatible_regressor(estimator, check):
    check(estimator)
