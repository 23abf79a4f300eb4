# Before: scikit-optimize's BayesSearchCV.
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.svm import SVC
from skopt import BayesSearchCV
from skopt.space import Categorical, Integer, Real

X, y = load_digits(n_class=10, return_X_y=True)
X_train, X_test, y_train, y_test = train_test_split(X, y, train_size=0.75, random_state=0)

opt = BayesSearchCV(
    SVC(),
    {
        "C": Real(1e-6, 1e6, prior="log-uniform"),
        "gamma": Real(1e-6, 1e1, prior="log-uniform"),
        "degree": Integer(1, 8),
        "kernel": Categorical(["linear", "poly", "rbf"]),
    },
    n_iter=12,
    cv=3,
    n_points=2,
    optimizer_kwargs={"acq_func": "EI"},
    random_state=0,
)
opt.fit(X_train, y_train)
print("validation score:", opt.best_score_)
print("test score:", opt.score(X_test, y_test))
