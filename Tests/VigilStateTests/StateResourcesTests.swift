import Foundation
import Synchronization
import Testing

@testable import VigilState

@Suite("Shared state resources")
struct StateResourcesTests {
    static let mib = 1 << 20

    /// Options drawing on `resources`, without the WAL (the tests write a lot and never crash).
    static func options(_ resources: StateResources) -> StoreOptions {
        var options = StoreOptions()
        options.resources = resources
        options.walEnabled = false
        options.compression = .none
        return options
    }

    /// Polls `condition` until it holds or `seconds` pass; returns whether it held.
    static func eventually(within seconds: Int = 30, _ condition: () -> Bool) -> Bool {
        let deadline = ContinuousClock.now + .seconds(seconds)
        while ContinuousClock.now < deadline {
            if condition() { return true }
            _ = sched_yield()
        }
        return condition()
    }

    @Test("one setting splits into a block cache of two thirds and a memtable budget of one third")
    func split() throws {
        let resources = try StateResources(memoryBytes: 12 * Self.mib)
        #expect(resources.memoryBytes == 12 * Self.mib)
        #expect(resources.blockCacheBytes == 8 * Self.mib)
        #expect(resources.writeBufferBudget == 4 * Self.mib)
        let usage = resources.usage()
        #expect(usage.blockCacheCapacity == 8 * Self.mib)
        #expect(usage.blockCacheBytes == 0)
        #expect(usage.openStores == 0)
        #expect(usage.memTableBytes == 0)
        #expect(usage.writeBufferBytesPerFamily == 2 * Self.mib)  // with no store, the share of a single family
        #expect(try StateResources(memoryBytes: 10).memoryBytes == Self.mib)  // tiny budgets are raised
    }

    @Test(
        "the per-family write buffer is the budget over 2 × families, a power of two, at least 64 KiB",
        arguments: [(1, 2_097_152), (2, 1_048_576), (3, 524_288), (4, 524_288), (5, 262_144), (32, 65_536),
                    (1000, 65_536)] as [(Int, Int)])
    func share(families: Int, expected: Int) throws {
        let resources = try StateResources(memoryBytes: 12 * Self.mib)
        #expect(resources.share(families: families) == expected)
    }

    @Test("stores with the same resources share one block cache; stores without have their own")
    func sharedCache() throws {
        try withTemporaryDirectory { dir in
            let resources = try StateResources(memoryBytes: 12 * Self.mib)
            let stores = try (0..<3).map { try Store(path: dir + "/s\($0)", options: Self.options(resources)) }
            let alone = try Store(path: dir + "/alone")
            #expect(stores.allSatisfy { $0.database.cache === resources.cache })
            #expect(alone.database.cache !== resources.cache)

            let value = [UInt8](repeating: 0x5A, count: 100)
            for store in stores {
                let batch = WriteBatch()
                for i in 0..<5_000 { batch.put(le(Int64(i)).reversed(), value) }
                try store.write(batch)
                try store.flush()
            }
            let before = resources.usage().blockCacheBytes
            for i in 0..<5_000 { #expect(try stores[1].get(Array(le(Int64(i)).reversed())) == value) }
            let afterReads = resources.usage()
            #expect(afterReads.blockCacheBytes > before + 400_000)  // the data blocks of ~500 KB now cached
            #expect(afterReads.blockCacheBytes <= afterReads.blockCacheCapacity)

            // Reading from a store with its own cache does not touch the shared one.
            try alone.put(b("k"), value)
            try alone.flush()
            #expect(try alone.get(b("k")) == value)
            #expect(resources.usage().blockCacheBytes == afterReads.blockCacheBytes)

            // An iterator positioned on an entry pins its data block.
            let iterator = try stores[2].iterator(from: nil, to: nil)
            #expect(iterator.next() != nil)
            let pinned = resources.usage()
            #expect(pinned.pinnedBlockCacheBytes > 0)
            #expect(pinned.pinnedBlockCacheBytes <= pinned.blockCacheBytes)
            _ = iterator
            for store in stores { store.close() }
            alone.close()
        }
    }

    @Test("opening and closing stores resizes the memtables of the stores already open")
    func memtablesFollowOpenStores() throws {
        try withTemporaryDirectory { dir in
            let resources = try StateResources(memoryBytes: 12 * Self.mib)  // 4 MiB of memtables
            let first = try Store(path: dir + "/first", options: Self.options(resources))
            #expect(resources.usage().writeBufferBytesPerFamily == 2 * Self.mib)
            #expect(resources.usage().openStores == 1)

            let others = try (0..<3).map { try Store(path: dir + "/other\($0)", options: Self.options(resources)) }
            var usage = resources.usage()
            #expect(usage.openStores == 4)
            #expect(usage.openColumnFamilies == 4)
            #expect(usage.writeBufferBytesPerFamily == 512 << 10)

            // 1.5 MiB into the first store: under its original 2 MiB write buffer it would all sit in one memtable;
            // shrunk to 512 KiB it must flush to SST files and keep at most 2 memtables.
            let value = [UInt8](repeating: 0x33, count: 1024)
            for i in 0..<1_536 { try first.put(le(Int64(i)).reversed(), value) }
            #expect(Self.eventually { (first.approximateDiskBytes ?? 0) > 0 })
            let memtables = try #require(first.intProperty("rocksdb.cur-size-all-mem-tables"))
            #expect(memtables <= 2 * (512 << 10) * 5 / 4, "memtables: \(memtables)")

            // Every store written well past its share: the total stays within the budget (plus arena slack).
            for store in others {
                for i in 0..<2_048 { try store.put(le(Int64(i)).reversed(), value) }
            }
            usage = resources.usage()
            #expect(usage.memTableBytes > 0)
            #expect(usage.memTableBytes <= resources.writeBufferBudget * 5 / 4, "memtables: \(usage.memTableBytes)")
            for i in stride(from: 0, to: 2_048, by: 97) {
                #expect(try others[2].get(Array(le(Int64(i)).reversed())) == value)
            }

            for store in others { store.close() }
            usage = resources.usage()
            #expect(usage.openStores == 1)
            #expect(usage.writeBufferBytesPerFamily == 2 * Self.mib)
            // The survivor grew back: 1 MiB more (twice its shrunk size) now fits in its active memtable.
            try first.flush()
            for i in 0..<1_024 { try first.put(le(Int64(10_000 + i)).reversed(), value) }
            #expect(first.intProperty("rocksdb.num-immutable-mem-table") == 0)
            #expect((first.intProperty("rocksdb.cur-size-active-mem-table") ?? 0) > 1_024 * 1024)
            first.close()
            #expect(resources.usage().openStores == 0)
        }
    }

    @Test("a store's own writeBufferBytes caps its share")
    func ownCap() throws {
        try withTemporaryDirectory { dir in
            let resources = try StateResources(memoryBytes: 12 * Self.mib)
            var options = Self.options(resources)
            options.writeBufferBytes = 256 << 10
            let store = try Store(path: dir + "/db", options: options)
            let value = [UInt8](repeating: 1, count: 1024)
            for i in 0..<1_024 { try store.put(le(Int64(i)).reversed(), value) }  // 1 MiB > 2 × 256 KiB
            #expect(Self.eventually { (store.approximateDiskBytes ?? 0) > 0 })
            let memtables = try #require(store.intProperty("rocksdb.cur-size-all-mem-tables"))
            #expect(memtables <= 2 * (256 << 10) * 5 / 4)
            store.close()
        }
    }

    @Test("column families count in the share; a store that fails to open is not counted")
    func familiesAndFailures() throws {
        try withTemporaryDirectory { dir in
            let resources = try StateResources(memoryBytes: 12 * Self.mib)
            let store = try Store(path: dir + "/db", options: Self.options(resources), columnFamilies: ["a", "b"])
            #expect(resources.usage().openColumnFamilies == 3)
            #expect(resources.usage().writeBufferBytesPerFamily == 512 << 10)
            // Opening the same path again fails on the lock: no trace in the budget.
            #expect(throws: StateError.self) { try Store(path: dir + "/db", options: Self.options(resources)) }
            var missing = Self.options(resources)
            missing.createIfMissing = false
            #expect(throws: StateError.self) { try Store(path: dir + "/none", options: missing) }
            #expect(resources.usage().openStores == 1)
            #expect(resources.usage().openColumnFamilies == 3)
            store.close()
            #expect(resources.usage().openColumnFamilies == 0)
        }
    }

    @Test("many stores open, write and close concurrently with one resources object")
    func concurrentStores() throws {
        try withTemporaryDirectory { dir in
            let resources = try StateResources(memoryBytes: 24 * Self.mib)
            let failures = Atomic<Int>(0)
            let peakStores = Atomic<Int>(0)
            DispatchQueue.concurrentPerform(iterations: 16) { n in
                do {
                    let store = try Store(path: dir + "/s\(n)", options: Self.options(resources), columnFamilies: ["w"])
                    let family = try store.columnFamily("w")
                    for i in 0..<500 { try store.put(le(Int64(i)), le(Int64(n)), in: family) }
                    _ = peakStores.max(resources.usage().openStores, ordering: .relaxed)
                    #expect(try store.get(le(499), in: family) == le(Int64(n)))
                    try store.flush()
                    store.close()
                } catch {
                    failures.add(1, ordering: .relaxed)
                }
            }
            #expect(failures.load(ordering: .relaxed) == 0)
            #expect(peakStores.load(ordering: .relaxed) >= 1)
            let usage = resources.usage()
            #expect(usage.openStores == 0)
            #expect(usage.openColumnFamilies == 0)
            #expect(usage.memTableBytes == 0)
            // Every store reopens (each was fully released) and still holds its data.
            for n in [0, 7, 15] {
                let store = try Store(path: dir + "/s\(n)", options: Self.options(resources))
                #expect(try store.get(le(499), in: store.columnFamily("w")) == le(Int64(n)))
                store.close()
            }
        }
    }
}
