/// A validated model bundle: its manifest and the model it describes, ready to score.
///
/// A bundle is a directory, an uncompressed `.tar`, or a gzip-compressed tar (`.tar.gz`/`.tgz`) holding
/// `manifest.json` and the model file the manifest names (docs/models.md). In an archive the two may sit at the
/// root or inside one top-level directory. Loading reads everything into memory, parses and validates the manifest
/// and the model, and checks them against each other; any problem is a ``ModelError`` naming the file and field.
///
/// Thread-safety: an immutable value; share it freely.
public struct ModelBundle: Sendable {
    /// The manifest.
    public let manifest: ModelManifest
    /// The model, ready to score; its inputs are the manifest's ``ModelManifest/features`` in order.
    public let model: any Model
    /// Where the bundle was loaded from (a path, or a caller-given label for in-memory bundles).
    public let location: String

    /// The largest bundle (uncompressed) Vigil loads.
    public static let sizeLimit = 1 << 30

    /// Builds a bundle from a manifest and the bytes of its model file, checking that they agree: the model reads
    /// as many features as the manifest lists (and, when the model file names its features, the same names in the
    /// same order), and a probability model's thresholds lie in [0, 1].
    public init(manifest: ModelManifest, modelBytes: [UInt8], location: String) throws(ModelError) {
        let model: any Model
        switch manifest.modelKind {
        case .logistic:
            model = try LogisticModel(json: modelBytes, file: manifest.modelFile)
        case .xgboostJSON:
            model = try TreeEnsembleModel(xgboostJSON: modelBytes, file: manifest.modelFile)
        }
        guard model.featureCount == manifest.features.count else {
            throw ModelError(
                code: .inconsistentBundle, file: manifest.modelFile,
                message: "the model reads \(model.featureCount) features but manifest.json lists "
                    + "\(manifest.features.count)")
        }
        if let trees = model as? TreeEnsembleModel, let names = trees.featureNames {
            for (index, (inModel, inManifest)) in zip(names, manifest.features).enumerated() where inModel != inManifest {
                throw ModelError(
                    code: .inconsistentBundle, file: "manifest.json", path: "features[\(index)]",
                    message: "\(manifest.modelFile) names feature \(index) \"\(inModel)\" but the manifest lists "
                        + "\"\(inManifest)\" (list the training features in training order)")
            }
        }
        if model.output == .probability {
            let thresholds = manifest.thresholds
            for (path, value) in [("thresholds.decision", thresholds.decision), ("thresholds.review", thresholds.review)]
            {
                if let value, !(value >= 0 && value <= 1) {
                    throw ModelError(
                        code: .inconsistentBundle, file: "manifest.json", path: path,
                        message: "must be in [0, 1] for a model whose score is a probability, got \(value)")
                }
            }
        }
        self.manifest = manifest
        self.model = model
        self.location = location
    }

    /// Builds a bundle from its files, by path (as unpacked from an archive); `manifest.json` may be at the root or
    /// inside a single top-level directory.
    public init(files: [String: [UInt8]], location: String) throws(ModelError) {
        var prefix = ""
        if files["manifest.json"] == nil {
            let nested = files.keys.filter { path in
                let parts = path.split(separator: "/", omittingEmptySubsequences: false)
                return parts.count == 2 && parts[1] == "manifest.json"
            }
            guard nested.count == 1, let only = nested.first else {
                throw ModelError(
                    code: .invalidArchive, file: location,
                    message: nested.isEmpty
                        ? "no manifest.json at the top of the bundle"
                        : "several manifest.json files (\(nested.sorted().joined(separator: ", ")))")
            }
            prefix = String(only.dropLast("manifest.json".count))
        }
        guard let manifestBytes = files[prefix + "manifest.json"] else {
            throw ModelError(code: .invalidArchive, file: location, message: "no manifest.json")
        }
        let manifest = try ModelManifest(json: manifestBytes)
        guard let modelBytes = files[prefix + manifest.modelFile] else {
            throw ModelError(
                code: .inconsistentBundle, file: "manifest.json", path: "model.file",
                message: "the bundle has no file \"\(manifest.modelFile)\"")
        }
        try self.init(manifest: manifest, modelBytes: modelBytes, location: location)
    }

    /// Builds a bundle from the bytes of an uncompressed tar archive.
    public init(tarBytes: [UInt8], location: String) throws(ModelError) {
        try self.init(files: TarArchive.files(in: tarBytes, name: location), location: location)
    }
}
