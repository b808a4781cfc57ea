"""Known answers from scikit-learn for search/automl's metrics, Gaussian and categorical naive Bayes, k-nearest neighbours, the linear SVM, CART and histogram gradient boosting.

    /usr/bin/python3 bench/reference/sklearn_learners.py     (Debian: apt-get install python3-sklearn)

writes test/fixtures/automl/sklearn-learners.json, read by test/search/automl/sklearn-learners.test.ts (no Python
there). The data are drawn here from a seeded generator with values on a 1/1024 grid, so both sides hold them exactly;
continuous features keep kNN's distances free of ties, where the neighbour order would be the implementation's choice.
"""
import json
import os

import numpy as np
import sklearn
from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor
from sklearn.metrics import accuracy_score, balanced_accuracy_score, f1_score, log_loss, mean_squared_error, r2_score
from sklearn.naive_bayes import CategoricalNB, GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.svm import LinearSVC
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor

rng = np.random.default_rng(20261127)
grid = lambda a: np.round(np.asarray(a) * 1024) / 1024

out = {"source": "bench/reference/sklearn_learners.py", "sklearn": sklearn.__version__, "numpy": np.__version__}

# --- metrics on drawn labels and probabilities (a class never predicted in some cases) -------------------------------
metric_cases = []
for case, (n, k, skew) in enumerate([(40, 3, False), (57, 4, True), (25, 5, True), (80, 2, False)]):
    y_true = rng.integers(0, k, n)
    y_true[:k] = np.arange(k)  # every class present in the truth
    y_pred = np.where(rng.random(n) < 0.6, y_true, rng.integers(0, k - 1 if skew else k, n))
    proba = grid(rng.dirichlet(np.ones(k), n))
    proba[:, -1] = 1 - proba[:, :-1].sum(axis=1)  # rows sum to 1 exactly on the grid
    proba = np.clip(proba, 0, 1)
    proba /= proba.sum(axis=1, keepdims=True)
    metric_cases.append({
        "k": k, "yTrue": y_true.tolist(), "yPred": y_pred.tolist(), "proba": proba.tolist(),
        "accuracy": accuracy_score(y_true, y_pred),
        "balancedAccuracy": balanced_accuracy_score(y_true, y_pred),
        "macroF1": f1_score(y_true, y_pred, average="macro", labels=list(range(k)), zero_division=0),
        "logLoss": log_loss(y_true, proba, labels=list(range(k))),
    })
reg_true = grid(rng.normal(3, 2, 50))
reg_pred = grid(reg_true + rng.normal(0, 1, 50))
out["metrics"] = {
    "classification": metric_cases,
    "regression": {"yTrue": reg_true.tolist(), "yPred": reg_pred.tolist(), "rmse": float(np.sqrt(mean_squared_error(reg_true, reg_pred))), "r2": r2_score(reg_true, reg_pred)},
}

# --- learners on a drawn 3-class problem with overlapping classes ---------------------------------------------------
means = np.array([[0, 0, 0], [1.5, 0.5, -1], [0.5, 2, 1]])
scales = np.array([1.0, 0.6, 1.4])
y_train = np.repeat([0, 1, 2], [30, 20, 25])
x_train = grid(means[y_train] + rng.normal(0, 1, (len(y_train), 3)) * scales)
x_test = grid(rng.normal(0.7, 1.5, (30, 3)))
r_train = grid(x_train @ np.array([1.0, -2.0, 0.5]) + rng.normal(0, 0.3, len(y_train)))

learners = {
    "gaussianNB": GaussianNB().fit(x_train, y_train).predict_proba(x_test),
    "knn k5 uniform": KNeighborsClassifier(5).fit(x_train, y_train).predict_proba(x_test),
    "knn k7 distance": KNeighborsClassifier(7, weights="distance").fit(x_train, y_train).predict_proba(x_test),
}
regressors = {
    "knn k5 uniform": KNeighborsRegressor(5).fit(x_train, r_train).predict(x_test),
    "knn k4 distance": KNeighborsRegressor(4, weights="distance").fit(x_train, r_train).predict(x_test),
}
out["learners"] = {
    "xTrain": x_train.tolist(), "yTrain": y_train.tolist(), "rTrain": r_train.tolist(), "xTest": x_test.tolist(),
    "proba": {k: v.tolist() for k, v in learners.items()},
    "regression": {k: v.tolist() for k, v in regressors.items()},
}

# --- the linear SVM: LIBLINEAR's L1-loss (hinge) dual coordinate descent, the bias a constant feature that is
# regularized too, one-vs-rest; whittle's LinearSVM standardizes its columns (population standard deviation) before
# it solves, so scikit-learn gets the same standardized columns. The primal weights are unique, so both solvers,
# run to a tight tolerance, reach the same decision values whatever order they visit the rows in.
mean, sd = x_train.mean(axis=0), x_train.std(axis=0)
svm = {}
for name, C, yy in [("3 classes C1", 1.0, y_train), ("3 classes C0.05", 0.05, y_train), ("2 classes C0.5", 0.5, (y_train == 2).astype(int))]:
    m = LinearSVC(loss="hinge", C=C, tol=1e-8, max_iter=1_000_000, dual=True, random_state=0).fit((x_train - mean) / sd, yy)
    svm[name] = {"C": C, "y": yy.tolist(), "decision": m.decision_function((x_test - mean) / sd).tolist(), "iterations": int(np.max(m.n_iter_))}
out["linearSVC"] = svm

# --- CART: DecisionTreeClassifier / DecisionTreeRegressor on the same rows. scikit-learn visits the features in a
# random order and keeps the first best split, so where two splits tie the tree depends on random_state: only
# settings whose predictions agree over random_state 0-19 (no tie decided a split) are recorded, and there the tree
# is determined by the data: whittle must grow the same one.
trees = {}
for name, make, target in [
    ("gini depth 5", lambda s: DecisionTreeClassifier(criterion="gini", max_depth=5, random_state=s), y_train),
    ("gini depth 6 leaf 2", lambda s: DecisionTreeClassifier(criterion="gini", max_depth=6, min_samples_leaf=2, random_state=s), y_train),
    ("gini leaf 4", lambda s: DecisionTreeClassifier(criterion="gini", min_samples_leaf=4, random_state=s), y_train),
    ("entropy depth 5", lambda s: DecisionTreeClassifier(criterion="entropy", max_depth=5, random_state=s), y_train),
    ("entropy depth 6 leaf 2", lambda s: DecisionTreeClassifier(criterion="entropy", max_depth=6, min_samples_leaf=2, random_state=s), y_train),
    ("regression depth 3", lambda s: DecisionTreeRegressor(max_depth=3, random_state=s), r_train),
    ("regression leaf 4", lambda s: DecisionTreeRegressor(min_samples_leaf=4, random_state=s), r_train),
    ("regression leaf 8", lambda s: DecisionTreeRegressor(min_samples_leaf=8, random_state=s), r_train),
]:
    fits = [make(s).fit(x_train, target) for s in range(20)]
    preds = [f.predict_proba(x_test) if hasattr(f, "predict_proba") else f.predict(x_test) for f in fits]
    assert all(np.array_equal(p, preds[0]) for p in preds), name
    trees[name] = {"params": fits[0].get_params(), "nodes": int(fits[0].tree_.node_count), "predictions": preds[0].tolist()}
out["trees"] = trees

# --- categorical naive Bayes on integer-coded columns (4, 3 and 5 categories, each seen in training, so scikit-learn's
# count of categories per column, max + 1, is the number whittle sees), at two smoothing strengths
cat_levels = [4, 3, 5]
c_train = np.stack([rng.integers(0, m, len(y_train)) for m in cat_levels], axis=1)
c_train[: max(cat_levels)] = np.stack([np.arange(max(cat_levels)) % m for m in cat_levels], axis=1)
c_train[y_train == 1, 0] = np.minimum(c_train[y_train == 1, 0] + 1, 3)  # a column that says something about the class
c_test = np.stack([rng.integers(0, m, 30) for m in cat_levels], axis=1)
# --- histogram gradient boosting: HistGradientBoostingClassifier / Regressor without early stopping, on the same rows
# (under 255 distinct values a column, so both bin at the midpoints between them). scikit-learn keeps gradients and
# hessians in float32, so the scores agree to about 1e-8, not to the last bit.
boosting = {}
for name, kw in [
    ("leaves 31 leaf 5 l2 1", dict(max_iter=20, learning_rate=0.1, max_leaf_nodes=31, min_samples_leaf=5, l2_regularization=1.0)),
    ("depth 3 leaves 6 leaf 10 l2 0 lr 0.3", dict(max_iter=15, learning_rate=0.3, max_depth=3, max_leaf_nodes=6, min_samples_leaf=10, l2_regularization=0.0)),
]:
    clf = HistGradientBoostingClassifier(max_bins=255, early_stopping=False, **kw).fit(x_train, y_train)
    reg = HistGradientBoostingRegressor(max_bins=255, early_stopping=False, **kw).fit(x_train, r_train)
    boosting[name] = {"params": kw, "proba": clf.predict_proba(x_test).tolist(), "regression": reg.predict(x_test).tolist()}
out["boosting"] = boosting

out["categoricalNB"] = {
    "xTrain": c_train.tolist(), "xTest": c_test.tolist(),
    "proba": {str(a): CategoricalNB(alpha=a).fit(c_train, y_train).predict_proba(c_test).tolist() for a in [1.0, 0.3]},
}

path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "..", "test", "fixtures", "automl", "sklearn-learners.json")
path = os.path.normpath(path)
with open(path + ".tmp", "w") as f:
    json.dump(out, f, separators=(",", ":"))
os.replace(path + ".tmp", path)
print(f"wrote {path} ({os.path.getsize(path)} bytes) with scikit-learn {sklearn.__version__}")
