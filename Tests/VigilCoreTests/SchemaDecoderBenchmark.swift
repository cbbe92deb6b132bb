import Testing

@testable import VigilCore

/// Decoding cost of the generic schema decoder against the purpose-built transaction codec, on the same bytes.
/// Prints ns/event; only the results are asserted (timings depend on the build and the machine — run with
/// `swift test -c release -Xswiftc -enable-testing --filter SchemaDecoderBenchmark` for meaningful numbers).
@Suite("schema decoder: benchmark")
struct SchemaDecoderBenchmark {
    @Test("decoding transaction v1 JSON: SchemaDecoder vs TransactionCodec (ns/event printed)")
    func transactionThroughput() throws {
        var config = GeneratorConfig()
        config.seed = 3
        config.eventCount = 20_000
        var generator = TransactionGenerator(config)
        var events: [[UInt8]] = []
        while let (t, _) = generator.next() { events.append(TransactionCodec.encode(t)) }

        let rounds = 5
        var decoder = SchemaDecoder(schema: .transactionV1)
        var codecSum: Int64 = 0
        var schemaSum: Int64 = 0
        var best = (codec: Duration.seconds(1_000), schema: Duration.seconds(1_000))
        let clock = ContinuousClock()
        for _ in 0..<rounds {
            // Alternate the two, so that both see the same machine load.
            let codec = try clock.measure {
                for bytes in events { codecSum &+= try TransactionCodec.decode(bytes).timestamp }
            }
            let schema = try clock.measure {
                for bytes in events { schemaSum &+= try decoder.decode(bytes).timestamp }
            }
            best = (min(best.codec, codec), min(best.schema, schema))
        }
        #expect(codecSum == schemaSum)
        #expect(decoder.decodedCount == Int64(rounds * events.count))
        func nanos(_ d: Duration) -> Double {
            (Double(d.components.seconds) * 1e9 + Double(d.components.attoseconds) / 1e9) / Double(events.count)
        }
        let codecNs = nanos(best.codec)
        let schemaNs = nanos(best.schema)
        let ratio = schemaNs / codecNs
        print("SchemaDecoderBenchmark: TransactionCodec.decode \(Int(codecNs)) ns/event, SchemaDecoder.decode "
            + "\(Int(schemaNs)) ns/event, ratio \((ratio * 100).rounded() / 100)")
    }
}
