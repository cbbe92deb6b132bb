"""The closed loop, end to end on one machine: a stream whose distribution shifts midway, drift rising, a retrain
trigger, a challenger trained, gated, shadowed and promoted, and recall recovering (docs/demo-drift.md).

    python3 ops/demo_drift.py --vigil PATH [--keep] [--timeout S]     (ops/demo-drift builds vigil and runs this)

Event time is the generator's, from 2026-01-01T00:00Z, about 30 000 transactions a simulated day:

    day 0       replayed into the state before going live (the features' warm-up is not monitored)
    phase A     day 1: before the shift, the champion fraud-demo@1 is fine
    phase B     from 2026-01-03T00:00Z amounts x2.5, 3x the fraud, most of it a device farm the champion has never
                seen: drift rises, recall falls, a trigger fires; the retrainer trains, gates and shadows a challenger
    phase C     the shadow is measured on the same labels as the champion; the retrainer promotes it
    phase D     recall recovers under the new champion

The stream is published two hours of event time at a time: a chunk's transactions (keyed by card, with `vigil
generate --slice-from/--slice-to`), then, once every one is scored, the labels that became available meanwhile
(`vigil topic publish`). The monitor's clock is event time, so the loop reacts as the stream moves on; while the
retrainer trains (and while it weighs a new performance report of its shadow), the stream waits, as if training took
seconds of event time.
"""
import argparse, collections, datetime, json, os, re, shutil, subprocess, sys, tempfile, threading, time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOPOLOGY = "topologies/fraud-drift.yaml"
NAME = "fraud-drift"
SOURCE, LABELS = f"{NAME}-transactions", f"{NAME}-labels"
START, HOUR = 1_767_225_600_000, 3_600_000
SHIFT = START + 48 * HOUR
GENERATE = ["--count", "150000", "--seed", "42", "--shift-at", "2026-01-03T00:00:00Z", "--shift-amount-scale",
            "2.5", "--shift-fraud-scale", "3", "--shift-pattern", "device_farm", "--label-delay-days", "0.15"]
PHASES = {
    "A": "the champion fraud-demo@1 is fine",
    "B": "amounts x2.5, 3x the fraud, most of it a device farm: drift rises, recall falls, a trigger fires",
    "C": "the challenger in shadow, measured on the same labels as the champion",
    "D": "the challenger promoted: recall recovers",
}
CHUNK = 2 * HOUR
MOCK = ["-X", "fetch.wait.max.ms=10"]  # the mock broker holds fetches for fetch.wait.max.ms (see vigil run --embedded)


def hhmm(ms):
    return datetime.datetime.fromtimestamp(ms / 1000, tz=datetime.timezone.utc).strftime("%m-%d %H:%M")


def say(text=""):
    print(text, flush=True)


class Demo:
    def __init__(self, args):
        self.vigil = args.vigil
        self.work = tempfile.mkdtemp(prefix="vigil-demo-drift-")
        self.keep = args.keep
        self.processes = []
        self.began = time.monotonic()
        self.timeout = args.timeout
        self.retrainer_evidence = 0

    # ── processes ──────────────────────────────────────────────────────────────────────────────────────────────

    def run(self, *args, stdin=None, quiet=False):
        command = [self.vigil, *args]
        result = subprocess.run(command, input=stdin, capture_output=True, text=True, cwd=ROOT)
        if result.returncode != 0:
            raise SystemExit(f"demo-drift: {' '.join(command)} failed ({result.returncode}):\n{result.stderr[-3000:]}")
        if not quiet:
            for line in result.stderr.strip().splitlines()[-2:]:
                say(f"    {line}")
        return result.stdout

    def background(self, name, command, echo=False, pipe=None):
        log = open(os.path.join(self.work, f"{name}.log"), "w")
        process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE if echo or pipe else log,
                                   stderr=log, text=True)
        self.processes.append((name, process, log))
        if echo or pipe:
            def pump():
                for line in process.stdout:
                    if pipe:
                        pipe(line)
                        log.write(f"{time.monotonic() - self.began:7.1f} {line}")
                    else:
                        log.write(line)
                        log.flush()
                        say(f"    │ {line.rstrip()}")
                        if "shadow evidence" in line:
                            self.retrainer_evidence += 1
            threading.Thread(target=pump, daemon=True).start()
        return process

    def stop_all(self):
        for name, process, log in reversed(self.processes):
            if process.poll() is None:
                process.send_signal(2)  # SIGINT: vigil run commits and leaves its group; the broker stops
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.close()

    def check_alive(self):
        for name, process, _ in self.processes:
            if name in ("broker", "vigil-run") and process.poll() is not None:
                with open(os.path.join(self.work, f"{name}.log")) as f:
                    tail = f.read()[-3000:]
                raise SystemExit(f"demo-drift: {name} exited ({process.returncode}):\n{tail}")

    # ── topics ─────────────────────────────────────────────────────────────────────────────────────────────────

    def follow(self, topic, parse=True):
        """A `vigil topic tail` that runs until the end, collecting the topic's records (or counting them)."""
        follower = Follower(parse)
        self.background(f"tail-{topic}", [self.vigil, "topic", "tail", "--topic", topic, "--group",
                                                   f"demo-follow-{topic}-{os.getpid()}", "--from-beginning",
                                                   "--bootstrap-servers", self.bootstrap], pipe=follower.feed)
        return follower

    def tail(self, topic, group, idle=5):
        out = self.run("topic", "tail", "--topic", topic, "--group", group, "--from-beginning", "--idle", str(idle),
                       "--bootstrap-servers", self.bootstrap, quiet=True)
        return [line for line in out.splitlines() if line.strip()]

    def events(self, topic, group, idle=5):
        out = []
        for line in self.tail(topic, group, idle):
            try:
                out.append(json.loads(line))
            except json.JSONDecodeError:
                pass
        return out

    def wait_for(self, what, condition, deadline, fail=True):
        while not condition():
            self.check_alive()
            if time.monotonic() > deadline:
                if not fail:
                    return
                raise SystemExit(f"demo-drift: gave up waiting for {what} (logs in {self.work}; --keep keeps them)")
            time.sleep(0.2)

    # ── the demo ───────────────────────────────────────────────────────────────────────────────────────────────

    def start(self):
        say(f"demo-drift: work directory {self.work}")
        self.background("broker", [self.vigil, "dev-broker", "--topology", TOPOLOGY, "--topic",
                                            f"{LABELS}:8"])
        self.bootstrap = None
        # The first line of the broker's standard output is its bootstrap address; it went to the log file.
        deadline = time.monotonic() + 30
        while self.bootstrap is None:
            self.check_alive()
            with open(os.path.join(self.work, "broker.log")) as log:
                text = log.read()
            m = re.search(r"^(\S+:\d+(?:,\S+:\d+)*)$", text, re.M)
            if m and "dev broker up" in text:
                self.bootstrap = m.group(1)
            elif time.monotonic() > deadline:
                raise SystemExit(f"demo-drift: the dev broker did not start:\n{text}")
            else:
                time.sleep(0.2)
        say(f"1. dev broker at {self.bootstrap} with the topics of {TOPOLOGY} and {LABELS}")

    def generate(self):
        tx, labels = os.path.join(self.work, "tx.jsonl"), os.path.join(self.work, "labels.jsonl")
        say(f"2. vigil generate {' '.join(GENERATE)}")
        self.run("generate", *GENERATE, "--out", tx, "--labels-out", labels)
        self.tx_ts = []
        with open(tx) as f:
            for line in f:
                self.tx_ts.append(int(re.search(r'"ts":(\d+)', line).group(1)))
        self.labels = []
        with open(labels) as f:
            for line in f:
                self.labels.append((int(re.search(r'"available_ts":(\d+)', line).group(1)), line))
        self.end = max(self.tx_ts) + 1

    def publish_transactions(self, start, end):
        """The stream's transactions with ts in [start, end), keyed by card (vigil generate --slice-…)."""
        self.run("generate", *GENERATE, "--bootstrap-servers", self.bootstrap, "--topic", SOURCE, "--only",
                 "transactions", "--slice-from", str(start), "--slice-to", str(end), *MOCK, quiet=True)
        return sum(1 for t in self.tx_ts if start <= t < end)

    def publish_labels(self, start, end):
        lines = [line for available, line in self.labels if start <= available < end]
        if lines:
            self.run("topic", "publish", "--topic", LABELS, "--bootstrap-servers", self.bootstrap,
                     stdin="".join(lines), quiet=True)
        return len(lines)

    def warm_up(self):
        n = self.publish_transactions(START, START + 24 * HOUR)
        state = os.path.join(self.work, "state")
        say(f"3. day 0 ({n} transactions) replayed into the state, so the 24h/7d features are warm when "
            "monitoring starts:")
        self.run("replay", TOPOLOGY, "--bootstrap-servers", self.bootstrap, "--state-dir", state, "--then", "stop",
                 *MOCK, quiet=True)
        self.predictions = self.follow(f"{NAME}-predictions", parse=False)
        self.audit = self.follow(f"{NAME}-audit")
        self.performance = self.follow(f"{NAME}-performance")
        self.background("vigil-run", [self.vigil, "run", TOPOLOGY, "--bootstrap-servers", self.bootstrap,
                                      "--state-dir", state, *MOCK])
        say(f"   vigil run {TOPOLOGY} --bootstrap-servers {self.bootstrap} (background, live from here)")
        self.background("retrainer", [sys.executable, "-u", os.path.join(ROOT, "ops/retrainer.py"), "--vigil",
                                      self.vigil, "--topology", TOPOLOGY, "--bootstrap-servers", self.bootstrap,
                                      "--work", os.path.join(self.work, "retrainer"), "--once",
                                      "--poll-seconds", "5"], echo=True)
        say("   ops/retrainer --once (background; its lines are marked │)")

    def wait_scored(self, target, deadline):
        self.wait_for(f"{target} predictions", lambda: self.predictions.count >= target, deadline)

    def audit_actions(self):
        return [e.get("action") for e in self.audit.records()]

    def stream(self):
        """Publishes the stream after day 0 in chunks of CHUNK event time: a chunk's transactions, then (once they
        are scored) the labels that became available meanwhile. The monitor's clock is event time, so the loop
        reacts as the stream moves on; while the retrainer works, the stream waits (live, minutes of training are
        minutes of a day)."""
        clock, labels_from, total = START + 24 * HOUR, START, 0
        phase, reported_until = "A", clock
        say(f"   phase A: before the shift, {PHASES['A']}")
        handled_triggers, evidence_seen = 0, (0, 0)
        while clock < self.end:
            deadline = time.monotonic() + self.timeout
            end = min(clock + CHUNK, self.end)
            if phase == "A" and clock >= SHIFT:
                phase = "B"
                say(f"   phase B: from {hhmm(SHIFT)}, the shift: {PHASES['B']}")
            total += self.publish_transactions(clock, end)
            self.wait_scored(total, deadline)
            last = end >= self.end
            self.publish_labels(labels_from, 2**62 if last else end)
            labels_from, clock = end, end
            if clock - reported_until >= 12 * HOUR or last:
                scored = sum(1 for t in self.tx_ts if reported_until <= t < clock)
                say(f"     stream at {hhmm(clock)}: {total} transactions scored ({scored} since {hhmm(reported_until)}), "
                    f"labels published up to {hhmm(clock) if not last else 'the end'}")
                reported_until = clock
            # A trigger: the stream waits while the retrainer backfills, trains and gates.
            triggers = len([e for e in self.audit.records() if e.get("action") == "retrain_triggered"])
            if triggers > handled_triggers:
                handled_triggers = triggers
                self.wait_for("the retrainer's decision", lambda: any(
                    a in ("model_shadow", "training_failed") or (a == "evaluation" and self.rejected())
                    for a in self.audit_actions()), time.monotonic() + self.timeout)
                if "model_shadow" in self.audit_actions() and phase != "C":
                    phase = "C"
                    say(f"   phase C: from {hhmm(clock)}, {PHASES['C']}")
            # In shadow: after each new performance report of the challenger, the stream waits for the retrainer
            # to weigh it.
            if phase == "C":
                if "promotion_requested" in self.audit_actions() or "retire_requested" in self.audit_actions():
                    self.wait_for("the promotion", lambda: "model_promote" in self.audit_actions()
                                  or "model_retire" in self.audit_actions(), time.monotonic() + self.timeout)
                    phase = "D"
                    say(f"   phase D: from {hhmm(clock)}, {PHASES['D']}")
                else:
                    seen = self.retrainer_evidence
                    evidence = self.shadow_evidence()
                    if evidence != evidence_seen and evidence[1] > 0:
                        evidence_seen = evidence
                        self.wait_for("the retrainer", lambda: self.retrainer_evidence > seen or any(
                            a in ("promotion_requested", "retire_requested") for a in self.audit_actions()),
                            time.monotonic() + 20, fail=False)
                        if "promotion_requested" in self.audit_actions():
                            self.wait_for("the promotion", lambda: "model_promote" in self.audit_actions(),
                                          time.monotonic() + self.timeout)
                            phase = "D"
                            say(f"   phase D: from {hhmm(clock)}, {PHASES['D']}")
        # The monitor's clock is the newest prediction's event time (docs/monitoring.md): the last window is still
        # open, and the one before it is reported once the clock is report_after (6h) past its end.
        last_window = (self.end - 1) // (12 * HOUR) * 12 * HOUR
        reported = last_window - 12 * HOUR if self.end >= last_window + 6 * HOUR else last_window - 24 * HOUR
        self.wait_for("the last reported window's performance", lambda: any(
            e.get("window_start") == reported for e in self.performance.records()), time.monotonic() + self.timeout)

    def shadow_evidence(self):
        """What the retrainer weighs: the windows both models scored in full, and their labelled fraud."""
        published = [e for e in self.audit.records() if e.get("action") == "challenger_published"]
        trained = [e for e in self.audit.records() if e.get("action") == "training_started"]
        if not published or not trained:
            return (0, 0)
        challenger = published[-1]["model_version"]
        latest = {}
        for e in self.performance.records():
            k = (e["model_version"], e["window_start"])
            if k not in latest or e["revision"] >= latest[k]["revision"]:
                latest[k] = e
        champion = next((e.get("model_version") for e in self.audit.records()
                         if e.get("action") == "retrain_triggered"), "1")
        windows = [w for (v, w) in latest if v == challenger and (champion, w) in latest
                   and latest[(v, w)]["predictions"] == latest[(champion, w)]["predictions"]]
        return (len(windows), sum(latest[(challenger, w)]["fraud"] for w in windows))

    def rejected(self):
        return any(e.get("action") == "evaluation" and e.get("decision") == "rejected" for e in self.audit.records())

    # ── the table ──────────────────────────────────────────────────────────────────────────────────────────────

    def table(self):
        tag = f"{os.getpid()}-{time.time_ns()}"
        drift = [e for e in self.events(f"{NAME}-drift", f"demo-table-drift-{tag}") if e.get("type") == "drift_summary"]
        perf = [e for e in self.events(f"{NAME}-performance", f"demo-table-perf-{tag}")
                if e.get("type") == "performance"]
        triggers = [e for e in self.events(f"{NAME}-retrain", f"demo-table-retrain-{tag}")
                    if e.get("type") == "retrain_trigger"]
        audit = [e for e in self.events(f"{NAME}-audit", f"demo-table-audit-{tag}") if e.get("type") == "audit"]

        latest = {}  # the latest revision per (model version, window)
        for e in perf:
            k = (e["model_version"], e["window_start"])
            if k not in latest or e["revision"] >= latest[k]["revision"]:
                latest[k] = e
        summaries = {(e["model_version"], e["window_start"]): e for e in drift}
        versions = sorted({v for v, _ in list(latest) + list(summaries)}, key=lambda v: (len(v), v))
        windows = sorted({w for _, w in list(latest) + list(summaries)})
        model = (drift or perf or [{"model": "model"}])[0]["model"]
        window_ms = (windows[1] - windows[0]) if len(windows) > 1 else 12 * HOUR

        def predictions(v, w):
            e = summaries.get((v, w)) or latest.get((v, w))
            return e["predictions"] if e else 0

        def live(w):
            """The version that scored the most of the window (the champion; the earlier one on a tie)."""
            return max(versions, key=lambda v: (predictions(v, w), -versions.index(v)))

        # The loop's events at their event time (a trigger's `at`, the retrainer's `at`). Vigil's model_shadow and
        # model_promote have none: each goes right after the retrainer's request it answers.
        loop = []
        answers = {"model_shadow": "challenger_published", "model_promote": "promotion_requested",
                   "model_retire": "retire_requested"}
        for seq, e in enumerate(audit):
            action, at, order = e.get("action"), e.get("at"), seq
            if action in answers:
                request = next((i for i, r in enumerate(audit) if r.get("action") == answers[action]
                                and r.get("trigger_id") == e.get("trigger_id")), None)
                if request is not None:
                    at, order = audit[request].get("at"), request + 0.5
            if at is None:
                at = loop[-1][0] if loop else 0
            loop.append((at, order, self.describe(e, triggers)))
        loop.sort()

        cell = 22
        head = (f"{'window (UTC)':<18} {'txns':>6}" + "".join(
            f"  {'PSI @' + v:>7} {'recall @' + v:<{cell}}" for v in versions) + "  most drifted input (live model)")
        say(head)
        say("─" * len(head))
        for w in windows:
            while loop and loop[0][0] <= w:
                at, _, text = loop.pop(0)
                say(f"  ↳ {hhmm(at)}  {text}")
            row = f"{hhmm(w) + '–' + hhmm(w + window_ms)[6:]:<18} {max(predictions(v, w) for v in versions):>6}"
            for v in versions:
                s, e = summaries.get((v, w)), latest.get((v, w))
                psi = f"{s['max_psi']:.3f}" if s and s.get("max_psi") is not None else ("open" if e else "")
                rec = ""
                if e is not None:
                    rec = "-" if e.get("recall") is None else f"{e['recall']:.3f} ({e['true_positives']}/{e['fraud']})"
                    if v != live(w) and predictions(v, w) == predictions(live(w), w):
                        rec += " shadow"
                row += f"  {psi:>7} {rec:<{cell}}"
            s = summaries.get((live(w), w))
            if s:
                feature = s.get("max_psi_feature") or ""
                drifted = s.get("drifted") or []
                row += f"  {feature}" + (f" ({len(drifted)} above 0.25)" if drifted else "")
            say(row.rstrip())
        for at, _, text in loop:
            say(f"  ↳ {hhmm(at)}  {text}")
        say("recall: true positives / labelled fraud at the decision threshold (latest revision); PSI: the largest "
            "over the model's inputs; open: the window had not closed")

        def pooled(pairs):
            tp = sum(latest[p]["true_positives"] for p in pairs)
            fraud = sum(latest[p]["fraud"] for p in pairs)
            return (tp / fraud if fraud else float("nan")), len(pairs), fraud

        first = versions[0]
        new = versions[-1]
        before = [(first, w) for w in windows if (first, w) in latest and w + window_ms <= SHIFT]
        after_old = [(first, w) for w in windows if (first, w) in latest and w >= SHIFT]
        promoted = [(new, w) for w in windows if (new, w) in latest and (first, w) not in latest and new != first]
        b, a, p = pooled(before), pooled(after_old), pooled(promoted)
        say()
        say(f"recall before the shift {b[0]:.3f} ({model}@{first}, {b[2]} fraud in {b[1]} windows) → after the shift "
            f"under the old champion {a[0]:.3f} ({a[2]} fraud in {a[1]} windows) → after promoting {model}@{new} "
            f"{p[0]:.3f} ({p[2]} fraud in {p[1]} windows)")

    @staticmethod
    def describe(e, triggers):
        action = e.get("action")
        if action == "retrain_triggered":
            t = next((t for t in triggers if t["trigger_id"] == e.get("trigger_id")), {})
            summary = re.sub(r"^retrain at \d+: ", "", t.get("summary", e.get("detail", "")))
            summary = re.sub(r"; train on \[.*$", "", summary)
            return f"retrain_trigger {e.get('trigger_id')} ({', '.join(t.get('reasons', []))}): {summary}"
        if action == "training_started":
            return (f"training_started: backfill [{hhmm(e['train_from'])}, {hhmm(e['train_to'])}), labels as known "
                    f"at {hhmm(e['label_cutoff'])}")
        if action == "challenger_trained":
            return (f"challenger_trained: {e['model']}@{e['model_version']} on {e['rows']} rows ({e['fraud']} "
                    f"fraud), dataset {e['dataset']['checksum'][:19]}…")
        if action == "evaluation":
            h = e.get("holdout")
            if not h:
                return f"evaluation: {e.get('decision')} ({e.get('reason', '')})"
            c, m = h["challenger"], h["champion"]
            return (f"evaluation on the last {h['rows']} rows ({h['fraud']} fraud): AUC-PR {c['auc_pr']:.3f} vs "
                    f"{m['auc_pr']:.3f}, recall {c['recall']:.3f} vs {m['recall']:.3f} → {e['decision']}")
        if action == "challenger_published":
            return f"challenger_published: vigil models shadow {e['model']}@{e['model_version']}"
        if action in ("promotion_requested", "retire_requested"):
            ev = e.get("evidence", {})
            return (f"{action}: live recall {ev['challenger']['recall']:.3f} vs {ev['champion']['recall']:.3f} "
                    f"({ev['fraud']} labelled fraud in {len(ev['windows'])} fully shadowed windows)")
        if action in ("model_shadow", "model_promote", "model_retire"):
            return f"{action} (vigil): champion {e.get('champion')}, challenger {e.get('challenger') or 'none'}"
        return f"{action}: {short(str(e.get('detail', '')))}"

    def close(self):
        self.stop_all()
        if self.keep:
            say(f"demo-drift: kept {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


class Follower:
    """Records (parsed JSON) or a count of the lines a background `vigil topic tail` prints."""

    def __init__(self, parse):
        self.parse = parse
        self.count = 0
        self._records = []
        self._lock = threading.Lock()

    def feed(self, line):
        with self._lock:
            self.count += 1
            if self.parse:
                try:
                    self._records.append(json.loads(line))
                except json.JSONDecodeError:
                    pass

    def records(self):
        with self._lock:
            return list(self._records)


def short(text, width=110):
    return text if len(text) <= width else text[: width - 1] + "…"


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--vigil", required=True, help="the vigil binary (release build)")
    parser.add_argument("--keep", action="store_true", help="keep the work directory (logs, datasets, bundles)")
    parser.add_argument("--timeout", type=float, default=180, help="seconds any one wait may take")
    args = parser.parse_args()
    demo = Demo(args)
    try:
        demo.start()
        demo.generate()
        demo.warm_up()
        say(f"4. the stream, {CHUNK // HOUR} hours of event time at a time (transactions, then the labels known by then):")
        demo.stream()
        say(f"5. the loop, from {NAME}-drift, -performance, -retrain and -audit "
            f"({time.monotonic() - demo.began:.0f} s in all):")
        say()
        demo.table()
    finally:
        demo.close()


if __name__ == "__main__":
    main()
