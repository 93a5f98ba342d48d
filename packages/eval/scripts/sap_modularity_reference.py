#!/usr/bin/env python3
"""Expected SAP, modularity and explicitness values, from scikit-learn and numpy.

Writes ../fixtures/sap-modularity-reference.json: small code-factor splits (600 training and
300 test rows) and what disentanglement_lib's sap_score.py and modularity_explicitness.py
compute on them. Their formulas are restated below line for line (disentanglement_lib itself
needs TensorFlow 1), on the same scikit-learn estimators.

Run with Debian's python3-sklearn:  /usr/bin/python3 packages/eval/scripts/sap_modularity_reference.py
"""
import json
import os

import numpy as np
import sklearn
from sklearn import linear_model, metrics, preprocessing, svm

TRAIN, TEST = 600, 300
SIZES = [3, 5, 8, 2]
NAMES = ["f1", "f2", "f3", "f4"]


def standardised(factors):
    """Each factor index as a z-score over its values 0 .. size-1 (population std)."""
    out = np.empty(factors.shape)
    for k, size in enumerate(SIZES):
        values = np.arange(size, dtype=np.float64)
        out[:, k] = (factors[:, k] - values.mean()) / values.std()
    return out


def cases():
    rng = np.random.RandomState(17)
    n = TRAIN + TEST
    factors = np.stack([rng.randint(0, s, size=n) for s in SIZES], axis=1)
    s = standardised(factors)
    rotation = s.copy()
    rotation[:, 0] = (s[:, 0] + s[:, 1]) / np.sqrt(2)
    rotation[:, 1] = (s[:, 0] - s[:, 1]) / np.sqrt(2)
    noise = rng.normal(size=(n, 4))
    # a trained encoder's look: mostly one factor per latent, some leakage, noise, one latent
    # on a large scale, one nearly dead
    mixing = np.array([
        [1.0, 0.2, 0.0, 0.0, 0.0],
        [0.3, 1.0, 0.0, 0.1, 0.0],
        [0.0, 0.4, 0.9, 0.0, 0.0],
        [0.0, 0.0, 0.2, 1.0, 0.0],
    ])
    mixed = s @ mixing + 0.3 * rng.normal(size=(n, 5))
    mixed[:, 2] *= 1000.0  # liblinear's dual solver stops at its 1000 passes on this scale
    mixed[:, 4] = 0.01 * rng.normal(size=n)
    for name, codes in [("identity", s), ("rotation", rotation), ("noise", noise), ("mixed", mixed)]:
        yield name, np.round(codes, 6), factors


# --- disentanglement_lib's formulas (codes and factors as (dims, points) arrays there) ---

def sap_score_matrix(mus, ys, mus_test, ys_test, continuous):
    """The score matrix, and which classifiers met their tolerance within liblinear's 1000 passes."""
    m = np.zeros([mus.shape[0], ys.shape[0]])
    converged = np.ones([mus.shape[0], ys.shape[0]], dtype=bool)
    for i in range(mus.shape[0]):
        for j in range(ys.shape[0]):
            if continuous:
                cov = np.cov(mus[i, :], ys[j, :], ddof=1)
                m[i, j] = cov[0, 1] ** 2 / (cov[0, 0] * cov[1, 1]) if cov[0, 0] > 1e-12 else 0.0
            else:
                clf = svm.LinearSVC(C=0.01, class_weight="balanced", random_state=0)
                clf.fit(mus[i, :, np.newaxis], ys[j, :])
                converged[i, j] = clf.n_iter_ < clf.max_iter
                m[i, j] = np.mean(clf.predict(mus_test[i, :, np.newaxis]) == ys_test[j, :])
    return m, converged


def avg_diff_top_two(m):
    s = np.sort(m, axis=0)
    return float(np.mean(s[-1, :] - s[-2, :]))


def histogram_discretize(target, num_bins=20):
    out = np.zeros_like(target)
    for i in range(target.shape[0]):
        out[i, :] = np.digitize(target[i, :], np.histogram(target[i, :], num_bins)[1][:-1])
    return out


def discrete_mutual_info(mus, ys):
    return np.array([[metrics.mutual_info_score(ys[j, :], mus[i, :]) for j in range(ys.shape[0])] for i in range(mus.shape[0])])


def modularity(mi):
    sq = np.square(mi)
    mx = np.max(sq, axis=1)
    score = 1.0 - (np.sum(sq, axis=1) - mx) / (mx * (sq.shape[1] - 1.0))
    score[mx == 0.0] = 0.0
    return float(np.mean(score))


def explicitness_per_factor(mus_train, y_train, mus_test, y_test):
    clf = linear_model.LogisticRegression().fit(mus_train.T, y_train)
    mlb = preprocessing.MultiLabelBinarizer()
    train = metrics.roc_auc_score(mlb.fit_transform(np.expand_dims(y_train, 1)), clf.predict_proba(mus_train.T))
    test = metrics.roc_auc_score(mlb.fit_transform(np.expand_dims(y_test, 1)), clf.predict_proba(mus_test.T))
    return float(train), float(test)


def expected(codes, factors):
    mus, mus_test = codes[:TRAIN].T, codes[TRAIN:].T
    ys, ys_test = factors[:TRAIN].T, factors[TRAIN:].T
    discrete, converged = sap_score_matrix(mus, ys, mus_test, ys_test, False)
    continuous, _ = sap_score_matrix(mus, ys, mus_test, ys_test, True)
    mi = discrete_mutual_info(histogram_discretize(mus), ys)
    mean, std = mus.mean(axis=1), mus.std(axis=1)
    norm = lambda m: (m - mean[:, np.newaxis]) / std[:, np.newaxis]
    explicit = [explicitness_per_factor(norm(mus), ys[k], norm(mus_test), ys_test[k]) for k in range(len(SIZES))]
    # the classifiers' probabilities on the first test rows: two classes (f4), several (f3)
    probabilities = {
        NAMES[k]: linear_model.LogisticRegression().fit(norm(mus).T, ys[k]).predict_proba(norm(mus_test).T)[:10].tolist()
        for k in (2, 3)
    }
    # the SVC's optimum itself, on latent 0: liblinear's primal Newton solver far past the
    # default tolerance (the problem is strictly convex, so the dual's optimum is the same)
    optimum = []
    for k in range(len(SIZES)):
        clf = svm.LinearSVC(C=0.01, class_weight="balanced", dual=False, tol=1e-10, max_iter=100000)
        clf.fit(mus[0, :, np.newaxis], ys[k])
        optimum.append({"coef": clf.coef_[:, 0].tolist(), "intercept": clf.intercept_.tolist()})
    return {
        "sap": {"score": avg_diff_top_two(discrete), "scoreMatrix": discrete.tolist(), "converged": converged.tolist()},
        "sapContinuous": {"score": avg_diff_top_two(continuous), "scoreMatrix": continuous.tolist()},
        "svcOptimumLatent0": optimum,
        "modularity": modularity(mi),
        "mutualInformation": mi.tolist(),
        "explicitnessTrain": float(np.mean([e[0] for e in explicit])),
        "explicitnessTest": float(np.mean([e[1] for e in explicit])),
        "perFactorExplicitness": [list(e) for e in explicit],
        "logisticProbabilities": probabilities,
    }


def main():
    out = {
        "generator": "packages/eval/scripts/sap_modularity_reference.py",
        "versions": {"sklearn": sklearn.__version__, "numpy": np.__version__},
        "trainPoints": TRAIN, "testPoints": TEST, "factorSizes": SIZES, "factorNames": NAMES,
        "cases": [],
    }
    for name, codes, factors in cases():
        out["cases"].append({
            "name": name, "latents": codes.shape[1],
            "codes": codes.ravel().tolist(), "factors": factors.ravel().tolist(),
            "expected": expected(codes, factors),
        })
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures", "sap-modularity-reference.json")
    with open(path + ".tmp", "w") as f:
        json.dump(out, f, separators=(",", ":"))
        f.write("\n")
    os.replace(path + ".tmp", path)
    for case in out["cases"]:
        e = case["expected"]
        print(f'{case["name"]:9s} SAP {e["sap"]["score"]:.4f} (continuous {e["sapContinuous"]["score"]:.4f})  '
              f'modularity {e["modularity"]:.4f}  explicitness {e["explicitnessTrain"]:.4f} / {e["explicitnessTest"]:.4f}')


if __name__ == "__main__":
    main()
