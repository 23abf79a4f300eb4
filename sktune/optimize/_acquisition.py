"""Acquisition functions on a Gaussian process's predictive mean and deviation.

Values are to be maximised; the surrogate models values to be minimised, so an
improvement is a *lower* mean. Each function also returns its gradient with
respect to the inputs when given the gradients of mean and deviation, which is
what polishing a candidate with L-BFGS-B needs.
"""

import math

import numpy as np
from scipy.special import ndtr

ACQUISITIONS = ("ei", "lcb", "pi", "hedge")
# The three acquisitions that "hedge" combines, in this order.
PORTFOLIO = ("ei", "pi", "lcb")
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)


def utility(name, mean, std, best, xi, kappa, grad_mean=None, grad_std=None):
    """Acquisition value to maximise (and its gradient given mean/std gradients)."""
    if name == "lcb":
        value = kappa * std - mean
        if grad_mean is None:
            return value
        return value, kappa * grad_std - grad_mean
    improvement = best - mean - xi
    z = improvement / std
    cdf, pdf = ndtr(z), _INV_SQRT_2PI * np.exp(-0.5 * z * z)
    if name == "ei":
        value, d_mean, d_std = improvement * cdf + std * pdf, -cdf, pdf
    else:  # "pi"
        value, d_mean, d_std = cdf, -pdf / std, -pdf * z / std
    if grad_mean is None:
        return value
    return value, d_mean[:, None] * grad_mean + d_std[:, None] * grad_std
