extension FeatureEngine {
    /// Appends a result for every window whose close time is at or before `watermark` — tumbling and hopping
    /// windows close at their end, sessions at their last event + gap — in (close time, feature order, start)
    /// order, and removes those windows from the state.
    public func closeWindows(_ key: inout KeyState, watermark: Int64, into results: inout [WindowResult]) {
        guard key.nextTimer <= watermark else { return }
        if !isShaped(key) { conform(&key) }
        let base = results.count
        for (f, feature) in core.plan.windowed.enumerated() {
            var i = 0
            while i < key.windowed[f].windows.count {
                let w = key.windowed[f].windows[i]
                guard w.closeTime <= watermark else {
                    i += 1
                    continue
                }
                results.append(
                    WindowResult(
                        featureIndex: f, start: w.start, end: w.end, count: w.accumulator.count,
                        value: w.accumulator.value(of: feature.aggregation, distinct: w.distinct.cardinality)))
                key.windowed[f].windows.remove(at: i)
            }
        }
        if results.count - base > 1 {
            results[base...].sort { a, b in
                let ca = closeTime(of: a)
                let cb = closeTime(of: b)
                if ca != cb { return ca < cb }
                if a.featureIndex != b.featureIndex { return a.featureIndex < b.featureIndex }
                return a.start < b.start
            }
        }
        key.nextTimer = nextTimer(of: key)
    }

    /// When a result's window closed.
    func closeTime(of r: WindowResult) -> Int64 {
        if case .session(let gap) = core.plan.windowed[r.featureIndex].kind { return EngineMath.add(r.end, gap) }
        return r.end
    }

    func nextTimer(of key: KeyState) -> Int64 {
        var m = Int64.max
        for w in key.windowed { m = Swift.min(m, w.nextClose) }
        return m
    }

    /// Adds a record to the open windows of every windowed feature (opening windows as needed).
    func addToWindows(_ record: Record, key: inout KeyState, scratch s: inout EngineScratch) {
        let t = record.timestamp
        for (f, feature) in core.plan.windowed.enumerated() {
            let v = Self.units(record, feature.field)
            let h = feature.aggregation == .distinctCount ? s.hashes[core.plan.hashSlot[feature.field]] : 0
            switch feature.kind {
            case .tumbling(let size):
                let start = EngineMath.mul(EngineMath.floorDiv(t, size), size)
                var cursor = key.windowed[f].windows.count
                addToWindow(&key.windowed[f], start: start, size: size, time: t, value: v, hash: h, cursor: &cursor)
            case .hopping(let size, let advance):
                // The event's windows, newest start first; one backward pass over the sorted open windows.
                var start = EngineMath.mul(EngineMath.floorDiv(t, advance), advance)
                let earliest = EngineMath.sub(t, size)
                var cursor = key.windowed[f].windows.count
                while start > earliest {
                    addToWindow(&key.windowed[f], start: start, size: size, time: t, value: v, hash: h, cursor: &cursor)
                    start = EngineMath.sub(start, advance)
                }
            case .session(let gap):
                addToSession(&key.windowed[f], gap: gap, time: t, value: v, hash: h)
            }
        }
        key.nextTimer = nextTimer(of: key)
    }

    /// Adds an event to the aligned window starting at `start`, opening it if needed (windows sorted by start).
    /// `cursor` is a position at or after the window's: successive calls with decreasing starts share it.
    func addToWindow(
        _ state: inout WindowedState, start: Int64, size: Int64, time: Int64, value: Int64, hash: UInt64,
        cursor: inout Int
    ) {
        var i = Swift.min(cursor, state.windows.count)
        while i > 0 && state.windows[i - 1].start > start { i -= 1 }
        if i == 0 || state.windows[i - 1].start != start {
            let end = EngineMath.add(start, size)
            state.windows.insert(WindowedState.Window(start: start, end: end, closeTime: end), at: i)
            i += 1
        }
        state.windows[i - 1].accumulator.add(time: time, value: value)
        if hash != 0 { state.windows[i - 1].distinct.insert(hash, limit: core.distinctExactLimit) }
        cursor = i - 1
    }

    /// Adds an event to the session it extends (merging the sessions it bridges), or opens a session.
    func addToSession(_ state: inout WindowedState, gap: Int64, time: Int64, value: Int64, hash: UInt64) {
        // Sessions are disjoint and sorted by start; the event joins those it is less than `gap` away from.
        var first = -1
        var last = -1
        for (i, w) in state.windows.enumerated()
        where time > EngineMath.sub(w.start, gap) && time < EngineMath.add(w.end, gap) {
            if first < 0 { first = i }
            last = i
        }
        if first < 0 {
            var i = state.windows.count
            while i > 0 && state.windows[i - 1].start > time { i -= 1 }
            state.windows.insert(
                WindowedState.Window(start: time, end: time, closeTime: EngineMath.add(time, gap)), at: i)
            first = i
        } else if last > first {
            for j in stride(from: last, to: first, by: -1) {
                let other = state.windows.remove(at: j)
                state.windows[first].accumulator.merge(other.accumulator)
                state.windows[first].distinct.formUnion(other.distinct, limit: core.distinctExactLimit)
                state.windows[first].start = Swift.min(state.windows[first].start, other.start)
                state.windows[first].end = Swift.max(state.windows[first].end, other.end)
            }
        }
        state.windows[first].accumulator.add(time: time, value: value)
        if hash != 0 { state.windows[first].distinct.insert(hash, limit: core.distinctExactLimit) }
        state.windows[first].start = Swift.min(state.windows[first].start, time)
        state.windows[first].end = Swift.max(state.windows[first].end, time)
        state.windows[first].closeTime = EngineMath.add(state.windows[first].end, gap)
    }
}
