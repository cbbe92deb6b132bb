// A libFuzzer entry point for the event decoders (docs/reliability.md, "Hostile input"). Not part of the package
// build: ops/fuzz-harness/run compiles it with VigilCore's sources and `-sanitize=fuzzer,address`.
//
// Each input goes through SchemaDecoder (transaction v1), TransactionCodec and LabelCodec. A trap, a crash or an
// address-sanitizer report is a finding; so is a decoded event that does not round-trip, or an error with no reason.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    var decoder = SchemaDecoder(schema: .transactionV1)
    do {
        _ = try decoder.decode(bytes)
    } catch {
        precondition(!error.reason.isEmpty, "an error without a reason")
    }
    do {
        let t = try TransactionCodec.decode(bytes)
        let again = try? TransactionCodec.decode(TransactionCodec.encode(t))
        precondition(again == t, "a transaction that does not round-trip")
    } catch {
        precondition(!error.reason.isEmpty, "an error without a reason")
    }
    do {
        let label = try LabelCodec.decode(bytes)
        let again = try? LabelCodec.decode(LabelCodec.encode(label))
        precondition(again == label, "a label that does not round-trip")
    } catch {
        precondition(!error.reason.isEmpty, "an error without a reason")
    }
    return 0
}
