/// A reader for uncompressed tar archives (POSIX ustar, pax and GNU long names), enough to unpack a model bundle
/// in memory.
///
/// Regular files are returned by path with `./` prefixes removed; directories, links and other entries are
/// skipped. Every header's checksum is verified, so a truncated or corrupted archive is an error rather than a
/// bundle with missing bytes.
enum TarArchive {
    /// The regular files of the archive `bytes`, by path; `name` names the archive in errors.
    static func files(in bytes: [UInt8], name: String) throws(ModelError) -> [String: [UInt8]] {
        func invalid(_ message: String) -> ModelError {
            ModelError(code: .invalidArchive, file: name, message: message)
        }
        var files: [String: [UInt8]] = [:]
        var offset = 0
        var longName: String?
        var paxPath: String?
        while true {
            guard offset + 512 <= bytes.count else {
                throw invalid("truncated tar archive (no end-of-archive marker at byte \(offset))")
            }
            let header = bytes[offset..<(offset + 512)]
            if header.allSatisfy({ $0 == 0 }) { break }
            guard let stored = octal(header, 148, 8) else { throw invalid("bad header checksum field at byte \(offset)") }
            var sum = 0
            for (index, byte) in header.enumerated() { sum += (148..<156).contains(index) ? 32 : Int(byte) }
            guard sum == stored else { throw invalid("header checksum mismatch at byte \(offset) (corrupt archive)") }
            guard let size = octal(header, 124, 12) else { throw invalid("bad size field at byte \(offset)") }
            let dataStart = offset + 512
            guard dataStart + size <= bytes.count else {
                throw invalid("truncated tar archive (an entry needs \(size) bytes at byte \(dataStart))")
            }
            let data = Array(bytes[dataStart..<(dataStart + size)])
            offset = dataStart + (size + 511) / 512 * 512
            let type = header[header.startIndex + 156]
            switch type {
            case UInt8(ascii: "L"):  // GNU long name for the next entry
                longName = string(data[...], 0, data.count)
                continue
            case UInt8(ascii: "x"):  // pax extended header for the next entry
                paxPath = paxRecord("path", in: data) ?? paxPath
                continue
            case UInt8(ascii: "g"):  // pax global header
                continue
            default:
                break
            }
            var path = string(header, 0, 100)
            // POSIX ustar ("ustar\0") splits long paths into prefix + name; old GNU headers ("ustar  ") use those
            // bytes for other fields.
            if string(header, 257, 6) == "ustar" {
                let prefix = string(header, 345, 155)
                if !prefix.isEmpty { path = prefix + "/" + path }
            }
            if let override = paxPath ?? longName { path = override }
            longName = nil
            paxPath = nil
            if type == UInt8(ascii: "0") || type == 0 || type == UInt8(ascii: "7") {
                while path.hasPrefix("./") { path.removeFirst(2) }
                files[path] = data
            }
        }
        return files
    }

    /// An octal number field (NUL or space terminated), or nil.
    private static func octal(_ header: ArraySlice<UInt8>, _ start: Int, _ length: Int) -> Int? {
        var value = 0
        var digits = 0
        for index in (header.startIndex + start)..<(header.startIndex + start + length) {
            let byte = header[index]
            if byte == 0 || byte == 32 {
                if digits > 0 { break }
                continue
            }
            guard byte >= 48 && byte <= 55 else { return nil }
            value = value * 8 + Int(byte - 48)
            digits += 1
        }
        return digits > 0 ? value : nil
    }

    /// A NUL-terminated text field.
    private static func string(_ bytes: ArraySlice<UInt8>, _ start: Int, _ length: Int) -> String {
        let from = bytes.startIndex + start
        let field = bytes[from..<(from + length)]
        let end = field.firstIndex(of: 0) ?? field.endIndex
        return String(decoding: field[from..<end], as: UTF8.self)
    }

    /// The value of `key` in pax records (`"<length> <key>=<value>\n"`).
    private static func paxRecord(_ key: String, in data: [UInt8]) -> String? {
        var index = 0
        while index < data.count {
            guard let space = data[index...].firstIndex(of: 32) else { return nil }
            guard let length = Int(String(decoding: data[index..<space], as: UTF8.self)), length > 0,
                index + length <= data.count
            else { return nil }
            let record = data[(space + 1)..<(index + length - 1)]  // without the trailing newline
            if let equals = record.firstIndex(of: UInt8(ascii: "=")),
                String(decoding: record[record.startIndex..<equals], as: UTF8.self) == key
            {
                return String(decoding: record[(equals + 1)...], as: UTF8.self)
            }
            index += length
        }
        return nil
    }
}
