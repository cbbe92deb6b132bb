import Testing

@testable import VigilState

@Suite("Properties and compaction")
struct MaintenanceTests {
    @Test("properties report keys, memtables and disk size; unknown names and closed stores give nil")
    func properties() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db", columnFamilies: ["cf"])
            let cf = try store.columnFamily("cf")
            #expect(store.approximateDiskBytes == 0)
            for i in 0..<1_000 { try store.put(le(Int64(i)), [UInt8](repeating: 7, count: 200)) }
            try store.put(b("x"), b("y"), in: cf)
            #expect(store.intProperty("rocksdb.estimate-num-keys") == 1_000)
            #expect(store.intProperty("rocksdb.estimate-num-keys", in: cf) == 1)
            #expect(store.intPropertyTotal("rocksdb.estimate-num-keys") == 1_001)
            #expect((store.intProperty("rocksdb.cur-size-all-mem-tables") ?? 0) > 200_000)
            #expect(store.approximateDiskBytes == 0)  // nothing flushed yet

            try store.flush()
            #expect(store.property("rocksdb.num-files-at-level0") == "1")
            let disk = try #require(store.approximateDiskBytes)
            #expect(disk > 0)
            #expect(store.intProperty("rocksdb.total-sst-files-size") ?? 0 > 0)
            #expect(disk == store.intPropertyTotal("rocksdb.total-sst-files-size"))
            #expect((store.intProperty("rocksdb.estimate-live-data-size") ?? 0) > 0)
            #expect(store.property("rocksdb.estimate-num-keys") == "1000")
            #expect(store.property("rocksdb.stats")?.contains("Compaction Stats") == true)

            #expect(store.property("rocksdb.no-such-property") == nil)
            #expect(store.intProperty("rocksdb.no-such-property") == nil)
            #expect(store.intProperty("rocksdb.stats") == nil)  // a text property has no integer value
            #expect(store.intPropertyTotal("rocksdb.no-such-property") == nil)

            let other = try Store(path: dir + "/other", columnFamilies: ["cf"])
            #expect(other.intProperty("rocksdb.estimate-num-keys", in: cf) == nil)  // a foreign family
            other.close()
            store.close()
            #expect(store.property("rocksdb.estimate-num-keys") == nil)
            #expect(store.intProperty("rocksdb.estimate-num-keys") == nil)
            #expect(store.approximateDiskBytes == nil)
        }
    }

    @Test("compactRange merges L0 files into one sorted run and keeps every value")
    func compactRange() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db")
            // Three flushes: a fourth L0 file would trigger an automatic compaction.
            for round in 0..<3 {
                for i in 0..<100 { try store.put(le(Int64(i * 3 + round)).reversed(), le(Int64(round))) }
                try store.flush()
            }
            #expect(store.property("rocksdb.num-files-at-level0") == "3")
            try store.compactRange(from: [], to: [])  // an empty range does nothing
            #expect(store.property("rocksdb.num-files-at-level0") == "3")
            try store.compactRange(from: nil, to: nil)
            #expect(store.property("rocksdb.num-files-at-level0") == "0")
            #expect(try drain(store.iterator(from: nil, to: nil)).count == 300)
            #expect(try store.get(Array(le(298).reversed())) == le(1))
            store.close()
        }
    }

    @Test("compactRange checks the column family's store")
    func compactRangeForeignFamily() throws {
        try withTemporaryDirectory { dir in
            let one = try Store(path: dir + "/one", columnFamilies: ["cf"])
            let two = try Store(path: dir + "/two")
            let error = #expect(throws: StateError.self) {
                try two.compactRange(from: nil, to: nil, in: try one.columnFamily("cf"))
            }
            #expect(error?.code == .invalidArgument)
            one.close()
            two.close()
        }
    }
}
