"""scikit-learn's KNNImputer as known answers for test/search/automl/preprocess.test.ts (numericImpute 'knn').

whittle divides each column's differences by the column's standard deviation over the training rows' present
values; KNNImputer uses the numbers as they are. So the training columns are scaled here to standard deviation 1
first (population, over present values), and both sides then measure the same nan-euclidean distance. Values are
continuous, so there are no ties (sklearn breaks ties arbitrarily, whittle averages them).

Run from the repository root:
    /usr/bin/python3 bench/reference/sklearn_knn_impute.py
"""
import json
import os
import platform

import numpy as np
import sklearn
from sklearn.impute import KNNImputer

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
rng = np.random.RandomState(7)
n_train, n_query, d = 40, 12, 4
X = rng.normal(size=(n_train + n_query, d)) * np.array([1.0, 3.0, 0.5, 10.0]) + np.array([0.0, 5.0, -1.0, 100.0])
mask = rng.uniform(size=X.shape) < 0.2
# every row keeps at least one value, so every row has a distance to some training row
for r in range(X.shape[0]):
    if mask[r].all():
        mask[r, rng.randint(d)] = False
X[mask] = np.nan
train, query = X[:n_train], X[n_train:]
std = np.nanstd(train, axis=0)
train, query = train / std, query / std
cases = []
for k in [1, 3, 5]:
    imp = KNNImputer(n_neighbors=k).fit(train)
    cases.append({"neighbors": k, "train": imp.transform(train).tolist(), "query": imp.transform(query).tolist()})
nan_to_none = lambda m: [[None if np.isnan(v) else float(v) for v in row] for row in m]
out = {
    "source": f"scikit-learn {sklearn.__version__} KNNImputer(n_neighbors=k), numpy {np.__version__}, Python {platform.python_version()}",
    "command": "/usr/bin/python3 bench/reference/sklearn_knn_impute.py",
    "train": nan_to_none(train),
    "query": nan_to_none(query),
    "cases": cases,
}
path = os.path.join(ROOT, "test", "fixtures", "automl", "sklearn-knn-impute.json")
with open(path + ".tmp", "w") as f:
    json.dump(out, f)
os.replace(path + ".tmp", path)
print("wrote", path)
