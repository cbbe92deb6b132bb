import Foundation
import Synchronization
import Testing

@testable import VigilState

@Suite("Lifecycle and errors")
struct LifecycleTests {
    @Test("every operation after close throws .closed, and close is idempotent")
    func afterClose() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db", columnFamilies: ["cf"])
            let cf = try store.columnFamily("cf")
            try store.put(b("k"), b("v"))
            store.close()
            store.close()
            #expect(store.isClosed)
            let attempts: [(String, () throws -> Void)] = [
                ("get", { _ = try store.get(b("k")) }),
                ("get cf", { _ = try store.get(b("k"), in: cf) }),
                ("put", { try store.put(b("k"), b("v")) }),
                ("delete", { try store.delete(b("k")) }),
                ("merge", { try store.merge(b("k"), b("v")) }),
                ("deleteRange", { try store.deleteRange(from: b("a"), to: b("z")) }),
                ("write", { try store.write(WriteBatch()) }),
                ("iterator", { _ = try store.iterator(prefix: b("k")) }),
                ("range iterator", { _ = try store.iterator(from: nil, to: nil) }),
                ("columnFamily", { _ = try store.columnFamily("cf") }),
                ("flush", { try store.flush() }),
                ("checkpoint", { try store.checkpoint(to: dir + "/cp") }),
                ("compactRange", { try store.compactRange(from: nil, to: nil) }),
            ]
            for (name, attempt) in attempts {
                let error = #expect(throws: StateError.self, "\(name)") { try attempt() }
                #expect(error?.code == .closed, "\(name)")
            }
            // A batch edit on a closed store's column family is refused at write time.
            let batch = WriteBatch()
            batch.put(b("k"), b("v"), in: cf)
            let other = try Store(path: dir + "/other")
            let error = #expect(throws: StateError.self) { try other.write(batch) }
            #expect(error?.code == .closed)
            other.close()
            #expect(store.approximateMemoryUsage() == nil)
            #expect(!FileManager.default.fileExists(atPath: dir + "/cp"))
        }
    }

    @Test("opening a path that is a regular file throws RocksDB's I/O error")
    func regularFile() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/file"
            #expect(FileManager.default.createFile(atPath: path, contents: Array("x".utf8).withUnsafeBytes { Data($0) }))
            let error = #expect(throws: StateError.self) { try Store(path: path) }
            #expect(error?.code == .io)
            #expect(error?.message.contains("IO error") == true)
            #expect(error?.message.contains(path) == true)
        }
    }

    @Test("opening a database that is already open throws .busy with RocksDB's lock message")
    func lockedTwice() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/db"
            let first = try Store(path: path)
            let error = #expect(throws: StateError.self) { try Store(path: path) }
            #expect(error?.code == .busy)
            #expect(error?.isRetriable == true)
            #expect(error?.message.contains("IO error") == true)
            #expect(error?.message.contains("LOCK") == true)
            first.close()
            let second = try Store(path: path)  // the lock is released by close
            second.close()
        }
    }

    @Test("createIfMissing = false on a missing path throws RocksDB's message")
    func missingDatabase() throws {
        try withTemporaryDirectory { dir in
            var options = StoreOptions()
            options.createIfMissing = false
            let error = #expect(throws: StateError.self) { try Store(path: dir + "/nothing", options: options) }
            #expect(error?.code == .invalidArgument)
            #expect(error?.message.contains("does not exist") == true)
        }
    }

    @Test("close racing with reads and writes on other threads: each call succeeds or throws .closed")
    func closeRacesCalls() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db")
            try store.put(b("k"), b("v"))
            let started = Atomic<Int>(0)
            let results = Mutex<[(ok: Int, closed: Int, other: Int)]>([])
            let finished = DispatchGroup()
            for worker in 0..<2 {
                finished.enter()
                Thread.detachNewThread {
                    var ok = 0, closed = 0, other = 0
                    // Run until the store is seen closed (bounded, in case close never comes).
                    for i in 0..<5_000_000 {
                        do {
                            if i % 2 == 0 {
                                _ = try store.get(b("k"))
                            } else {
                                try store.put(b("w\(worker)-\(i % 64)"), b("v"))
                            }
                            ok += 1
                            if ok == 100 { started.add(1, ordering: .releasing) }
                        } catch let error as StateError where error.code == .closed {
                            closed += 1
                            break
                        } catch {
                            other += 1
                        }
                    }
                    results.withLock { $0.append((ok, closed, other)) }
                    finished.leave()
                }
            }
            let deadline = ContinuousClock.now + .seconds(30)
            while started.load(ordering: .acquiring) < 2, ContinuousClock.now < deadline { _ = sched_yield() }
            #expect(started.load(ordering: .acquiring) == 2)
            store.close()
            #expect(finished.wait(timeout: .now() + 30) == .success)
            let all = results.withLock { $0 }
            #expect(all.count == 2)
            for r in all {
                #expect(r.other == 0)
                #expect(r.ok >= 100)
                #expect(r.closed == 1)
            }
            let reopened = try Store(path: dir + "/db")  // fully released once the racing calls are done
            #expect(try reopened.get(b("k")) == b("v"))
            reopened.close()
        }
    }
}

@Suite("Error mapping")
struct ErrorMappingTests {
    @Test(
        "RocksDB status prefixes map to codes",
        arguments: [
            ("IO error: No space left on device", StateError.Code.io),
            ("IO error: While lock file: /x/LOCK: Resource temporarily unavailable", .busy),
            ("Corruption: bad block", .corruption),
            ("Invalid argument: Column family not found", .invalidArgument),
            ("Resource busy: ", .busy),
            ("NotFound: ", .notFound),
            ("Not implemented: ", .other),
        ])
    func classify(text: String, code: StateError.Code) {
        #expect(StateError.classify(text) == code)
    }
}
