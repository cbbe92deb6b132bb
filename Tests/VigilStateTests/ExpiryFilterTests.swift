import Foundation
import Synchronization
import Testing

@testable import VigilState

/// A value in the layout the expiry rule reads: a tag byte, the newest event time and the next timer (both
/// little-endian), then `tail`.
func expiryValue(newest: Int64, timer: Int64 = ExpiryFilter.noTimer, tag: UInt8 = 1, tail: [UInt8] = []) -> [UInt8] {
    [tag] + le(newest) + le(timer) + tail
}

@Suite("Expiry filter")
struct ExpiryFilterTests {
    @Test(
        "the rule: prefix, value length, newest time < cutoff and no timer",
        arguments: [
            // (key, value, expired at cutoff 1000)
            ([0x01, 0x61], expiryValue(newest: 999), true),
            ([0x01], expiryValue(newest: -5), true),  // the prefix byte alone is a matching key
            ([0x01, 0x61], expiryValue(newest: 999, tail: [9, 9, 9]), true),  // bytes after 17 are ignored
            ([0x01, 0x61], expiryValue(newest: 999, tag: 0xFF), true),  // the tag is ignored
            ([0x01, 0x61], expiryValue(newest: 1000), false),  // not strictly below the cutoff
            ([0x01, 0x61], expiryValue(newest: 5000), false),
            ([0x01, 0x61], expiryValue(newest: 999, timer: 2000), false),  // a timer is pending
            ([0x01, 0x61], expiryValue(newest: 999, timer: Int64.max - 1), false),
            ([0x02, 0x61], expiryValue(newest: 999), false),  // other prefix
            ([0x00, 0x01], expiryValue(newest: 999), false),
            ([], expiryValue(newest: 999), false),  // empty key
            ([0x01, 0x61], Array(expiryValue(newest: 999).dropLast()), false),  // 16 bytes
            ([0x01, 0x61], [], false),
        ] as [([UInt8], [UInt8], Bool)])
    func rule(key: [UInt8], value: [UInt8], expired: Bool) {
        let filter = ExpiryFilter(prefix: 0x01, cutoff: 1000)
        #expect(filter.isExpired(key: key, value: value) == expired)
        #expect(filter.droppedCount == 0)  // evaluating the rule counts nothing
    }

    @Test("the cutoff is settable at any time; advanceCutoff only raises it")
    func cutoff() {
        let filter = ExpiryFilter(prefix: 7)
        #expect(filter.cutoff == .min)
        #expect(!filter.isExpired(key: [7], value: expiryValue(newest: .min)))  // nothing is below Int64.min
        filter.cutoff = 50
        #expect(filter.cutoff == 50)
        filter.advanceCutoff(to: 40)
        #expect(filter.cutoff == 50)
        filter.advanceCutoff(to: 60)
        #expect(filter.cutoff == 60)
        filter.cutoff = 10  // the owner may also lower it
        #expect(filter.cutoff == 10)
        #expect(filter.prefix == 7)
    }

    @Test("compactRange drops exactly the expired entries, also from the memtable and other column families")
    func compactionDropsExpired() throws {
        try withTemporaryDirectory { dir in
            let filter = ExpiryFilter(prefix: 0x01)
            var options = StoreOptions()
            options.expiry = filter
            let store = try Store(path: dir + "/db", options: options, columnFamilies: ["windows"])
            let windows = try store.columnFamily("windows")
            let entries: [(key: [UInt8], value: [UInt8], expires: Bool)] = [
                ([0x01] + b("old"), expiryValue(newest: 100), true),
                ([0x01] + b("old-long"), expiryValue(newest: 299, tail: b("payload")), true),
                ([0x01] + b("boundary"), expiryValue(newest: 300), false),
                ([0x01] + b("recent"), expiryValue(newest: 500), false),
                ([0x01] + b("timer"), expiryValue(newest: 100, timer: 900), false),
                ([0x01] + b("short"), Array(expiryValue(newest: 100).prefix(16)), false),
                ([0x02] + b("other"), expiryValue(newest: 100), false),
                (b("meta"), expiryValue(newest: 100), false),
            ]
            for entry in entries {
                try store.put(entry.key, entry.value)
                try store.put(entry.key, entry.value, in: windows)
            }
            try store.flush()
            // With the cutoff still at Int64.min a full compaction drops nothing.
            try store.compactRange(from: nil, to: nil)
            #expect(filter.droppedCount == 0)
            for entry in entries { #expect(try store.get(entry.key) == entry.value) }

            filter.cutoff = 300
            // Rewrite one expired key so that a version also sits in the memtable: compactRange flushes it first.
            try store.put([0x01] + b("old"), expiryValue(newest: 101))
            try store.compactRange(from: nil, to: nil)
            try store.compactRange(from: nil, to: nil, in: windows)
            for entry in entries {
                let expected = entry.expires ? nil : entry.value
                #expect(try store.get(entry.key) == expected, "\(entry.key)")
                #expect(try store.get(entry.key, in: windows) == expected, "\(entry.key) in windows")
            }
            #expect(filter.droppedCount == 4)  // two keys in two column families
            let keys = try drain(store.iterator(from: nil, to: nil)).map(\.key)
            #expect(keys.count == entries.count - 2)
            store.close()
        }
    }

    @Test("a dropped entry does not bring back an older version of its key")
    func noResurrection() throws {
        try withTemporaryDirectory { dir in
            let filter = ExpiryFilter(prefix: 0x01, cutoff: 1000)
            var options = StoreOptions()
            options.expiry = filter
            let store = try Store(path: dir + "/db", options: options)
            let key: [UInt8] = [0x01] + b("card")
            // The old version has a pending timer, so it survives and lands in the last level.
            try store.put(key, expiryValue(newest: 10, timer: 5000))
            try store.compactRange(from: nil, to: nil)
            #expect(try store.get(key) != nil)
            // The newer version is expired: it is dropped, and the old one must not resurface.
            try store.put(key, expiryValue(newest: 20))
            try store.flush()
            try store.compactRange(from: key, to: key + [0])
            #expect(try store.get(key) == nil)
            #expect(filter.droppedCount == 1)
            try store.compactRange(from: nil, to: nil)
            #expect(try store.get(key) == nil)
            store.close()
        }
    }

    @Test("expiry keeps live data and reclaims space: disk bytes fall after expiring most keys")
    func reclaimsSpace() throws {
        try withTemporaryDirectory { dir in
            let filter = ExpiryFilter(prefix: 0x01)
            var options = StoreOptions()
            options.expiry = filter
            options.compression = .none
            let store = try Store(path: dir + "/db", options: options)
            let batch = WriteBatch()
            for i in 0..<20_000 {
                let key: [UInt8] = [0x01] + le(Int64(i)).reversed()
                batch.put(key, expiryValue(newest: Int64(i), tail: [UInt8](repeating: UInt8(i & 0xFF), count: 64)))
            }
            try store.write(batch)
            try store.compactRange(from: nil, to: nil)
            let before = try #require(store.approximateDiskBytes)
            #expect(before > 20_000 * 64)
            filter.cutoff = 18_000
            try store.compactRange(from: nil, to: nil)
            #expect(filter.droppedCount == 18_000)
            let after = try #require(store.approximateDiskBytes)
            #expect(after < before / 5)
            let remaining = try drain(store.iterator(prefix: [0x01]))
            #expect(remaining.count == 2_000)
            #expect(remaining.first?.key == [0x01] + le(18_000).reversed())
            #expect(store.intProperty("rocksdb.estimate-num-keys") == 2_000)
            store.close()
        }
    }

    @Test("the cutoff may move on another thread while compactions run")
    func concurrentCutoff() throws {
        try withTemporaryDirectory { dir in
            let filter = ExpiryFilter(prefix: 0x01)
            var options = StoreOptions()
            options.expiry = filter
            let store = try Store(path: dir + "/db", options: options)
            let done = Atomic<Bool>(false)
            let finished = DispatchGroup()
            finished.enter()
            Thread.detachNewThread {
                var t: Int64 = 0
                while !done.load(ordering: .acquiring) {
                    t += 1
                    filter.advanceCutoff(to: t)
                }
                finished.leave()
            }
            for round in 0..<20 {
                let batch = WriteBatch()
                for i in 0..<500 { batch.put([0x01, UInt8(round)] + le(Int64(i)), expiryValue(newest: 0)) }
                try store.write(batch)
                try store.compactRange(from: nil, to: nil)
            }
            done.store(true, ordering: .releasing)
            #expect(finished.wait(timeout: .now() + 30) == .success)
            // Every entry has newest time 0; whatever cutoff each compaction saw, one with a cutoff above 0 leaves
            // nothing, and each entry was counted once.
            #expect(filter.cutoff > 0)
            try store.compactRange(from: nil, to: nil)
            #expect(try drain(store.iterator(prefix: [0x01])).isEmpty)
            #expect(filter.droppedCount == 20 * 500)
            store.close()
        }
    }
}
