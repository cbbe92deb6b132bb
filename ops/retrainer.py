"""The reference retrainer of Vigil's closed loop (docs/monitoring.md; a run is shown in docs/demo-drift.md).

    python3 ops/retrainer.py --topology FILE --bootstrap-servers HOST:PORT --work DIR [--once] [gate options]

It talks to Kafka only through the vigil CLI (`vigil topic tail|publish`, `vigil backfill`, `vigil models`):

1. waits for a retrain trigger on the topology's triggers topic (`vigil topic tail --group --max 1`: consumed once
   printed, so a restarted retrainer goes on with the next);
2. audits `training_started`;
3. `vigil backfill` over the trigger's suggested range, from the topology's source and labels topics, with the
   labels as known at the trigger's time (`--label-cutoff`);
4. trains an XGBoost challenger on the earlier part of the range and writes a bundle (docs/models.md: baselines from
   the training rows, validation figures from the held-out slice, `training.dataset` naming the backfill's SHA-256);
   audits `challenger_trained`;
5. the evaluation gate: challenger and champion scored on the held-out slice (the last `--holdout` of the range by
   event time, never trained on): AUC-PR and recall at each model's decision threshold; audits `evaluation` with
   both and the decision, and only if the challenger wins, `vigil models shadow` and audits `challenger_published`;
6. promotion: follows the performance topic (one `vigil topic tail` left running; the latest revision of each
   window counts); once the windows that both models scored in full (the same
   transactions, joined to the same labels) hold `--promote-min-fraud` labelled frauds, it sends `vigil models
   promote` when the challenger's recall beats the champion's by `--promote-margin` (audit `promotion_requested`),
   or `vigil models retire` when it does not (audit `retire_requested`).

Every step prints one line. The training code (parameters, baselines, metrics, bundle writing) is the same as
ops/train_demo_model.py's; the functions here are importable for that purpose.
"""
import argparse, csv, datetime, json, os, queue, re, signal, subprocess, sys, threading, time

import numpy as np

# ── Training and the bundle format (as ops/train_demo_model.py) ────────────────────────────────────────────────────

PARAMS = {"objective": "binary:logistic", "max_depth": 4, "eta": 0.15, "subsample": 1.0, "min_child_weight": 2,
          "eval_metric": "aucpr", "seed": 7, "nthread": 1, "tree_method": "exact", "scale_pos_weight": 5.0}
ROUNDS = 80
DECISION, REVIEW = 0.5, 0.2


class Dataset:
    """A `vigil backfill` CSV in event-time order: features (by name), ts, label, txn_id."""

    def __init__(self, path):
        with open(path) as f:
            reader = csv.reader(f)
            header = next(reader)
            rows = list(reader)
        self.features = header[4:-1]
        ts = np.array([int(r[3]) for r in rows], dtype=np.int64)
        x = np.array([[float(v) if v != "" else np.nan for v in r[4:-1]] for r in rows], dtype=np.float64)
        x = x.reshape(len(rows), len(self.features))
        y = np.array([int(r[-1]) for r in rows], dtype=np.int32)
        order = np.argsort(ts, kind="stable")
        self.ts, self.x, self.y = ts[order], x[order], y[order]

    def __len__(self):
        return len(self.y)

    def columns(self, names, rows=slice(None)):
        """The values of `names`, in that order (a model's manifest order), for `rows`."""
        missing = [n for n in names if n not in self.features]
        if missing:
            raise SystemExit(f"retrainer: the dataset lacks features {missing}")
        return self.x[rows][:, [self.features.index(n) for n in names]]


def train(x, y, features):
    import xgboost as xgb
    dtrain = xgb.DMatrix(x, label=y, feature_names=features, missing=np.nan)
    return xgb.train(PARAMS, dtrain, num_boost_round=ROUNDS)


def predict(booster, x, features):
    import xgboost as xgb
    return booster.predict(xgb.DMatrix(x, feature_names=features, missing=np.nan)).astype(np.float64)


def metrics(p, labels, threshold):
    """Precision and recall at `threshold`, and average precision (step-wise area under the PR curve)."""
    pred = p >= threshold
    tp = int(np.sum(pred & (labels == 1)))
    fp = int(np.sum(pred & (labels == 0)))
    fn = int(np.sum(~pred & (labels == 1)))
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    idx = np.argsort(-p, kind="stable")
    hits = labels[idx] == 1
    cum_tp = np.cumsum(hits)
    prec_at = cum_tp / np.arange(1, len(p) + 1)
    auc_pr = float(np.sum(prec_at[hits]) / max(1, hits.sum()))
    return precision, recall, auc_pr


def baseline(values):
    """A feature's reference distribution: 10 quantile bins (ties merged) over the non-missing values, with the
    training range."""
    present = values[~np.isnan(values)]
    missing = 1.0 - len(present) / len(values) if len(values) else 1.0
    if len(present) == 0:
        return {"edges": [], "proportions": [1.0], "missing_rate": 1.0}
    qs = np.quantile(present, np.linspace(0.1, 0.9, 9))
    edges = sorted(set(float(q) for q in qs))
    counts = np.zeros(len(edges) + 1)
    for b in np.searchsorted(np.array(edges), present, side="right"):
        counts[b] += 1
    props = (counts / counts.sum()).tolist()
    props[-1] = 1.0 - sum(props[:-1])
    # min/max: the training range, for the monitor's out-of-range rate (docs/models.md).
    return {"edges": edges, "proportions": [max(0.0, p) for p in props], "missing_rate": missing,
            "min": float(present.min()), "max": float(present.max())}


def iso(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc).strftime(
        "%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def write_bundle(out, booster, *, name, version, features, x_train, p_train, ts_train, validation, dataset,
                 created_ms):
    """Writes model.json and manifest.json (docs/models.md) into `out`."""
    os.makedirs(out, exist_ok=True)
    booster.save_model(os.path.join(out, "model.json"))
    manifest = {
        "format_version": 1,
        "name": name,
        "version": version,
        "created_at": iso(created_ms),
        "features": features,
        "training": {"from": iso(int(ts_train[0])), "to": iso(int(ts_train[-1])), "rows": int(len(ts_train)),
                     "dataset": dataset},
        "model": {"kind": "xgboost_json", "file": "model.json"},
        "thresholds": {"decision": DECISION, "review": REVIEW},
        "baselines": {"features": {n: baseline(x_train[:, i]) for i, n in enumerate(features)},
                      "score": baseline(p_train)},
        "validation": validation,
    }
    with open(os.path.join(out, "manifest.json"), "w") as f:
        json.dump(manifest, f, indent=1)
        f.write("\n")
    return manifest


class Bundle:
    """A bundle directory scored in Python as Vigil scores it (xgboost_json or logistic)."""

    def __init__(self, path):
        self.path = path
        with open(os.path.join(path, "manifest.json")) as f:
            self.manifest = json.load(f)
        self.features = self.manifest["features"]
        self.decision = self.manifest["thresholds"]["decision"]
        model = self.manifest["model"]
        self.kind = model["kind"]
        model_path = os.path.join(path, model["file"])
        if self.kind == "xgboost_json":
            import xgboost as xgb
            self.booster = xgb.Booster()
            self.booster.load_model(model_path)
        elif self.kind == "logistic":
            with open(model_path) as f:
                self.logistic = json.load(f)
        else:
            raise SystemExit(f"retrainer: cannot score a {self.kind} bundle ({path})")

    @property
    def identifier(self):
        return f"{self.manifest['name']}@{self.manifest['version']}"

    def score(self, dataset, rows):
        x = dataset.columns(self.features, rows)
        if self.kind == "xgboost_json":
            return predict(self.booster, x, self.features)
        m = self.logistic
        z = x.copy()
        if "standardisation" in m:
            z = (z - np.array(m["standardisation"]["mean"])) / np.array(m["standardisation"]["std"])
        z = np.where(np.isnan(z), 0.0, z)
        return 1.0 / (1.0 + np.exp(-(m["intercept"] + z @ np.array(m["weights"]))))


# ── The vigil CLI ──────────────────────────────────────────────────────────────────────────────────────────────────


class Vigil:
    """Runs the vigil binary for one topology and cluster."""

    def __init__(self, binary, topology, bootstrap):
        self.binary, self.topology, self.bootstrap = binary, topology, bootstrap
        self.info = self._describe()

    def run(self, *args, stdin=None):
        command = [self.binary, *args]
        result = subprocess.run(command, input=stdin, capture_output=True, text=True)
        if result.returncode != 0:
            raise RuntimeError(f"{' '.join(command)} failed ({result.returncode}): {result.stderr.strip()[-2000:]}")
        return result.stdout

    def _describe(self):
        """Topic names and the champion's bundle, from `vigil validate`."""
        text = self.run("validate", self.topology)
        info = {}
        m = re.search(r"^topology (\S+):", text, re.M)
        info["name"] = m.group(1)
        info["source"] = re.search(r"^\s+input (\S+) \(", text, re.M).group(1)
        outputs = re.search(r"^\s+outputs: (.*)$", text, re.M).group(1)
        for part in outputs.split(", "):
            key, _, topic = part.partition(" → ")
            info[key] = topic
        labels = re.search(r"labels from (\S+) \(", text)
        info["labels"] = labels.group(1) if labels else None
        info["champion"] = os.path.normpath(re.search(r"^\s+scoring: model (.+?), reload", text, re.M).group(1))
        for needed in ("triggers", "performance", "audit", "models"):
            if needed not in info:
                raise SystemExit(f"retrainer: {self.topology} has no {needed} topic (a monitoring: section with "
                                 "labels and retrain is needed)")
        if not info["labels"]:
            raise SystemExit(f"retrainer: {self.topology} has no monitoring.labels topic")
        return info

    def tail(self, topic, group, *, max_records=None, idle=5.0, from_beginning=True):
        """The records `vigil topic tail` prints: with `idle`, until that many seconds pass without one (more than
        a group join takes: about 3 s on the dev broker); without, until `max_records`."""
        args = ["topic", "tail", "--topic", topic, "--group", group, "--bootstrap-servers", self.bootstrap]
        if idle is not None:
            args += ["--idle", str(idle)]
        if max_records:
            args += ["--max", str(max_records)]
        if from_beginning:
            args.append("--from-beginning")
        out = []
        for line in self.run(*args).splitlines():
            line = line.strip()
            if line:
                try:
                    out.append(json.loads(line))
                except json.JSONDecodeError:
                    pass
        return out

    def follow(self, topic, group):
        """A `vigil topic tail` left running (no group join per read): use as a context manager."""
        return Follower([self.binary, "topic", "tail", "--topic", topic, "--group", group, "--from-beginning",
                         "--bootstrap-servers", self.bootstrap])

    def publish(self, topic, records, key=None):
        args = ["topic", "publish", "--topic", topic, "--bootstrap-servers", self.bootstrap]
        if key:
            args += ["--key", key]
        self.run(*args, stdin="".join(json.dumps(r, separators=(",", ":")) + "\n" for r in records))


class Follower:
    """The JSON records a background `vigil topic tail` prints, as they arrive."""

    def __init__(self, command):
        self.command = command

    def __enter__(self):
        self.queue = queue.Queue()
        self.process = subprocess.Popen(self.command, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)

        def pump():
            for line in self.process.stdout:
                try:
                    self.queue.put(json.loads(line))
                except json.JSONDecodeError:
                    pass
        threading.Thread(target=pump, daemon=True).start()
        return self

    def take(self, timeout):
        """Every record that arrived, waiting up to `timeout` seconds for the first."""
        out = []
        try:
            out.append(self.queue.get(timeout=timeout))
            while True:
                out.append(self.queue.get_nowait())
        except queue.Empty:
            return out

    def __exit__(self, *exc):
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)  # the tail commits what it printed and leaves its group
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


# ── The loop ───────────────────────────────────────────────────────────────────────────────────────────────────────


def say(text):
    print(f"retrainer: {text}", flush=True)


def fmt(v):
    return "n/a" if v is None else f"{v:.3f}"


class Retrainer:
    def __init__(self, args):
        self.args = args
        self.vigil = Vigil(args.vigil, args.topology, args.bootstrap_servers)
        self.info = self.vigil.info
        self.work = os.path.abspath(args.work)
        os.makedirs(self.work, exist_ok=True)

    def audit(self, action, **fields):
        event = {"v": 1, "type": "audit", "topology": self.info["name"], "action": action}
        event.update({k: v for k, v in fields.items() if v is not None})
        self.vigil.publish(self.info["audit"], [event], key=self.info["name"])

    def champion_bundle(self):
        """The bundle in force as champion: the topology's, unless the audit trail shows a promotion since."""
        champion, challenger = self.info["champion"], None
        group = f"retrainer-audit-{os.getpid()}-{time.time_ns()}"
        for event in self.vigil.tail(self.info["audit"], group, idle=self.args.poll_seconds):
            action = event.get("action")
            if action == "model_shadow":
                challenger = event.get("bundle")
            elif action == "model_promote":
                champion = event.get("bundle") or challenger or champion
                challenger = None
            elif action == "model_retire":
                challenger = None
        return champion

    def wait_for_trigger(self):
        say(f"waiting for a retrain trigger on {self.info['triggers']} (group {self.args.group})")
        while True:
            # One record, blocking: the tail commits it once printed, so a restarted retrainer goes on after it.
            for r in self.vigil.tail(self.info["triggers"], self.args.group, max_records=1, idle=None):
                if r.get("type") == "retrain_trigger":
                    return r

    def handle(self, trigger):
        tid, at = trigger["trigger_id"], int(trigger["at"])
        start, end = int(trigger["train_from"]), int(trigger["train_to"])
        say(f"trigger {tid} ({', '.join(trigger.get('reasons', []))}): {trigger.get('summary', '')}")
        self.audit("training_started", trigger_id=tid, at=at, train_from=start, train_to=end, label_cutoff=at)
        say(f"training_started: range [{iso(start)}, {iso(end)}), labels as known at {iso(at)}")

        # 3. The dataset: every feature exactly as served live, labels as known at the trigger.
        folder = os.path.join(self.work, re.sub(r"[^A-Za-z0-9_.-]", "_", tid))
        os.makedirs(folder, exist_ok=True)
        data = os.path.join(folder, "train.csv")
        self.vigil.run("backfill", self.args.topology, "--input-topic", self.info["source"], "--labels-topic",
                       self.info["labels"], "--bootstrap-servers", self.args.bootstrap_servers, "--from", str(start),
                       "--to", str(end), "--label-cutoff", str(at), "--out", data)
        with open(data + ".manifest.json") as f:
            backfill = json.load(f)
        checksum = "sha256:" + backfill["data"]["sha256"]
        dataset = Dataset(data)
        say(f"backfill: {len(dataset)} rows, {int(dataset.y.sum())} labelled fraud, {checksum[:19]}…")

        # 4. The challenger, on the earlier part; the last --holdout of the range (by event time) is the gate's.
        champion = Bundle(self.champion_bundle())
        split_ts = end - int((end - start) * self.args.holdout)
        cut = int(np.searchsorted(dataset.ts, split_ts, side="left"))
        fit, hold = slice(0, cut), slice(cut, len(dataset))
        features = champion.features
        y_fit, y_hold = dataset.y[fit], dataset.y[hold]
        if cut == 0 or y_fit.sum() == 0:
            self.audit("evaluation", trigger_id=tid, at=at, decision="rejected",
                       reason="no labelled fraud to train on", dataset={"checksum": checksum})
            say("evaluation: rejected (no labelled fraud before the held-out slice)")
            return
        x_fit = dataset.columns(features, fit)
        booster = train(x_fit, y_fit, features)
        version = next_version(champion.manifest["version"], at)
        out = os.path.join(self.work, f"{champion.manifest['name']}-{version}")
        p_fit = predict(booster, x_fit, features)
        p_ch = predict(booster, dataset.columns(features, hold), features)
        precision, recall, auc_pr = metrics(p_ch, y_hold, DECISION)
        manifest = write_bundle(
            out, booster, name=champion.manifest["name"], version=version, features=features, x_train=x_fit,
            p_train=p_fit, ts_train=dataset.ts[fit],
            validation={"precision": precision, "recall": recall, "auc_pr": auc_pr},
            dataset={"name": f"vigil backfill {os.path.basename(self.args.topology)} [{iso(start)}, {iso(end)}) "
                             f"labels as of {iso(at)} ({os.path.relpath(data, self.work)})",
                     "checksum": checksum},
            created_ms=at)
        challenger_id = f"{manifest['name']}@{version}"
        self.audit("challenger_trained", trigger_id=tid, at=at, bundle=out, model=manifest["name"],
                   model_version=version, rows=int(cut), fraud=int(y_fit.sum()),
                   dataset={"name": manifest["training"]["dataset"]["name"], "checksum": checksum})
        say(f"challenger_trained: {challenger_id} on {cut} rows ({int(y_fit.sum())} fraud) → {out}")

        # 5. The gate: both models on the held-out slice.
        p_champ = champion.score(dataset, hold)
        c_precision, c_recall, c_auc = metrics(p_champ, y_hold, champion.decision)
        frauds = int(y_hold.sum())
        wins = (frauds >= self.args.min_holdout_fraud and auc_pr > c_auc + self.args.gate_auc_pr_margin
                and recall >= c_recall + self.args.gate_recall_margin)
        decision = "publish" if wins else "rejected"
        figures = {"rows": int(len(y_hold)), "fraud": frauds, "from": int(split_ts), "to": end,
                   "challenger": {"model": challenger_id, "auc_pr": auc_pr, "recall": recall, "precision": precision},
                   "champion": {"model": champion.identifier, "auc_pr": c_auc, "recall": c_recall,
                                "precision": c_precision}}
        self.audit("evaluation", trigger_id=tid, at=at, decision=decision, holdout=figures,
                   dataset={"checksum": checksum},
                   rule=f"fraud >= {self.args.min_holdout_fraud}, AUC-PR > champion + "
                        f"{self.args.gate_auc_pr_margin}, recall >= champion + {self.args.gate_recall_margin}")
        say(f"evaluation on {len(y_hold)} held-out rows ({frauds} fraud): challenger AUC-PR {fmt(auc_pr)} recall "
            f"{fmt(recall)} vs champion {champion.identifier} AUC-PR {fmt(c_auc)} recall {fmt(c_recall)} → {decision}")
        if not wins:
            return

        self.vigil.run("models", "shadow", self.args.topology, "--bundle", out, "--trigger-id", tid, "--reason",
                       f"retrained on [{iso(start)}, {iso(end)}): won the evaluation gate",
                       "--bootstrap-servers", self.args.bootstrap_servers)
        self.audit("challenger_published", trigger_id=tid, at=at, bundle=out, model=manifest["name"],
                   model_version=version, dataset={"checksum": checksum})
        say(f"challenger_published: {challenger_id} in shadow ({out})")

        # 6. Promotion on live evidence.
        self.promote_when_better(tid, at, manifest["name"], champion.manifest["version"], version)

    def promote_when_better(self, tid, at, model, champion_version, challenger_version):
        say(f"measuring the shadow on {self.info['performance']}: promote when its recall beats "
            f"{model}@{champion_version}'s by {self.args.promote_margin} over >= {self.args.promote_min_fraud} "
            "labelled fraud")
        latest = {}
        group = f"retrainer-performance-{re.sub(r'[^A-Za-z0-9_.-]', '_', tid)}-{os.getpid()}"
        deadline = time.monotonic() + self.args.promote_timeout if self.args.promote_timeout > 0 else None
        reported = None
        with self.vigil.follow(self.info["performance"], group) as follower:
            while True:
                decided = self.weigh(follower.take(timeout=1.0), latest, tid, model, champion_version,
                                     challenger_version, reported)
                if decided is True:
                    return
                reported = decided
                if deadline is not None and time.monotonic() > deadline:
                    say("no promotion decision before --promote-timeout; the challenger stays in shadow")
                    return

    def weigh(self, events, latest, tid, model, champion_version, challenger_version, reported):
        """Adds performance events to `latest`; promotes or retires when the evidence suffices (returns True),
        else returns what it last reported."""
        for e in events:
            if e.get("type") != "performance" or e.get("model") != model:
                continue
            k = (e["model_version"], e["window_start"])
            if k not in latest or e["revision"] >= latest[k]["revision"]:
                latest[k] = e
        # The windows both scored in full: the same transactions, the same labels.
        windows = sorted(w for (v, w) in latest if v == challenger_version and (champion_version, w) in latest
                         and latest[(v, w)]["predictions"] == latest[(champion_version, w)]["predictions"])
        fraud = sum(latest[(challenger_version, w)]["fraud"] for w in windows)
        tp_ch = sum(latest[(challenger_version, w)]["true_positives"] for w in windows)
        tp_cm = sum(latest[(champion_version, w)]["true_positives"] for w in windows)
        if (len(windows), fraud) != reported:
            reported = (len(windows), fraud)
            if fraud:
                say(f"shadow evidence: {len(windows)} windows, {fraud} labelled fraud: challenger recall "
                    f"{fmt(tp_ch / fraud)}, champion {fmt(tp_cm / fraud)}")
        if fraud >= self.args.promote_min_fraud:
            r_ch, r_cm = tp_ch / fraud, tp_cm / fraud
            evidence = {"windows": [int(w) for w in windows], "fraud": fraud,
                        "challenger": {"model": f"{model}@{challenger_version}", "recall": r_ch,
                                       "true_positives": tp_ch},
                        "champion": {"model": f"{model}@{champion_version}", "recall": r_cm,
                                     "true_positives": tp_cm}}
            label_time = max(latest[(challenger_version, w)].get("label_time") or 0 for w in windows)
            if r_ch > r_cm + self.args.promote_margin:
                self.vigil.run("models", "promote", self.args.topology, "--trigger-id", tid, "--reason",
                               f"shadow recall {r_ch:.3f} vs {r_cm:.3f} over {fraud} labelled fraud",
                               "--bootstrap-servers", self.args.bootstrap_servers)
                self.audit("promotion_requested", trigger_id=tid, at=label_time, evidence=evidence,
                           model=model, model_version=challenger_version)
                say(f"promotion_requested: {model}@{challenger_version} (recall {fmt(r_ch)} vs {fmt(r_cm)} "
                    f"over {len(windows)} windows, {fraud} fraud)")
                return True
            if fraud >= 3 * self.args.promote_min_fraud:
                self.vigil.run("models", "retire", self.args.topology, "--trigger-id", tid, "--reason",
                               f"shadow recall {r_ch:.3f} not above {r_cm:.3f}",
                               "--bootstrap-servers", self.args.bootstrap_servers)
                self.audit("retire_requested", trigger_id=tid, at=label_time, evidence=evidence,
                           model=model, model_version=challenger_version)
                say(f"retire_requested: {model}@{challenger_version} (recall {fmt(r_ch)} vs {fmt(r_cm)})")
                return True
        return reported


def next_version(version, at):
    return str(int(version) + 1) if str(version).isdigit() else f"{version}-r{at}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--topology", required=True, help="the topology file (with monitoring: labels and retrain)")
    parser.add_argument("--bootstrap-servers", required=True)
    parser.add_argument("--work", required=True, help="datasets and challenger bundles go here")
    parser.add_argument("--once", action="store_true", help="handle one trigger (through promotion), then exit")
    parser.add_argument("--vigil", default=os.environ.get("VIGIL", "vigil"), help="the vigil binary")
    parser.add_argument("--group", default="retrainer", help="consumer group on the triggers topic")
    parser.add_argument("--holdout", type=float, default=0.25,
                        help="the last share of the range (by event time) held out for the gate")
    parser.add_argument("--min-holdout-fraud", type=int, default=5,
                        help="the gate rejects a challenger when the held-out slice has fewer labelled frauds")
    parser.add_argument("--gate-auc-pr-margin", type=float, default=0.0,
                        help="the challenger's held-out AUC-PR must exceed the champion's by more than this")
    parser.add_argument("--gate-recall-margin", type=float, default=0.0,
                        help="the challenger's held-out recall must reach the champion's plus this")
    parser.add_argument("--promote-min-fraud", type=int, default=20,
                        help="labelled frauds in fully shadowed windows before deciding on promotion")
    parser.add_argument("--promote-margin", type=float, default=0.05,
                        help="recall points by which the challenger must beat the champion live")
    parser.add_argument("--promote-timeout", type=float, default=0,
                        help="seconds to wait for the promotion evidence (0: no limit)")
    parser.add_argument("--poll-seconds", type=float, default=5,
                        help="idle time of each topic read (more than a consumer-group join takes: about 3 s on the dev broker)")
    args = parser.parse_args()
    if not 0 < args.holdout < 1:
        parser.error("--holdout must lie in (0, 1)")
    retrainer = Retrainer(args)
    say(f"topology {retrainer.info['name']}: champion bundle {retrainer.info['champion']}, work {retrainer.work}")
    while True:
        trigger = retrainer.wait_for_trigger()
        try:
            retrainer.handle(trigger)
        except RuntimeError as error:
            say(f"trigger {trigger.get('trigger_id')} failed: {error}")
            retrainer.audit("training_failed", trigger_id=trigger.get("trigger_id"), detail=str(error)[-500:])
            if args.once:
                sys.exit(1)
        if args.once:
            return


if __name__ == "__main__":
    main()
