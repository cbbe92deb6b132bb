import Testing

@testable import VigilState

@Suite("Store basics")
struct StoreBasicsTests {
    @Test("put, get and delete round-trip; a missing key reads as nil")
    func putGetDelete() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db")
            #expect(try store.get(b("missing")) == nil)
            try store.put(b("k1"), b("v1"))
            try store.put(b("k2"), [])
            #expect(try store.get(b("k1")) == b("v1"))
            #expect(try store.get(b("k2")) == [])  // empty value is present, not nil
            try store.put(b("k1"), b("v1b"))
            #expect(try store.get(b("k1")) == b("v1b"))
            try store.delete(b("k1"))
            #expect(try store.get(b("k1")) == nil)
            try store.delete(b("never-there"))  // deleting a missing key is fine
            store.close()
        }
    }

    @Test("with a memtable bloom filter, present keys read back and absent ones read as nil, before and after a flush")
    func memtableBloom() throws {
        try withTemporaryDirectory { dir in
            var options = StoreOptions()
            options.memtableBloomRatio = 0.02
            options.writeBufferBytes = 1 << 20
            let store = try Store(path: dir + "/db", options: options)
            for i in 0..<5_000 { try store.put(b("key\(i)"), b("value\(i)")) }
            for i in stride(from: 0, to: 5_000, by: 7) { #expect(try store.get(b("key\(i)")) == b("value\(i)")) }
            for i in 5_000..<5_500 { #expect(try store.get(b("key\(i)")) == nil) }
            try store.delete(b("key3"))
            #expect(try store.get(b("key3")) == nil)
            try store.flush()
            #expect(try store.get(b("key4999")) == b("value4999"))
            #expect(try store.get(b("key3")) == nil)
            store.close()
        }
    }

    @Test("byte-buffer overloads read and write the same keys as [UInt8]")
    func borrowedBytes() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db")
            let buffer = b("xxkeyxx")
            try store.put(buffer[2..<5], b("value"))  // ArraySlice key
            #expect(try store.get(b("key")) == b("value"))
            try b("key").withUnsafeBytes { key in
                #expect(try store.get(key) == b("value"))
                try b("other").withUnsafeBytes { value in try store.put(key, value) }
            }
            var out: [UInt8] = [9, 9, 9, 9, 9, 9, 9, 9]
            #expect(try store.get(b("key")[...], into: &out))
            #expect(out == b("other"))
            #expect(try !store.get(b("nope")[...], into: &out))
            #expect(out.isEmpty)
            let length = try store.withValue(of: b("key")[...]) { $0?.count }
            #expect(length == 5)
            let batch = WriteBatch()
            batch.put(buffer[0..<2], buffer[5...])
            try store.write(batch)
            #expect(try store.get(b("xx")) == b("xx"))
            store.close()
        }
    }

    @Test("a WriteBatch applies nothing until written, then everything, and survives reopen")
    func writeBatchAtomic() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/db"
            do {
                let store = try Store(path: path)
                try store.put(b("old"), b("1"))
                let batch = WriteBatch()
                batch.put(b("new"), b("2"))
                batch.delete(b("old"))
                batch.put(b("offset"), le(42))
                #expect(batch.count == 3)
                #expect(try store.get(b("new")) == nil)
                #expect(try store.get(b("old")) == b("1"))
                try store.write(batch)
                #expect(try store.get(b("new")) == b("2"))
                #expect(try store.get(b("old")) == nil)
                batch.clear()
                #expect(batch.count == 0)
                try store.write(batch)  // an empty batch is a no-op
                store.close()
            }
            let reopened = try Store(path: path)
            #expect(try reopened.get(b("new")) == b("2"))
            #expect(try reopened.get(b("old")) == nil)
            #expect(try reopened.get(b("offset")) == le(42))
            reopened.close()
        }
    }

    @Test("with the WAL on, unflushed writes survive close and reopen", arguments: [false, true])
    func walDurability(sync: Bool) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/db"
            var options = StoreOptions()
            options.walEnabled = true
            options.syncWrites = sync
            do {
                let store = try Store(path: path, options: options)
                for i in 0..<100 { try store.put(b("k\(i)"), b("v\(i)")) }
                store.close()
            }
            let reopened = try Store(path: path, options: options)
            for i in 0..<100 { #expect(try reopened.get(b("k\(i)")) == b("v\(i)")) }
            reopened.close()
        }
    }

    @Test("with the WAL off, flushed data survives reopen", arguments: Compression.allCases)
    func walOffFlushed(compression: Compression) throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/db"
            var options = StoreOptions()
            options.walEnabled = false
            options.compression = compression
            do {
                let store = try Store(path: path, options: options)
                for i in 0..<100 { try store.put(b("k\(i)"), b("v\(i)")) }
                try store.flush()
                store.close()
            }
            let reopened = try Store(path: path, options: options)
            #expect(try reopened.get(b("k7")) == b("v7"))
            #expect(try reopened.get(b("k99")) == b("v99"))
            #expect((reopened.approximateMemoryUsage() ?? 0) > 0)
            reopened.close()
        }
    }

    @Test("deleteRange removes exactly [from, to), directly and in a batch")
    func deleteRange() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db")
            for c in "abcdefgh" { try store.put(b(String(c)), b("x")) }
            try store.deleteRange(from: b("b"), to: b("d"))
            let batch = WriteBatch()
            batch.deleteRange(from: b("f"), to: b("h"))
            try store.write(batch)
            let keys = try drain(store.iterator(from: nil, to: nil)).map { String(decoding: $0.key, as: UTF8.self) }
            #expect(keys == ["a", "d", "e", "h"])
            store.close()
        }
    }

    @Test("checkpoint writes a copy that opens and holds the data")
    func checkpoint() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db", columnFamilies: ["windows"])
            try store.put(b("a"), b("1"))
            try store.put(b("w"), b("2"), in: store.columnFamily("windows"))
            try store.checkpoint(to: dir + "/cp")
            try store.put(b("a"), b("after"))  // not in the checkpoint
            let copy = try Store(path: dir + "/cp")
            #expect(copy.columnFamilyNames.contains("windows"))
            #expect(try copy.get(b("a")) == b("1"))
            #expect(try copy.get(b("w"), in: copy.columnFamily("windows")) == b("2"))
            copy.close()
            // A checkpoint into an existing directory fails with RocksDB's message.
            let error = #expect(throws: StateError.self) { try store.checkpoint(to: dir + "/cp") }
            #expect(error?.message.contains(dir + "/cp") == true)
            store.close()
        }
    }
}
