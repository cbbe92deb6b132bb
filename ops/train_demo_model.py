"""Trains the demo fraud model from a `vigil backfill` CSV and writes a Vigil model bundle (docs/models.md).

    python3 ops/train_demo_model.py TRAIN.csv OUT_DIR

Deterministic for one XGBoost version: same CSV, same bundle bytes (apart from nothing: created_at is the end of
the training data, not the clock).
"""
import csv, datetime, json, math, os, sys

import numpy as np
import xgboost as xgb

src, out = sys.argv[1], sys.argv[2]
with open(src) as f:
    reader = csv.reader(f)
    header = next(reader)
    rows = list(reader)
features = header[4:-1]
ts = np.array([int(r[3]) for r in rows], dtype=np.int64)
x = np.array([[float(v) if v != "" else np.nan for v in r[4:-1]] for r in rows], dtype=np.float64)
y = np.array([int(r[-1]) for r in rows], dtype=np.int32)
order = np.argsort(ts, kind="stable")
ts, x, y = ts[order], x[order], y[order]
cut = int(len(y) * 0.8)
train, valid = slice(0, cut), slice(cut, len(y))

params = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.15, "subsample": 1.0, "min_child_weight": 2,
          "eval_metric": "aucpr", "seed": 7, "nthread": 1, "tree_method": "exact",
          "scale_pos_weight": 5.0}
dtrain = xgb.DMatrix(x[train], label=y[train], feature_names=features, missing=np.nan)
dvalid = xgb.DMatrix(x[valid], label=y[valid], feature_names=features, missing=np.nan)
booster = xgb.train(params, dtrain, num_boost_round=80)
p_valid = booster.predict(dvalid)
p_train = booster.predict(dtrain)

decision, review = 0.5, 0.2


def metrics(p, labels, threshold):
    pred = p >= threshold
    tp = int(np.sum(pred & (labels == 1)))
    fp = int(np.sum(pred & (labels == 0)))
    fn = int(np.sum(~pred & (labels == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    # Average precision (area under the precision-recall curve, step-wise).
    idx = np.argsort(-p, kind="stable")
    hits = labels[idx] == 1
    cum_tp = np.cumsum(hits)
    prec_at = cum_tp / np.arange(1, len(p) + 1)
    auc_pr = float(np.sum(prec_at[hits]) / max(1, hits.sum()))
    return precision, recall, auc_pr


precision, recall, auc_pr = metrics(p_valid, y[valid], decision)


def baseline(values):
    present = values[~np.isnan(values)]
    missing = 1.0 - len(present) / len(values) if len(values) else 1.0
    if len(present) == 0:
        return {"edges": [], "proportions": [1.0], "missing_rate": 1.0}
    qs = np.quantile(present, np.linspace(0.1, 0.9, 9))
    edges = sorted(set(float(q) for q in qs))
    counts = np.zeros(len(edges) + 1)
    bins = np.searchsorted(np.array(edges), present, side="right")
    for b in bins:
        counts[b] += 1
    props = (counts / counts.sum()).tolist()
    props[-1] = 1.0 - sum(props[:-1])
    return {"edges": edges, "proportions": [max(0.0, p) for p in props], "missing_rate": missing}


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


os.makedirs(out, exist_ok=True)
booster.save_model(os.path.join(out, "model.json"))
manifest = {
    "format_version": 1,
    "name": "fraud-demo",
    "version": "1",
    "created_at": iso(int(ts[-1])),
    "features": features,
    "training": {"from": iso(int(ts[train][0])), "to": iso(int(ts[train][-1])), "rows": int(cut),
                 "dataset": {"name": "vigil generate --seed 7, vigil backfill topologies/fraud-scoring.yaml",
                             "checksum": "none"}},
    "model": {"kind": "xgboost_json", "file": "model.json"},
    "thresholds": {"decision": decision, "review": review},
    "baselines": {"features": {n: baseline(x[train][:, i]) for i, n in enumerate(features)},
                  "score": baseline(p_train.astype(np.float64))},
    "validation": {"precision": precision, "recall": recall, "auc_pr": auc_pr},
}
with open(os.path.join(out, "manifest.json"), "w") as f:
    json.dump(manifest, f, indent=1)
    f.write("\n")
print(f"train-demo-model: {cut} training rows ({int(y[train].sum())} fraud), {len(y) - cut} validation rows "
      f"({int(y[valid].sum())} fraud); validation at {decision}: precision {precision:.3f}, recall {recall:.3f}, "
      f"AUC-PR {auc_pr:.3f}; wrote {out}", file=sys.stderr)
