# After: sktune's GeneticSearchCV. The space uses sktune's dimensions, the budget
# is a number of candidates, and the stopping callback became a parameter.
from sklearn.datasets import load_breast_cancer
from sklearn.model_selection import StratifiedKFold
from sklearn.tree import DecisionTreeClassifier

from sktune import Categorical, GeneticSearchCV, Integer, Real

X, y = load_breast_cancer(return_X_y=True)
cv = StratifiedKFold(n_splits=3, shuffle=True, random_state=0)

evolved = GeneticSearchCV(
    DecisionTreeClassifier(random_state=0),
    {
        "min_weight_fraction_leaf": Real(0.0, 0.1),
        "max_depth": Integer(2, 20),
        "max_features": Real(0.05, 0.9, prior="log-uniform"),
        "criterion": Categorical(["gini", "entropy"]),
    },
    cv=cv,
    scoring="accuracy",
    population_size=6,
    n_iter=6 * (3 + 1),  # the first population and 3 generations
    tournament_size=3,
    elitism=1,
    crossover_probability=0.8,
    mutation_probability=0.1,
    n_iter_no_change=2 * 6,  # two generations without improvement
    n_jobs=1,
    random_state=0,
)
evolved.fit(X, y)
print("best parameters:", evolved.best_params_)
print("best score:", evolved.best_score_)
