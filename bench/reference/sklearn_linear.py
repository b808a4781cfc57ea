"""scikit-learn's LogisticRegression and Ridge on iris, as known answers for test/search/automl/linear.test.ts.

Same objective as whittle's LinearModel: mean loss + 1/(C n) * penalty (sklearn: C * sum of losses + penalty, the
same minimizer), intercepts not penalized, multinomial softmax for classes. Solved to tight tolerances so the
numbers are the optimum, not a solver's stopping point.

Run from the repository root:
    npx tsx bench/reference/export-linear.ts && /usr/bin/python3 bench/reference/sklearn_linear.py
"""
import json
import warnings
import os
import platform

import numpy as np
import sklearn
from sklearn.linear_model import LogisticRegression, Ridge

warnings.simplefilter("ignore")
ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
data = json.load(open(os.path.join(ROOT, "tmp", "reference-linear", "iris.json")))
X = np.array(data["x"])
y = np.array(data["y"])
cases = []
for C in [1.0, 100.0]:
    # newton-cg: lbfgs stops on its relative-decrease test with a gradient near 1e-6, ~1e-5 off in probabilities
    m = LogisticRegression(C=C, penalty="l2", solver="newton-cg", tol=1e-12, max_iter=100000).fit(X, y)
    # at tol 1e-12 newton-cg warns that it cannot meet it (machine precision); the gradient it reaches is recorded
    P, n = m.predict_proba(X), len(y)
    R = P - np.eye(3)[y]
    grad = max(np.abs(R.T @ X / n + m.coef_ / (C * n)).max(), np.abs(R.mean(0)).max())
    cases.append({"task": "classification", "penalty": "l2", "C": C, "proba": P.round(8).tolist(), "maxGradient": float(grad)})
for C in [0.05, 1.0]:
    m = LogisticRegression(C=C, penalty="l1", solver="saga", tol=1e-12, max_iter=1000000).fit(X, y)
    cases.append({"task": "classification", "penalty": "l1", "C": C, "proba": m.predict_proba(X).round(8).tolist(),
                  "zeros": (m.coef_.T == 0).tolist()})
# ridge: petal width (column 3) from the other three; sklearn's alpha on the summed squared error = 1 / C
Xr, yr = X[:, :3], np.array(X[:, 3])
for C in [0.01, 1.0]:
    m = Ridge(alpha=1.0 / C, solver="cholesky").fit(Xr, yr)
    cases.append({"task": "regression", "penalty": "l2", "C": C, "pred": m.predict(Xr).round(10).tolist()})
out = os.path.join(ROOT, "test", "fixtures", "automl", "sklearn-linear.json")
json.dump({"sklearn": sklearn.__version__, "numpy": np.__version__, "python": platform.python_version(),
           "command": "npx tsx bench/reference/export-linear.ts && /usr/bin/python3 bench/reference/sklearn_linear.py",
           "x": data["x"], "y": data["y"], "cases": cases}, open(out, "w"))
print("wrote", out)
