"""Overhead of sktune's Keras wrappers against plain Keras and scikeras.

For one small model (10 -> 8 relu -> 1 sigmoid), data set (make_classification,
1000 x 10) and number of epochs, it measures in the same run:

* time: median wall-clock and CPU time of ``fit`` + ``predict`` (a new model
  each time, as in a search), the three contenders interleaved so that load
  from other processes hits them alike; ratios are to plain Keras;
* memory: resident set size after 1, 10, 50 and 100 fits in one process, each
  contender in a fresh subprocess, and the growth per fit from fit 10 to the
  last;
* backends: the same fit + predict, plain Keras against sktune (unseeded, and
  seeded, which feeds Keras epoch-indexed sample orders), on TensorFlow, JAX
  and PyTorch. Keras fixes its backend at import, so each backend runs in its
  own subprocess, with the interpreter given for it (``--python-jax``,
  ``--python-torch``; default: this one); a backend that interpreter cannot
  import is reported as not installed.

Usage::

    python benchmarks/keras_overhead.py                 # time and memory
    python benchmarks/keras_overhead.py --part time --repeats 15
    python benchmarks/keras_overhead.py --part memory --fits 100
    python benchmarks/keras_overhead.py --part backends --python-jax venv-jax/bin/python
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

CONTENDERS = ("keras", "scikeras", "sktune")
BACKENDS = ("tensorflow", "jax", "torch")
BACKEND_CONTENDERS = ("keras", "sktune", "sktune seeded")
N_SAMPLES, N_FEATURES, EPOCHS, BATCH_SIZE = 1000, 10, 5, 32


def make_data():
    import numpy as np
    from sklearn.datasets import make_classification

    X, y = make_classification(N_SAMPLES, N_FEATURES, n_informative=5, random_state=0)
    return X.astype(np.float32), y


def build_model(meta=None):
    import keras

    model = keras.Sequential(
        [
            keras.Input((N_FEATURES,)),
            keras.layers.Dense(8, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy")
    return model


def fit_predict_function(contender):
    """A function doing one fit + predict the way a user of ``contender`` does."""
    X, y = make_data()
    if contender == "keras":

        def run():
            model = build_model()
            model.fit(X, y, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0)
            return model.predict(X, verbose=0)

    elif contender == "scikeras":
        import logging
        import warnings

        from scikeras.wrappers import KerasClassifier

        logging.getLogger("tensorflow").setLevel(logging.ERROR)
        warnings.filterwarnings("ignore")

        def run():
            clf = KerasClassifier(
                build_model, epochs=EPOCHS, batch_size=BATCH_SIZE, verbose=0
            )
            return clf.fit(X, y).predict(X)

    else:
        from sktune.keras import KerasClassifier

        seed = 0 if contender == "sktune seeded" else None

        def run():
            clf = KerasClassifier(
                build_model, epochs=EPOCHS, batch_size=BATCH_SIZE, random_state=seed
            )
            return clf.fit(X, y).predict(X)

    return run


def medians(contenders, repeats):
    """Median wall-clock seconds of each contender, interleaved, after a warm-up."""
    runs = {c: fit_predict_function(c) for c in contenders}
    for run in runs.values():  # warm-up: imports, first traces
        run()
    wall = {c: [] for c in contenders}
    for i in range(repeats):
        k = i % len(contenders)
        for contender in contenders[k:] + contenders[:k]:
            start = time.perf_counter()
            runs[contender]()
            wall[contender].append(time.perf_counter() - start)
    return {c: statistics.median(v) for c, v in wall.items()}


def backend_worker(repeats):
    import keras

    times = medians(BACKEND_CONTENDERS, repeats)
    print(json.dumps({"backend": keras.backend.backend(), **times}))


def backends_part(repeats, interpreters):
    print(f"fit+predict by Keras backend (one subprocess each), median of {repeats}")
    header = " ".join(f"{c:>14}" for c in BACKEND_CONTENDERS)
    print(f"{'':11} {header} {'ratio':>7} {'seeded':>7}")
    for backend in BACKENDS:
        python = interpreters.get(backend) or sys.executable
        done = subprocess.run(
            [python, __file__, "--backend-worker", "--repeats", str(repeats)],
            env={**os.environ, "KERAS_BACKEND": backend},
            capture_output=True,
            text=True,
        )
        lines = done.stdout.strip().splitlines()
        if done.returncode != 0 or not lines:
            print(f"{backend:11} not installed for {python}")
            continue
        times = json.loads(lines[-1])
        cells = " ".join(f"{times[c]:14.3f}" for c in BACKEND_CONTENDERS)
        ratio = times["sktune"] / times["keras"]
        seeded = times["sktune seeded"] / times["keras"]
        print(f"{backend:11} {cells} {ratio:7.3f} {seeded:7.3f}")


def time_part(repeats):
    runs = {c: fit_predict_function(c) for c in CONTENDERS}
    for run in runs.values():  # warm-up: imports, first traces
        run()
    wall = {c: [] for c in CONTENDERS}
    cpu = {c: [] for c in CONTENDERS}
    for i in range(repeats):
        order = CONTENDERS[i % 3 :] + CONTENDERS[: i % 3]
        for contender in order:
            start_wall, start_cpu = time.perf_counter(), time.process_time()
            runs[contender]()
            wall[contender].append(time.perf_counter() - start_wall)
            cpu[contender].append(time.process_time() - start_cpu)
    base_wall = statistics.median(wall["keras"])
    base_cpu = statistics.median(cpu["keras"])
    print(
        f"fit+predict, {N_SAMPLES}x{N_FEATURES}, {EPOCHS} epochs, median of {repeats}"
    )
    print(f"{'':10} {'wall s':>8} {'ratio':>7} {'cpu s':>8} {'ratio':>7}")
    for contender in CONTENDERS:
        w, c = statistics.median(wall[contender]), statistics.median(cpu[contender])
        print(
            f"{contender:10} {w:8.3f} {w / base_wall:7.3f} {c:8.3f} {c / base_cpu:7.3f}"
        )


def memory_worker(contender, fits):
    import psutil

    run = fit_predict_function(contender)
    process = psutil.Process()
    marks = {1, 10, 50, fits}
    rss = {}
    for i in range(1, fits + 1):
        run()
        if i in marks:
            rss[i] = process.memory_info().rss / 2**20
    print(json.dumps(rss))


def memory_part(fits):
    results = {}
    for contender in CONTENDERS:
        output = subprocess.run(
            [
                sys.executable,
                __file__,
                "--memory-worker",
                contender,
                "--fits",
                str(fits),
            ],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        results[contender] = {
            int(k): v for k, v in json.loads(output.strip().splitlines()[-1]).items()
        }
    marks = sorted(results["keras"])
    print("resident memory (MB) after n fits, one process per contender")
    print(f"{'':10} " + " ".join(f"{m:>8}" for m in marks) + f" {'MB/fit':>8}")
    for contender in CONTENDERS:
        rss = results[contender]
        growth = (rss[marks[-1]] - rss[10]) / (marks[-1] - 10)
        print(
            f"{contender:10} "
            + " ".join(f"{rss[m]:8.1f}" for m in marks)
            + f" {growth:8.2f}"
        )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--part", choices=("time", "memory", "both", "backends"), default="both"
    )
    parser.add_argument("--repeats", type=int, default=9)
    parser.add_argument("--fits", type=int, default=100)
    parser.add_argument("--memory-worker", choices=CONTENDERS)
    parser.add_argument("--backend-worker", action="store_true")
    for backend in BACKENDS:
        parser.add_argument(f"--python-{backend}", help=f"interpreter for {backend}")
    args = parser.parse_args()
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    if args.memory_worker:
        memory_worker(args.memory_worker, args.fits)
        return
    if args.backend_worker:
        backend_worker(args.repeats)
        return
    print(
        f"command: python benchmarks/keras_overhead.py {' '.join(sys.argv[1:])}".rstrip()
    )
    if args.part in ("time", "both"):
        time_part(args.repeats)
    if args.part in ("memory", "both"):
        memory_part(args.fits)
    if args.part == "backends":
        backends_part(
            args.repeats, {b: getattr(args, f"python_{b}") for b in BACKENDS}
        )


if __name__ == "__main__":
    main()
