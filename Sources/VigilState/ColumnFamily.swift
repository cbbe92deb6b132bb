/// A column family of an open `Store`: a separate key space with its own memtables and SST files.
///
/// Obtained from `Store.columnFamily(_:)`. Passing it to another store throws `.invalidArgument`; using it after
/// the store is closed throws `.closed`.
///
/// - Important: the C handle is owned by the store's database (destroyed before the database is closed); this
///   object only refers to it. Immutable, and RocksDB's column-family handles are thread-safe, hence
///   `@unchecked Sendable`.
public final class ColumnFamily: @unchecked Sendable {
    /// The column family's name.
    public let name: String
    let handle: OpaquePointer
    let database: Database

    init(name: String, handle: OpaquePointer, database: Database) {
        self.name = name
        self.handle = handle
        self.database = database
    }
}
