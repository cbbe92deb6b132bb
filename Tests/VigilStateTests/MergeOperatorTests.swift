import Testing

@testable import VigilState

@Suite("Merge operators")
struct MergeOperatorTests {
    @Test("int64Add sums operands, across flush and reopen")
    func int64AddAcrossReopen() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/db"
            var options = StoreOptions()
            options.mergeOperator = .int64Add
            do {
                let store = try Store(path: path, options: options, columnFamilies: ["counts"])
                let counts = try store.columnFamily("counts")
                try store.merge(b("n"), le(5))
                try store.merge(b("n"), le(-2))
                try store.merge(b("c"), le(1), in: counts)
                #expect(try store.get(b("n")) == le(3))
                try store.flush()
                let batch = WriteBatch()
                batch.merge(b("n"), le(10))
                batch.merge(b("c"), le(1), in: counts)
                try store.write(batch)
                store.close()
            }
            let store = try Store(path: path, options: options)
            try store.merge(b("n"), le(100))
            #expect(try store.get(b("n")) == le(113))
            #expect(try store.get(b("c"), in: store.columnFamily("counts")) == le(2))
            try store.put(b("n"), le(1))  // a put resets the base
            try store.merge(b("n"), le(1))
            #expect(try store.get(b("n")) == le(2))
            try store.merge(b("wrap"), le(.max))
            try store.merge(b("wrap"), le(1))
            #expect(try store.get(b("wrap")) == le(.min))  // wraps, does not trap
            store.close()
        }
    }

    @Test("int64Add with a malformed operand fails the read with .corruption instead of crashing")
    func int64AddMalformed() throws {
        try withTemporaryDirectory { dir in
            var options = StoreOptions()
            options.mergeOperator = .int64Add
            let store = try Store(path: dir + "/db", options: options)
            try store.merge(b("bad"), [1, 2, 3])
            let error = #expect(throws: StateError.self) { try store.get(b("bad")) }
            #expect(error?.code == .corruption)
            store.close()
        }
    }

    @Test("a custom merge operator sees the existing value and the operands in order")
    func customOperator() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/db"
            var options = StoreOptions()
            // Appends operands to the value with "," — order-sensitive and not associative.
            options.mergeOperator = MergeOperator(name: "test.append") { _, existing, operands in
                var parts = existing.map { [$0] } ?? []
                parts += operands
                return Array(parts.map { String(decoding: $0, as: UTF8.self) }.joined(separator: ",").utf8)
            }
            do {
                let store = try Store(path: path, options: options)
                try store.merge(b("k"), b("a"))
                try store.merge(b("k"), b("b"))
                #expect(try store.get(b("k")) == b("a,b"))
                try store.put(b("p"), b("base"))
                try store.merge(b("p"), b("x"))
                #expect(try store.get(b("p")) == b("base,x"))
                try store.flush()
                try store.merge(b("k"), b("c"))
                store.close()
            }
            let store = try Store(path: path, options: options)
            #expect(try store.get(b("k")) == b("a,b,c"))
            let all = try drain(store.iterator(from: nil, to: nil))
            #expect(all.map(\.value) == [b("a,b,c"), b("base,x")])
            store.close()
        }
    }

    @Test("a merge without a merge operator reports RocksDB's error")
    func noOperator() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db")
            let error = #expect(throws: StateError.self) { try store.merge(b("k"), le(1)) }
            #expect(error?.code == .other)
            #expect(error?.message == "merge \(dir)/db: Not implemented: Provide a merge_operator when opening DB")
            store.close()
        }
    }
}
