# Before: scikeras.
import keras
from scikeras.wrappers import KerasClassifier
from scipy.stats import loguniform
from sklearn.datasets import make_classification
from sklearn.model_selection import RandomizedSearchCV


def get_model(meta, hidden_layer_dim=16, dropout=0.1):
    return keras.Sequential(
        [
            keras.Input((meta["n_features_in_"],)),
            keras.layers.Dense(hidden_layer_dim, activation="relu"),
            keras.layers.Dropout(dropout),
            keras.layers.Dense(meta["n_classes_"], activation="softmax"),
        ]
    )


X, y = make_classification(n_samples=200, n_features=20, n_informative=5, n_classes=3,
                           random_state=0)
clf = KerasClassifier(
    model=get_model,
    hidden_layer_dim=16,
    dropout=0.1,
    loss="sparse_categorical_crossentropy",
    optimizer="adam",
    optimizer__learning_rate=1e-2,
    epochs=5,
    verbose=0,
    random_state=0,
)
search = RandomizedSearchCV(
    clf,
    {
        "model__hidden_layer_dim": [8, 16, 32],
        "model__dropout": [0.0, 0.2],
        "optimizer__learning_rate": loguniform(1e-3, 1e-1),
    },
    n_iter=3,
    cv=2,
    random_state=0,
)
search.fit(X, y)
print("best parameters:", search.best_params_)
