extension TreeEnsembleModel {
    /// Reads a model saved by XGBoost's `Booster.save_model("model.json")` (the JSON schema of XGBoost 1.x–3.x).
    ///
    /// Reads `learner.learner_model_param` (`num_feature`, `base_score` — a number, a string, or XGBoost 3's
    /// bracketed vector string like `"[5E-1]"` — `num_class`, `num_target`), `learner.objective.name`,
    /// `learner.feature_names`, and every tree of `learner.gradient_booster.model.trees` (`left_children`,
    /// `right_children`, `split_indices`, `split_conditions`, `default_left`, `sum_hessian`).
    ///
    /// - Throws: ``ModelError`` naming `file` and the field path: `unsupportedModel` for objectives other than
    ///   `binary:logistic` and `reg:squarederror`, multi-class or multi-target models, vector leaves, categorical
    ///   splits, `gblinear` and `dart` boosters; `invalidModel` for anything malformed.
    public init(xgboostJSON bytes: [UInt8], file: String = "model.json") throws(ModelError) {
        let root = JSONField(root: try JSONParser.parse(bytes, file: file), file: file, code: .invalidModel)
        func unsupported(_ field: JSONField, _ message: String) -> ModelError {
            field.error(message, code: .unsupportedModel)
        }
        guard case .object = root.value else { throw root.error("expected an XGBoost model object") }
        let learner = try root.field("learner")

        let objectiveField = try learner.field("objective").field("name")
        let objectiveName = try objectiveField.string()
        guard let objective = Objective(rawValue: objectiveName) else {
            let supported = Objective.allCases.map(\.rawValue).joined(separator: ", ")
            throw unsupported(objectiveField, "objective \"\(objectiveName)\" is not supported (supported: \(supported))")
        }

        let parameters = try learner.field("learner_model_param")
        let featureCount = try Self.countParameter(parameters.field("num_feature"))
        guard featureCount > 0 && featureCount <= Self.featureLimit else {
            throw try parameters.field("num_feature").error(
                "\(featureCount) features is outside 1...\(Self.featureLimit)", code: .unsupportedModel)
        }
        if let numClass = try parameters.optionalField("num_class"), try Self.countParameter(numClass) > 1 {
            throw unsupported(numClass, "multi-class models are not supported (num_class \(numClass.describeValue()))")
        }
        if let numTarget = try parameters.optionalField("num_target"), try Self.countParameter(numTarget) > 1 {
            throw unsupported(numTarget, "multi-target models are not supported (num_target \(numTarget.describeValue()))")
        }
        let baseScore = try Self.baseScore(parameters.field("base_score"))

        var featureNames: [String]?
        if let names = try learner.optionalField("feature_names") {
            let list = try names.strings()
            if !list.isEmpty {
                guard list.count == featureCount else {
                    throw names.error("lists \(list.count) names for num_feature \(featureCount)")
                }
                featureNames = list
            }
        }
        if let types = try learner.optionalField("feature_types") {
            let list = try types.strings()
            if let index = list.firstIndex(of: "c") {
                throw unsupported(
                    try types.elements()[index], "categorical features are not supported (feature type \"c\")")
            }
        }

        let booster = try learner.field("gradient_booster")
        let boosterNameField = try booster.field("name")
        let boosterName = try boosterNameField.string()
        guard boosterName == "gbtree" else {
            throw unsupported(boosterNameField, "booster \"\(boosterName)\" is not supported (only gbtree)")
        }
        let model = try booster.field("model")
        let treesField = try model.field("trees")
        let treeFields = try treesField.elements()
        if let param = try model.optionalField("gbtree_model_param"),
            let numTrees = try param.optionalField("num_trees")
        {
            let declared = try Self.countParameter(numTrees)
            guard declared == treeFields.count else {
                throw numTrees.error("declares \(declared) trees but trees has \(treeFields.count)")
            }
        }
        if let info = try model.optionalField("tree_info") {
            let groups = try info.integers()
            if let index = groups.firstIndex(where: { $0 != 0 }) {
                throw unsupported(
                    try info.elements()[index], "trees of several output groups (multi-class) are not supported")
            }
        }

        var trees: [RawTree] = []
        trees.reserveCapacity(treeFields.count)
        for tree in treeFields {
            trees.append(try Self.rawTree(tree, unsupported: unsupported))
        }
        try self.init(
            trees: trees, featureCount: featureCount, objective: objective, baseScore: baseScore,
            featureNames: featureNames, file: file, treePath: { treesField.elementPath($0) })
    }

    /// An integer parameter, which XGBoost writes as a string (`"10"`) or, in older files, as a number.
    private static func countParameter(_ field: JSONField) throws(ModelError) -> Int {
        if case .string(let text) = field.value {
            guard let value = Int(text), value >= 0 else {
                throw field.error("expected a non-negative integer, got \"\(text)\"")
            }
            return value
        }
        let value = try field.integer()
        guard value >= 0 else { throw field.error("expected a non-negative integer, got \(value)") }
        return value
    }

    /// `base_score`: a number, a decimal string, or XGBoost 3's vector string `"[5E-1]"` with one element.
    private static func baseScore(_ field: JSONField) throws(ModelError) -> Float {
        switch field.value {
        case .number(_, let value):
            guard value.isFinite else { throw field.error("not finite") }
            return value
        case .string(let text):
            var inner = Substring(text)
            if inner.hasPrefix("[") && inner.hasSuffix("]") { inner = inner.dropFirst().dropLast() }
            let parts = inner.split(separator: ",", omittingEmptySubsequences: false)
            guard parts.count == 1 else {
                throw field.error(
                    "multi-target base scores are not supported (\(parts.count) values)", code: .unsupportedModel)
            }
            guard let value = Float(String(parts[0].trimmingSpacesSubstring)), value.isFinite else {
                throw field.error("expected a number, got \"\(text)\"")
            }
            return value
        default:
            throw field.error("expected a number or a string, got \(field.value.typeName)")
        }
    }

    /// One tree's arrays, checked for equal lengths, scalar leaves and numerical splits only.
    private static func rawTree(
        _ tree: JSONField, unsupported: (JSONField, String) -> ModelError
    ) throws(ModelError) -> RawTree {
        let left = try tree.field("left_children").integers()
        let n = left.count
        func sized<T>(_ key: String, _ read: (JSONField) throws(ModelError) -> [T]) throws(ModelError) -> [T] {
            let field = try tree.field(key)
            let values = try read(field)
            guard values.count == n else {
                throw field.error("has \(values.count) entries but left_children has \(n)")
            }
            return values
        }
        let right = try sized("right_children") { field throws(ModelError) in try field.integers() }
        let feature = try sized("split_indices") { field throws(ModelError) in try field.integers() }
        let condition = try sized("split_conditions") { field throws(ModelError) in try field.floats() }
        let defaultLeft = try sized("default_left") { field throws(ModelError) in try field.integers(booleans: true) }
        let cover = try sized("sum_hessian") { field throws(ModelError) in try field.floats() }
        if let param = try tree.optionalField("tree_param") {
            if let numNodes = try param.optionalField("num_nodes") {
                let declared = try countParameter(numNodes)
                guard declared == n else { throw numNodes.error("declares \(declared) nodes but the arrays have \(n)") }
            }
            if let leafVector = try param.optionalField("size_leaf_vector"), try countParameter(leafVector) > 1 {
                throw unsupported(leafVector, "vector leaves (multi-target trees) are not supported")
            }
        }
        if let splitType = try tree.optionalField("split_type") {
            let types = try splitType.integers()
            if let index = types.firstIndex(where: { $0 != 0 }) {
                throw unsupported(try splitType.elements()[index], "categorical splits are not supported")
            }
        }
        if let categories = try tree.optionalField("categories_nodes"), !(try categories.elements().isEmpty) {
            throw unsupported(categories, "categorical splits are not supported")
        }
        return RawTree(
            left: left, right: right, feature: feature, condition: condition, defaultLeft: defaultLeft.map { $0 != 0 },
            cover: cover)
    }
}

extension Substring {
    /// The substring without leading and trailing spaces.
    fileprivate var trimmingSpacesSubstring: Substring {
        String(self).trimmingSpaces
    }
}
