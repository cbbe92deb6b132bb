import Testing

@testable import VigilState

@Suite("Iterators")
struct IteratorTests {
    @Test(
        "a prefix iterator returns exactly the keys with the prefix, in order",
        arguments: [[0x01], [0x01, 0xFF], [0xFF], [0xFF, 0xFF], [0x01, 0xFE, 0xFF]] as [[UInt8]])
    func prefix(prefix: [UInt8]) throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db")
            let keys: [[UInt8]] = [
                [], [0x00], [0x01], [0x01, 0x00], [0x01, 0x05], [0x01, 0xFE], [0x01, 0xFE, 0xFF],
                [0x01, 0xFE, 0xFF, 0x00], [0x01, 0xFF], [0x01, 0xFF, 0x00], [0x01, 0xFF, 0xFF], [0x01, 0xFF, 0xFF, 0x07],
                [0x02], [0x02, 0x00], [0xFE, 0xFF], [0xFF], [0xFF, 0x00], [0xFF, 0xFF], [0xFF, 0xFF, 0x01],
            ]
            let batch = WriteBatch()
            for key in keys.shuffled() { batch.put(key, key + [0xAA]) }
            try store.write(batch)

            let expected = keys.filter { $0.starts(with: prefix) }.sorted { $0.lexicographicallyPrecedes($1) }
            let entries = try drain(store.iterator(prefix: prefix))
            #expect(!expected.isEmpty)
            #expect(entries.map(\.key) == expected)
            #expect(entries.allSatisfy { $0.value == $0.key + [0xAA] })
            store.close()
        }
    }

    @Test("prefix successor handles 0xFF tails")
    func successor() {
        #expect(Store.prefixSuccessor([0x01]) == [0x02])
        #expect(Store.prefixSuccessor([0x01, 0xFF]) == [0x02])
        #expect(Store.prefixSuccessor([0x01, 0xFE, 0xFF, 0xFF]) == [0x01, 0xFF])
        #expect(Store.prefixSuccessor([0xFF, 0xFF]) == nil)
        #expect(Store.prefixSuccessor([]) == nil)
    }

    @Test("a range iterator covers [lower, upper) and seek stays inside the range")
    func range() throws {
        try withTemporaryDirectory { dir in
            let store = try Store(path: dir + "/db", columnFamilies: ["cf"])
            let cf = try store.columnFamily("cf")
            for i in 0..<20 {
                try store.put([UInt8(i)], [UInt8(i)], in: cf)
                try store.put([UInt8(i)], [0], in: nil)
            }
            let entries = try drain(store.iterator(in: cf, from: [5], to: [9]))
            #expect(entries.map(\.key) == [[5], [6], [7], [8]])
            #expect(entries.map(\.value) == [[5], [6], [7], [8]])
            #expect(try drain(store.iterator(in: cf, from: nil, to: [2])).map(\.key) == [[0], [1]])
            #expect(try drain(store.iterator(in: cf, from: [18], to: nil)).map(\.key) == [[18], [19]])
            #expect(try drain(store.iterator(in: cf, from: [7], to: [7])).isEmpty)

            let iterator = try store.iterator(in: cf, from: [5], to: [15])
            iterator.seek(to: [12])
            #expect(iterator.next()?.key == [12])
            iterator.seek(to: [0])  // below the lower bound: clamped to it
            #expect(iterator.next()?.key == [5])
            iterator.seek(to: [15])
            #expect(iterator.next() == nil)
            try iterator.status()
            store.close()
        }
    }

    @Test("an iterator keeps reading after close; the store reopens once it is released")
    func iteratorOutlivesClose() throws {
        try withTemporaryDirectory { dir in
            let path = dir + "/db"
            var iterator: StoreIterator? = nil
            do {
                let store = try Store(path: path)
                for i in 0..<10 { try store.put([UInt8(i)], [UInt8(i)]) }
                iterator = try store.iterator(from: nil, to: nil)
                store.close()
                #expect(throws: StateError.self) { try store.get([1]) }
            }
            #expect(iterator?.next()?.key == [0])
            #expect(iterator?.next()?.key == [1])
            // The iterator holds the database open, so the directory is still locked.
            let locked = #expect(throws: StateError.self) { try Store(path: path) }
            #expect(locked?.code == .busy)
            iterator = nil
            let reopened = try Store(path: path)
            #expect(try reopened.get([9]) == [9])
            reopened.close()
        }
    }
}
