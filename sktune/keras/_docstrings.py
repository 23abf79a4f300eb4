"""Docstring sections shared by KerasClassifier and KerasRegressor."""

_SHARED_PARAMETERS = """
    model : callable or keras.Model, default=None
        A build function returning a ``keras.Model`` (compiled, or compiled
        by the wrapper when ``loss`` is given), or a Keras model, which is
        cloned (fresh weights) and recompiled with its own compile arguments
        for every fit (``initialize`` adopts it as it is). None: a subclass's
        ``_keras_build_fn`` method. The build function receives, if it
        declares them, ``meta`` (a dict: ``n_features_in_``,
        ``feature_names_in_``, ``X_shape_``, ``X_dtype_``, ``target_type_``,
        ``y_dtype_``, ``y_ndim_``, ``n_outputs_``, ``n_outputs_expected_``,
        ``feature_encoder_``, ``target_encoder_``, and for classifiers
        ``classes_`` and ``n_classes_``), ``compile_kwargs``, ``params``,
        every ``model__x`` parameter as ``x``, every extra keyword of the
        constructor, and every parameter of this wrapper whose name it
        declares (when not at its default).
    build_fn : callable or keras.Model, default=None
        The old ``tf.keras.wrappers.scikit_learn`` name of ``model``.
    warm_start : bool, default=False
        If True, ``fit`` on an estimator that has a model trains that model on
        from ``current_epoch`` up to epoch ``epochs`` instead of building a
        new one.
    random_state : int, RandomState instance, Generator or None, default=None
        Seeds weight initialisation, dropout and shuffling for one fit: two
        fits with the same int give identical models, on every backend, and
        epoch ``e`` sees a sample order that depends only on the seed and
        ``e``. Nothing global is seeded: Python's, NumPy's and the backend's
        global states are the same after ``fit`` as before it. None leaves
        the fit unseeded; an instance is consumed by each fit.
    optimizer : str, keras.optimizers.Optimizer class or instance, default="rmsprop"
        Compiles an uncompiled model; a compiled model keeps its own unless
        this is set to something else or ``optimizer__`` parameters are given.
        Set its arguments with ``optimizer__learning_rate=...``. Always
        re-created per fit.
    loss : str, callable, keras.losses.Loss class or instance, list or dict, default=None
        None keeps the loss of a compiled model; an uncompiled model then
        raises. ``"auto"`` infers the loss from the target and the output
        layer's width (one unit or one per class), with ``from_logits=True``
        for a classifier whose Sequential or functional model ends in a linear
        layer. Set its arguments with ``loss__x=...``. A compiled model whose
        loss differs from this one raises.
    metrics : metric, list or dict of metrics, default=None
        Metrics to compile with (None keeps the model's). Reported in
        ``history_`` under their full names (``"mae"`` as
        ``"mean_absolute_error"``).
    batch_size : int, default=None
        Samples per gradient step and per prediction batch (None: Keras's 32;
        -1: all samples, which needs an array input). ``fit__batch_size``/``predict__batch_size`` set one
        of them only.
    validation_batch_size : int, default=None
    verbose : int, default=0
        Keras's verbosity for fit and predict; 0 keeps searches quiet.
    callbacks : callback, list or dict of callbacks (classes or instances), default=None
        Instances are copied per fit. Route arguments to classes with
        ``callbacks__x`` (one callback) or ``callbacks__<index or key>__x``
        (digits as ``<x>`` are positional arguments). Callbacks that override
        an ``on_predict_*`` method also receive ``predict`` calls.
    validation_split : float, default=0.0
        Fraction of the training data (the last samples, as in Keras) held out
        for validation metrics (``val_*`` in ``history_``).
    shuffle : bool or "batch", default=True
        Keras's: a new order of all samples each epoch, or of the samples
        within each batch ("batch").
    run_eagerly : bool, default=False
        Compile the model to run eagerly (debugging; fast for tiny models).
    epochs : int, default=1
        Epochs to train; with ``warm_start``, the epoch to train up to. A
        halving search sets it to a budget that continues a promoted
        candidate from its saved state (see the Keras user guide).
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
