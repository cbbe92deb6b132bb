internal import CRocksDB

/// A RocksDB checkpoint object, which writes openable copies of a database.
///
/// - Important: owns its `rocksdb_checkpoint_t`, destroyed in `deinit`; must not outlive the lease on the
///   database it was created from (it is created and dropped inside one `Store.checkpoint` call). Not thread-safe.
final class Checkpoint {
    let pointer: OpaquePointer
    private let path: String

    init(database: Database) throws(StateError) {
        var err: UnsafeMutablePointer<CChar>? = nil
        let pointer = rocksdb_checkpoint_object_create(database.db, &err)
        try StateError.check(err, "checkpoint", path: database.path)
        guard let pointer else {
            throw StateError(code: .other, message: "checkpoint \(database.path): no checkpoint object")
        }
        self.pointer = pointer
        self.path = database.path
    }

    /// Writes the checkpoint into `directory` (which must not exist).
    func create(at directory: String) throws(StateError) {
        var err: UnsafeMutablePointer<CChar>? = nil
        rocksdb_checkpoint_create(pointer, directory, 0, &err)
        try StateError.check(err, "checkpoint", path: "\(path) → \(directory)")
    }

    deinit { rocksdb_checkpoint_object_destroy(pointer) }
}
