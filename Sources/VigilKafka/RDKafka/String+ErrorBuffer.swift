extension String {
    /// Decodes a NUL-terminated C error buffer (`errstr`) filled by librdkafka.
    init(errorBuffer buffer: [CChar]) {
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        self.init(decoding: bytes, as: UTF8.self)
    }
}
