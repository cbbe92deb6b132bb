import Foundation

extension ModelBundle {
    /// Loads a bundle from a directory, a `.tar`, or a gzip-compressed tar (`.tar.gz`/`.tgz`).
    ///
    /// A file is recognised by its content, not its name: gzip data (magic `1f 8b`) is decompressed in memory by
    /// running `gzip -dc` (`/usr/bin/gzip` or `/bin/gzip`; nothing is extracted to disk), anything else is read as a
    /// tar archive. Load time only; never call this on the scoring path.
    ///
    /// - Throws: ``ModelError`` (`io` if the path cannot be read or exceeds ``sizeLimit``, `invalidArchive`,
    ///   `invalidJSON`, `invalidManifest`, `invalidModel`, `unsupportedModel`, `inconsistentBundle`).
    public static func load(from path: String) throws(ModelError) -> ModelBundle {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw ModelError(code: .io, file: path, message: "no such file or directory")
        }
        if isDirectory.boolValue {
            let manifestBytes = try readFile(path + "/manifest.json", name: "manifest.json")
            let manifest = try ModelManifest(json: manifestBytes)
            let modelBytes = try readFile(path + "/" + manifest.modelFile, name: manifest.modelFile)
            return try ModelBundle(manifest: manifest, modelBytes: modelBytes, location: path)
        }
        var bytes = try readFile(path, name: path)
        if bytes.count >= 2 && bytes[0] == 0x1F && bytes[1] == 0x8B {
            bytes = try gunzip(path)
        }
        return try ModelBundle(tarBytes: bytes, location: path)
    }

    /// The bytes of a regular file, at most ``sizeLimit`` of them.
    private static func readFile(_ path: String, name: String) throws(ModelError) -> [UInt8] {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw ModelError(code: .io, file: name, message: "cannot read \(path): no such file")
        }
        if let size = attributes[.size] as? NSNumber, size.intValue > sizeLimit {
            throw ModelError(code: .io, file: name, message: "\(path) is larger than \(sizeLimit) bytes")
        }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ModelError(code: .io, file: name, message: "cannot read \(path)")
        }
        return [UInt8](data)
    }

    /// `gzip -dc path`, in memory, refusing output beyond ``sizeLimit``.
    private static func gunzip(_ path: String) throws(ModelError) -> [UInt8] {
        guard let gzip = ["/usr/bin/gzip", "/bin/gzip"].first(where: { FileManager.default.isExecutableFile(atPath: $0) })
        else {
            throw ModelError(code: .io, file: path, message: "a gzip-compressed bundle needs gzip (/usr/bin/gzip)")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: gzip)
        process.arguments = ["-dc", "--", path]
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw ModelError(code: .io, file: path, message: "cannot run \(gzip): \(error)")
        }
        var bytes: [UInt8] = []
        var tooLarge = false
        while true {
            let chunk = output.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            if bytes.count + chunk.count > sizeLimit {
                tooLarge = true
                process.terminate()
                break
            }
            bytes.append(contentsOf: chunk)
        }
        process.waitUntilExit()
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        if tooLarge {
            throw ModelError(code: .io, file: path, message: "decompresses to more than \(sizeLimit) bytes")
        }
        guard process.terminationStatus == 0 else {
            let detail = message.split(separator: "\n").first.map(String.init) ?? "exit \(process.terminationStatus)"
            throw ModelError(code: .invalidArchive, file: path, message: "gzip could not decompress it: \(detail)")
        }
        return bytes
    }
}
