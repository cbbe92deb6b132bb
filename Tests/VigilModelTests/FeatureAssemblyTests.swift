import Testing

@testable import VigilModel

/// Assembling the model's input vector by name, and its hash.
@Suite("Feature assembly")
struct FeatureAssemblyTests {
    @Test("values in topology order are copied into manifest order; extra topology features are ignored")
    func reorders() throws {
        let assembly = try FeatureAssembly(
            features: ["c", "a", "b"], available: ["a", "unused", "b", "c"])
        #expect(assembly.sourceIndices == [3, 0, 2])
        #expect(assembly.sourceCount == 4)
        #expect(assembly.vector(from: [1, 99, 2, 3]) == [3, 1, 2])
        var vector = [Double](repeating: -1, count: 3)
        assembly.fill(from: [10, 99, .nan, 30], into: &vector)
        #expect(vector[0] == 30 && vector[1] == 10 && vector[2].isNaN)
    }

    @Test("a name the topology lists twice maps to its first occurrence")
    func firstOccurrence() throws {
        let assembly = try FeatureAssembly(features: ["a"], available: ["a", "a"])
        #expect(assembly.sourceIndices == [0])
    }

    @Test("every feature the topology does not compute is named in one start-up error")
    func missingFeaturesNamed() throws {
        let error = try #require(throws: ModelError.self) {
            try FeatureAssembly(
                features: ["amount", "card_count_1h", "merchant_risk", "device_age_days"],
                available: ["amount", "card_count_24h"], model: "card-fraud@3")
        }
        #expect(error.code == .missingFeatures)
        #expect(
            error.description
                == "the topology does not compute 3 of the 4 features model card-fraud@3 needs: \"card_count_1h\", "
                + "\"merchant_risk\", \"device_age_days\"")
    }

    @Test("a bundle's model scores an assembled vector the same as the manifest-ordered one")
    func withBundle() throws {
        let bundle = try ModelBundle.load(from: Fixtures.path("bundle"))
        let expected = try Fixtures.expected("xgb_tiny")
        let topology = Array(bundle.manifest.features.reversed()) + ["extra_feature"]
        let assembly = try FeatureAssembly(features: bundle.manifest.features, available: topology)
        var vector = [Double](repeating: 0, count: bundle.model.featureCount)
        for (row, input) in expected.inputs.enumerated() {
            let values = Array(input.reversed()) + [123]
            assembly.fill(from: values, into: &vector)
            #expect(bundle.model.score(vector) == expected.predict[row])
            #expect(FeatureVectorHash.fnv1a64(vector) == FeatureVectorHash.fnv1a64(input))
        }
    }

    @Test("the hash is FNV-1a 64 over little-endian IEEE bits, with one canonical NaN")
    func hash() {
        // Reference values computed independently (Python struct.pack('<d') and the FNV-1a 64 definition).
        #expect(FeatureVectorHash.fnv1a64([]) == 0xcbf2_9ce4_8422_2325)
        #expect(FeatureVectorHash.fnv1a64([12.5]) == 0xa83c_6232_27a3_6b74)
        #expect(FeatureVectorHash.fnv1a64([1.0, .nan, -2.5, 0.0]) == 0x94f3_d9b3_f90b_2a29)
        let otherNaN = Double(bitPattern: 0x7ff0_0000_0000_0001)
        let negativeNaN = Double(bitPattern: 0xfff8_0000_0000_0000)
        #expect(FeatureVectorHash.fnv1a64([1.0, otherNaN, -2.5, 0.0]) == 0x94f3_d9b3_f90b_2a29)
        #expect(FeatureVectorHash.fnv1a64([1.0, negativeNaN, -2.5, 0.0]) == 0x94f3_d9b3_f90b_2a29)
        #expect(FeatureVectorHash.fnv1a64([0.0]) != FeatureVectorHash.fnv1a64([-0.0]))
        #expect(FeatureVectorHash.fnv1a64([1, 2]) != FeatureVectorHash.fnv1a64([2, 1]))
    }
}
