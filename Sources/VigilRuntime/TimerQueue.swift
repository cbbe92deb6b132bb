/// The open windows' close times of one task: a min-heap of (timer, key) with lazy deletion — an entry whose key
/// has since moved its timer is skipped when popped (the key's state is the truth).
struct TimerQueue {
    private var heap: [(timer: Int64, key: String)] = []

    init() {}

    init(_ entries: [(timer: Int64, key: String)]) {
        for e in entries { push(e.timer, e.key) }
    }

    var isEmpty: Bool { heap.isEmpty }

    mutating func push(_ timer: Int64, _ key: String) {
        heap.append((timer, key))
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard heap[i].timer < heap[parent].timer else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    /// Removes and returns the earliest entry if its timer is at or before `limit`.
    mutating func pop(upTo limit: Int64) -> (timer: Int64, key: String)? {
        guard let first = heap.first, first.timer <= limit else { return nil }
        let last = heap.removeLast()
        if !heap.isEmpty {
            heap[0] = last
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < heap.count, heap[l].timer < heap[m].timer { m = l }
                if r < heap.count, heap[r].timer < heap[m].timer { m = r }
                if m == i { break }
                heap.swapAt(i, m)
                i = m
            }
        }
        return first
    }
}
