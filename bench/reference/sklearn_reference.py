"""scikit-learn's CART, random forest and extra trees on exactly the folds and matrices whittle's CV uses.

Reads tmp/reference-folds/<set>.json (written by `npx tsx bench/reference/export-folds.ts`: the encoded target,
each fold's test rows and the fold's feature matrices after whittle's default preprocessing fitted on its training
rows) and writes bench/reference/sklearn-folds.json, which is checked in so bench/automl.bench.ts compares without
Python.

Run from the repository root:
    npx tsx bench/reference/export-folds.ts && /usr/bin/python3 bench/reference/sklearn_reference.py
"""
import json
import os
import platform
import sys

import numpy as np
import sklearn
from sklearn.ensemble import ExtraTreesClassifier, RandomForestClassifier
from sklearn.tree import DecisionTreeClassifier

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
FOLDS = os.path.join(ROOT, "tmp", "reference-folds")
OUT = os.path.join(ROOT, "bench", "reference", "sklearn-folds.json")
SETS = ["iris", "penguins-species", "penguins-sex", "cars-origin", "seattle-weather", "movies-mpaa"]

# whittle's defaults are sklearn's for these three (gini, max_depth None, min_samples_split 2, min_samples_leaf 1;
# forests: 100 trees, max_features 'sqrt'; the forest bootstraps, extra trees do not), so "defaults" is also "matched".
# Trees break ties between equally good splits by a random feature order, so every learner runs over several seeds.
LEARNERS = {
    "decision-tree": (lambda s: DecisionTreeClassifier(random_state=s), list(range(10))),
    "random-forest": (lambda s: RandomForestClassifier(random_state=s, n_jobs=1), list(range(5))),
    "extra-trees": (lambda s: ExtraTreesClassifier(random_state=s, n_jobs=1), list(range(5))),
}


def evaluate(data, make, seeds):
    y = np.asarray(data["y"])
    per_seed = []
    for s in seeds:
        accs = []
        for fold in data["folds"]:
            test = np.asarray(fold["test"], dtype=int)
            train = np.setdiff1d(np.arange(len(y)), test)
            clf = make(s).fit(np.asarray(fold["xTrain"], dtype=np.float64), y[train])
            accs.append(float(np.mean(clf.predict(np.asarray(fold["xTest"], dtype=np.float64)) == y[test])))
        per_seed.append(accs)
    per_seed = np.asarray(per_seed)
    return {
        "accuracy": float(per_seed.mean()),
        "perFold": [float(v) for v in per_seed.mean(axis=0)],
        "seedStd": float(per_seed.mean(axis=1).std()),
        "seeds": seeds,
    }


def main():
    results = {}
    for name in SETS:
        with open(os.path.join(FOLDS, name + ".json")) as f:
            data = json.load(f)
        results[name] = {"rows": len(data["y"]), "k": data["k"], "seed": data["seed"], "columns": len(data["folds"][0]["featureNames"])}
        for learner, (make, seeds) in LEARNERS.items():
            results[name][learner] = evaluate(data, make, seeds)
            print(f"{name:18s} {learner:14s} {results[name][learner]['accuracy']:.4f}", file=sys.stderr)
    out = {
        "source": "scikit-learn, run on whittle's exported folds by bench/reference/sklearn_reference.py",
        "command": "npx tsx bench/reference/export-folds.ts && /usr/bin/python3 bench/reference/sklearn_reference.py",
        "sklearn": sklearn.__version__,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "learners": {
            "decision-tree": "DecisionTreeClassifier(random_state=s), s = 0..9",
            "random-forest": "RandomForestClassifier(random_state=s), s = 0..4 (100 trees, max_features='sqrt', bootstrap)",
            "extra-trees": "ExtraTreesClassifier(random_state=s), s = 0..4 (100 trees, max_features='sqrt', no bootstrap)",
        },
        "sets": results,
    }
    with open(OUT, "w") as f:
        json.dump(out, f, indent=2)
        f.write("\n")
    print(f"wrote {OUT}", file=sys.stderr)


if __name__ == "__main__":
    main()
