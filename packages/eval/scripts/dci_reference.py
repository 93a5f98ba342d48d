#!/usr/bin/python3
"""DCI reference values from scikit-learn, for packages/eval/src/dci.test.ts.

Writes packages/eval/fixtures/dci.json: a few small sets of codes and factors (600 rows to fit,
300 to test) and what disentanglement_lib's dci.py makes of them: per factor a
GradientBoostingClassifier with scikit-learn's defaults, its feature importances as the
importance matrix, train and test accuracy, disentanglement and completeness. dci.py leaves
random_state unset; it only breaks exact ties between features (common in nodes of a few rows,
where several features isolate the same rows), so each case is fitted with random_state 0 … 9
and every run is recorded: the spread is sklearn's own. Run with Debian's python3-sklearn and
python3-scipy:

    /usr/bin/python3 packages/eval/scripts/dci_reference.py
"""
import json
import os

import numpy as np
import scipy.stats
import sklearn
from sklearn import ensemble

TRAIN, TEST = 600, 300
SIZES = [3, 6, 10, 2]
NAMES = ["shape", "scale", "position", "flip"]


SEEDS = range(10)


def compute_importance_gbt(x_train, y_train, x_test, y_test, seed):
    """dci.py's, with rows as samples (dci.py takes them transposed)."""
    num_factors = y_train.shape[1]
    num_codes = x_train.shape[1]
    importance_matrix = np.zeros(shape=[num_codes, num_factors], dtype=np.float64)
    train_acc, test_acc = [], []
    for i in range(num_factors):
        model = ensemble.GradientBoostingClassifier(random_state=seed)
        model.fit(x_train, y_train[:, i])
        importance_matrix[:, i] = np.abs(model.feature_importances_)
        train_acc.append(float(np.mean(model.predict(x_train) == y_train[:, i])))
        test_acc.append(float(np.mean(model.predict(x_test) == y_test[:, i])))
    return importance_matrix, train_acc, test_acc


def disentanglement(importance_matrix):
    per_code = 1. - scipy.stats.entropy(importance_matrix.T + 1e-11, base=importance_matrix.shape[1])
    if importance_matrix.sum() == 0.:
        importance_matrix = np.ones_like(importance_matrix)
    code_importance = importance_matrix.sum(axis=1) / importance_matrix.sum()
    return float(np.sum(per_code * code_importance))


def completeness(importance_matrix):
    per_factor = 1. - scipy.stats.entropy(importance_matrix + 1e-11, base=importance_matrix.shape[0])
    if importance_matrix.sum() == 0.:
        importance_matrix = np.ones_like(importance_matrix)
    factor_importance = importance_matrix.sum(axis=0) / importance_matrix.sum()
    return float(np.sum(per_factor * factor_importance))


def standardised(factors):
    return (factors - factors.mean(axis=0)) / factors.std(axis=0)


def cases():
    rng = np.random.RandomState(17)
    n = TRAIN + TEST
    factors = np.stack([rng.randint(s, size=n) for s in SIZES], axis=1)
    z = standardised(factors.astype(np.float64))
    c, s = np.cos(np.pi / 4), np.sin(np.pi / 4)
    rotation = z.copy()
    rotation[:, 0], rotation[:, 1] = c * z[:, 0] - s * z[:, 1], s * z[:, 0] + c * z[:, 1]
    mixing = np.array([[1.0, 0.3, 0.0, 0.0], [0.0, 1.0, 0.2, 0.0], [0.0, 0.0, 1.0, 0.0], [0.1, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, 0.0]])
    mixed = z @ mixing.T + 0.15 * rng.randn(n, 5)
    yield "identity", "each code is one factor's standardised value", z, factors
    yield "rotation", "factors 0 and 1 rotated by 45 degrees into codes 0 and 1", rotation, factors
    yield "noise", "Gaussian noise, independent of the factors", rng.randn(n, 4), factors
    yield "mixed", "a linear mix of the factors with noise and one unused code", mixed, factors


def main():
    out = []
    for name, about, codes, factors in cases():
        # four decimals: the values are then the same for both readers, and float32 as sklearn fits them
        codes = np.round(codes, 4)
        x_train, x_test = codes[:TRAIN], codes[TRAIN:]
        y_train, y_test = factors[:TRAIN], factors[TRAIN:]
        runs = []
        for seed in SEEDS:
            importance, train_acc, test_acc = compute_importance_gbt(x_train, y_train, x_test, y_test, seed)
            runs.append({
                "randomState": seed, "importance": importance.tolist(), "trainAccuracy": train_acc, "testAccuracy": test_acc,
                "disentanglement": disentanglement(importance), "completeness": completeness(importance),
                "informativeness": float(np.mean(test_acc)),
            })
        out.append({
            "name": name, "about": about, "train": TRAIN, "test": TEST, "latents": codes.shape[1],
            "factorSizes": SIZES, "factorNames": NAMES,
            "codes": [float(v) for v in codes.ravel()], "factors": [int(v) for v in factors.ravel()],
            "runs": runs,
        })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "dci.json")
    with open(path, "w") as f:
        json.dump({"generator": "packages/eval/scripts/dci_reference.py", "sklearn": sklearn.__version__, "numpy": np.__version__, "cases": out}, f)
        f.write("\n")
    print(f"wrote {os.path.normpath(path)}")


if __name__ == "__main__":
    main()
