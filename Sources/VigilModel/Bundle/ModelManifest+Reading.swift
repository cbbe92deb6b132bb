extension ModelManifest {
    /// Reads and validates a manifest from its JSON bytes; `file` names it in errors.
    ///
    /// Checks everything the manifest can check alone: required fields and types, no unknown fields, format
    /// version 1, RFC 3339 times with `training.from <= training.to`, unique non-empty feature names, a safe relative
    /// model file name, `review <= decision`, baselines that name listed features only with strictly increasing
    /// edges and proportions summing to 1 ± 1e-6, and validation figures in [0, 1]. Checks against the model (feature
    /// count, thresholds within [0, 1] for probabilities) happen in ``ModelBundle``.
    public init(json bytes: [UInt8], file: String = "manifest.json") throws(ModelError) {
        let root = JSONField(root: try JSONParser.parse(bytes, file: file), file: file, code: .invalidManifest)
        try root.requireOnly([
            "format_version", "name", "version", "created_at", "features", "training", "model", "thresholds",
            "baselines", "validation",
        ])
        let formatField = try root.field("format_version")
        let formatVersion = try formatField.integer()
        guard formatVersion == Self.formatVersion else {
            throw formatField.error(
                "unsupported format version \(formatVersion) (this Vigil reads version \(Self.formatVersion))")
        }
        let name = try root.field("name").name()
        let version = try root.field("version").name()
        let createdAt = try Self.timestamp(root.field("created_at"))

        let featuresField = try root.field("features")
        let featureFields = try featuresField.elements()
        guard !featureFields.isEmpty else { throw featuresField.error("must list at least one feature") }
        var features: [String] = []
        var seen: Set<String> = []
        for field in featureFields {
            let feature = try field.name()
            guard seen.insert(feature).inserted else { throw field.error("duplicate feature \"\(feature)\"") }
            features.append(feature)
        }

        let training = try Self.training(root.field("training"))

        let model = try root.field("model")
        try model.requireOnly(["kind", "file"])
        let kindField = try model.field("kind")
        let kindName = try kindField.string()
        guard let modelKind = ModelKind(rawValue: kindName) else {
            let kinds = ModelKind.allCases.map(\.rawValue).joined(separator: ", ")
            throw kindField.error("unknown model kind \"\(kindName)\" (expected one of: \(kinds))")
        }
        let fileField = try model.field("file")
        let modelFile = try fileField.name()
        let components = modelFile.split(separator: "/", omittingEmptySubsequences: false)
        guard !modelFile.hasPrefix("/"), !components.contains(".."), !components.contains(""),
            modelFile != "manifest.json"
        else {
            throw fileField.error("must be a relative file name inside the bundle, got \"\(modelFile)\"")
        }

        let thresholdsField = try root.field("thresholds")
        try thresholdsField.requireOnly(["decision", "review"])
        let decision = try thresholdsField.field("decision").double()
        let review = try thresholdsField.optionalField("review")?.double()
        let thresholds = try Self.relocate(in: file) { () throws(ModelError) in
            try DecisionThresholds(decision: decision, review: review)
        }

        let baselines = try root.field("baselines")
        try baselines.requireOnly(["features", "score"])
        var featureBaselines: [String: FeatureBaseline] = [:]
        if let perFeature = try baselines.optionalField("features") {
            for (key, field) in try perFeature.members() {
                guard seen.contains(key) else {
                    throw field.error("baseline for \"\(key)\", which is not in features")
                }
                featureBaselines[key] = try Self.baseline(field)
            }
        }
        let scoreBaseline = try Self.baseline(baselines.field("score"))

        var validation: Validation?
        if let field = try root.optionalField("validation") {
            try field.requireOnly(["precision", "recall", "auc_pr"])
            func rate(_ key: String) throws(ModelError) -> Double? {
                guard let member = try field.optionalField(key) else { return nil }
                let value = try member.double()
                guard value >= 0 && value <= 1 else { throw member.error("must be in [0, 1], got \(value)") }
                return value
            }
            validation = Validation(precision: try rate("precision"), recall: try rate("recall"), aucPR: try rate("auc_pr"))
        }

        self.init(
            formatVersion: formatVersion, name: name, version: version, createdAt: createdAt, features: features,
            training: training, modelKind: modelKind, modelFile: modelFile, thresholds: thresholds,
            featureBaselines: featureBaselines, scoreBaseline: scoreBaseline, validation: validation)
    }

    private static func timestamp(_ field: JSONField) throws(ModelError) -> RFC3339Timestamp {
        let text = try field.string()
        guard let value = RFC3339Timestamp(rfc3339: text) else {
            throw field.error("expected an RFC 3339 date-time like 2026-01-15T10:30:00Z, got \"\(text)\"")
        }
        return value
    }

    private static func training(_ field: JSONField) throws(ModelError) -> Training {
        try field.requireOnly(["from", "to", "rows", "dataset"])
        let from = try timestamp(field.field("from"))
        let toField = try field.field("to")
        let to = try timestamp(toField)
        guard from <= to else { throw toField.error("the training range ends before it starts (\(to) < \(from))") }
        let rowsField = try field.field("rows")
        let rows = try rowsField.integer()
        guard rows > 0 else { throw rowsField.error("must be a positive integer, got \(rows)") }
        var datasetName: String?
        var datasetChecksum: String?
        if let dataset = try field.optionalField("dataset") {
            try dataset.requireOnly(["name", "checksum"])
            datasetName = try dataset.field("name").name()
            datasetChecksum = try dataset.optionalField("checksum")?.name()
        }
        return Training(from: from, to: to, rows: rows, datasetName: datasetName, datasetChecksum: datasetChecksum)
    }

    private static func baseline(_ field: JSONField) throws(ModelError) -> FeatureBaseline {
        try field.requireOnly(["edges", "proportions", "missing_rate", "min", "max"])
        let edges = try field.field("edges").doubles()
        let proportions = try field.field("proportions").doubles()
        let missingRate = try field.field("missing_rate").double()
        let minField = try field.optionalField("min"), maxField = try field.optionalField("max")
        var range: ClosedRange<Double>?
        switch (minField, maxField) {
        case (nil, nil): break
        case (let lo?, let hi?):
            let low = try lo.double(), high = try hi.double()
            guard low.isFinite, high.isFinite, low <= high else {
                throw hi.error("the training range must be finite with min <= max, got [\(low), \(high)]")
            }
            range = low...high
        case (let only?, nil), (nil, let only?):
            throw only.error("min and max go together: give both or neither")
        }
        do {
            return try FeatureBaseline(edges: edges, proportions: proportions, missingRate: missingRate, range: range)
        } catch {
            throw ModelError(
                code: error.code, file: field.file,
                path: error.path.map { field.memberPath($0) } ?? field.path, message: error.message)
        }
    }

    /// Runs `body`, stamping `file` on the error it throws.
    private static func relocate<T>(in file: String, _ body: () throws(ModelError) -> T) throws(ModelError) -> T {
        do {
            return try body()
        } catch {
            throw ModelError(code: error.code, file: file, path: error.path, message: error.message)
        }
    }
}
