"""Docstring sections shared by KerasClassifier and KerasRegressor."""

_SHARED_PARAMETERS = """
    model : callable or keras.Model, default=None
        A build function returning a ``keras.Model`` (compiled, or compiled
        by the wrapper when ``loss`` is given), or a Keras model, which is
        cloned (fresh weights) and recompiled with its own compile arguments
        for every fit. The build function receives, if it declares them,
        ``meta`` (a dict: ``n_features_in_``, ``feature_names_in_``,
        ``X_shape_``, ``X_dtype_``, ``target_type_``, ``y_dtype_``,
        ``y_ndim_``, ``n_outputs_``, ``n_outputs_expected_``, and for
        classifiers ``classes_`` and ``n_classes_``), ``compile_kwargs``,
        ``params``, every ``model__x`` parameter as ``x``, every extra
        keyword of the constructor, and every parameter of this wrapper whose
        name it declares (when not None).
    build_fn : callable or keras.Model, default=None
        The old ``tf.keras.wrappers.scikit_learn`` name of ``model``.
    warm_start : bool, default=False
        If True, ``fit`` on a fitted estimator continues training its model
        for ``epochs`` more epochs instead of building a new one.
    random_state : int, RandomState instance, Generator or None, default=None
        Seeds weight initialisation, dropout and shuffling for one fit: two
        fits with the same int give identical models. Nothing global is
        seeded: Python's, NumPy's and TensorFlow's global states are the same
        after ``fit`` as before it. None leaves the fit unseeded.
    optimizer : str, keras.optimizers.Optimizer class or instance, default=None
        None keeps the optimizer of a compiled model, and uses ``"rmsprop"``
        (scikeras's default) for an uncompiled one. Set its arguments with
        ``optimizer__learning_rate=...``. Always re-created per fit.
    loss : str, callable, keras.losses.Loss class or instance, default=None
        None keeps the loss of a compiled model; an uncompiled model then
        raises. ``"auto"`` infers the loss from the target and the output
        layer. Set its arguments with ``loss__x=...``.
    metrics : list, default=None
        Metrics to compile with (None keeps the model's). Reported in
        ``history_``.
    batch_size : int, default=None
        Samples per gradient step and per prediction batch (None: Keras's 32;
        -1: all samples). ``fit__batch_size``/``predict__batch_size`` set one
        of them only.
    validation_batch_size : int, default=None
    verbose : int, default=0
        Keras's verbosity for fit and predict; 0 keeps searches quiet.
    callbacks : callback, list or dict of callbacks (classes or instances), default=None
        Instances are deep-copied per fit. Route arguments to classes with
        ``callbacks__x`` (one callback) or ``callbacks__<index or key>__x``.
    validation_split : float, default=0.0
        Fraction of the training data (the last samples, as in Keras) held out
        for validation metrics (``val_*`` in ``history_``).
    shuffle : bool or "batch", default=True
    run_eagerly : bool, default=False
        Compile the model to run eagerly (debugging; fast for tiny models).
    epochs : int, default=1
    **kwargs : dict
        Build-function arguments (``learning_rate=0.01``), tunable by name in
        searches, and routed parameters with a prefix: ``model__``,
        ``optimizer__``, ``loss__``, ``callbacks__``, ``fit__``, ``predict__``,
        ``compile__``.
"""

_SHARED_NOTES = """
    Sample weights (and class weights) are rescaled to average 1, so they set
    the relative importance of samples: a weight of 2 counts a sample twice,
    as repeating it would, and the scale of the weights does not change the
    effective learning rate. Sparse input is not supported (densify it with
    ``X.toarray()``, or a ``FunctionTransformer`` in a pipeline).
"""
