import Testing

@testable import VigilState

@Suite("Column families")
struct ColumnFamilyTests {
    @Test("column families are created, listed after reopen, and keep keys apart")
    func createdListedIsolated() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/db"
            do {
                let store = try Store(path: path, columnFamilies: ["windows", "meta"])
                #expect(store.columnFamilyNames == ["default", "windows", "meta"])
                let windows = try store.columnFamily("windows")
                let meta = try store.columnFamily("meta")
                #expect(windows.name == "windows")
                try store.put(b("k"), b("default"))
                try store.put(b("k"), b("windows"), in: windows)
                let batch = WriteBatch()
                batch.put(b("k"), b("meta"), in: meta)
                batch.put(b("only-meta"), b("1"), in: meta)
                try store.write(batch)
                store.close()
            }
            // Reopen without naming them: existing families are opened anyway.
            let store = try Store(path: path)
            #expect(Set(store.columnFamilyNames) == ["default", "windows", "meta"])
            let windows = try store.columnFamily("windows")
            let meta = try store.columnFamily("meta")
            #expect(try store.get(b("k")) == b("default"))
            #expect(try store.get(b("k"), in: try store.columnFamily("default")) == b("default"))
            #expect(try store.get(b("k"), in: windows) == b("windows"))
            #expect(try store.get(b("k"), in: meta) == b("meta"))
            #expect(try store.get(b("only-meta")) == nil)
            #expect(try store.get(b("only-meta"), in: windows) == nil)
            #expect(try drain(store.iterator(in: meta, from: nil, to: nil)).map(\.key) == [b("k"), b("only-meta")])
            try store.delete(b("k"), in: windows)
            #expect(try store.get(b("k"), in: windows) == nil)
            #expect(try store.get(b("k"), in: meta) == b("meta"))
            store.close()
        }
    }

    @Test("an unknown column family throws .unknownColumnFamily")
    func unknownFamily() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db", columnFamilies: ["a"])
            let error = #expect(throws: StateError.self) { try store.columnFamily("b") }
            #expect(error?.code == .unknownColumnFamily)
            #expect(error?.message.contains("'b'") == true)
            store.close()
        }
    }

    @Test("a column family of another store is rejected, directly and in a batch")
    func foreignFamily() throws {
        try withTemporaryDirectory { dir in
            let one = try Store(path: dir + "/one", columnFamilies: ["cf"])
            let two = try Store(path: dir + "/two", columnFamilies: ["cf"])
            let foreign = try one.columnFamily("cf")
            let direct = #expect(throws: StateError.self) { try two.put(b("k"), b("v"), in: foreign) }
            #expect(direct?.code == .invalidArgument)
            let batch = WriteBatch()
            batch.put(b("k"), b("v"), in: foreign)
            let batched = #expect(throws: StateError.self) { try two.write(batch) }
            #expect(batched?.code == .invalidArgument)
            #expect(try two.get(b("k"), in: two.columnFamily("cf")) == nil)
            let mixed = WriteBatch()
            mixed.put(b("k"), b("v"), in: foreign)
            mixed.put(b("k"), b("v"), in: try two.columnFamily("cf"))
            #expect(throws: StateError.self) { try one.write(mixed) }
            #expect(try one.get(b("k"), in: foreign) == nil)  // nothing of the invalid batch was written
            one.close()
            two.close()
        }
    }
}
