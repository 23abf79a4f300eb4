# Before: sklearn-genetic-opt's GASearchCV.
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier
from sklearn_genetic import GASearchCV
from sklearn_genetic.callbacks import ConsecutiveStopping
from sklearn_genetic.space import Categorical, Continuous, Integer

X, y = load_breast_cancer(return_X_y=True)
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)

evolved = GASearchCV(
    estimator=DecisionTreeClassifier(random_state=0),
    param_grid={
        "min_weight_fraction_leaf": Continuous(0.0, 0.1),
        "max_depth": Integer(2, 20),
        "max_features": Continuous(0.05, 0.9, distribution="log-uniform"),
        "criterion": Categorical(["gini", "entropy"]),
    },
    cv=cv,
    scoring="accuracy",
    population_size=6,
    generations=3,
    tournament_size=3,
    elitism=True,
    crossover_probability=0.8,
    mutation_probability=0.1,
    n_jobs=1,
    verbose=False,
)
evolved.fit(X, y, callbacks=ConsecutiveStopping(generations=2, metric="fitness"))
print("best parameters:", evolved.best_params_)
print("best score:", evolved.best_score_)
