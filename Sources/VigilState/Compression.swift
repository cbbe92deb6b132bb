internal import CRocksDB

/// The block compression of SST files.
public enum Compression: String, Sendable, CaseIterable {
    case none, snappy, lz4, zstd

    /// RocksDB's compression type constant.
    var rocksValue: Int32 {
        switch self {
        case .none: Int32(rocksdb_no_compression)
        case .snappy: Int32(rocksdb_snappy_compression)
        case .lz4: Int32(rocksdb_lz4_compression)
        case .zstd: Int32(rocksdb_zstd_compression)
        }
    }
}
