# After: sktune's KerasClassifier runs code written for the removed
# tf.keras.wrappers.scikit_learn wrapper. Only the import changed.
import keras
from sklearn.datasets import make_classification
from sklearn.model_selection import GridSearchCV, cross_val_score

from sktune.keras import KerasClassifier


def create_model(units=16, learning_rate=0.01):
    model = keras.Sequential(
        [
            keras.Input((20,)),
            keras.layers.Dense(units, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="binary_crossentropy",
        metrics=["accuracy"],
    )
    return model


X, y = make_classification(n_samples=200, n_features=20, random_state=0)

# build_fn= and build-function arguments given to the constructor, as before.
clf = KerasClassifier(build_fn=create_model, units=16, epochs=5, batch_size=32, verbose=0)
print("cross-validated accuracy:", cross_val_score(clf, X, y, cv=2).mean())

# Build-function arguments are tunable by name, as before.
grid = GridSearchCV(clf, {"units": [8, 16], "learning_rate": [1e-3, 1e-2]}, cv=2)
grid.fit(X, y)
print("best parameters:", grid.best_params_)
