"""Search spaces: sktune's dimensions and the spaces users already write.

Every dimension maps its values to one coordinate of the unit cube and back,
through its own quantile function: a point drawn uniformly from the cube is a
draw from the dimension's prior. Optimisers work on the cube alone; the search
decodes their points into parameter dicts with :meth:`Space.from_unit`.

What :meth:`Space.from_user` accepts per parameter, and how it is searched:

- :class:`Real`, :class:`Integer`, :class:`Categorical` (sktune's own);
- a list or array: numbers become an ordered discrete dimension, anything else
  (strings, None, tuples, estimator objects) a categorical one;
- a frozen ``scipy.stats`` distribution, searched through its CDF so its shape
  is the prior. Bounded supports are kept exactly; an unbounded tail is cut at
  the quantile ``TAIL_QUANTILE`` (0.1 %), so ``expon(scale=100)`` is searched on
  ``[0, 690.8]``;
- any other object with ``rvs``: an empirical quantile map of a sample;
- scikit-optimize's and Optuna's dimension objects, read by attribute.

A list of dicts is a union of sub-spaces, as ``GridSearchCV``'s list of grids.
"""

from sktune.space._dimensions import Categorical, Dimension, Integer, Ordinal, Real
from sktune.space._space import Space, SubSpace

__all__ = ["Real", "Integer", "Categorical", "Ordinal", "Dimension", "SubSpace", "Space"]
