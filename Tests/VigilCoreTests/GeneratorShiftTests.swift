import Testing

@testable import VigilCore

/// A ``GeneratorConfig/Shift`` changes the stream from its event time on, and nothing before it.
@Suite("transaction generator: distribution shift")
struct GeneratorShiftTests {
    /// 60k events (about two simulated days), shifted at the end of the first day.
    static let at: Int64 = 1_767_225_600_000 + 86_400_000
    static let plain = GeneratorTests.run(GeneratorTests.config(seed: 42, count: 60_000))
    static let shifted = GeneratorTests.run(GeneratorTests.config(seed: 42, count: 60_000) {
        $0.shift = GeneratorConfig.Shift(at: at)
    })

    /// The bytes of a run up to (not including) its first transaction at or after `time`.
    static func prefix(_ config: GeneratorConfig, before time: Int64) -> [UInt8] {
        var generator = TransactionGenerator(config)
        var bytes: [UInt8] = []
        while let (t, _) = generator.next(), t.timestamp < time {
            for label in generator.drainLabels(upTo: t.timestamp) {
                LabelCodec.encode(label, into: &bytes)
                bytes.append(0x0A)
            }
            TransactionCodec.encode(t, into: &bytes)
            bytes.append(0x0A)
        }
        return bytes
    }

    /// Median of the amounts of legitimate transactions in US dollars at `mcc`, before or from `time`.
    static func medianAmount(_ run: GeneratorTests.Run, mcc: Int32, after: Bool, _ time: Int64) -> Double {
        let amounts = zip(run.transactions, run.truths)
            .filter { t, truth in !truth.isFraud && t.currency == "USD" && t.mcc == mcc && (t.timestamp >= time) == after }
            .map(\.0.amount)
            .sorted()
        return amounts.isEmpty ? .nan : amounts[amounts.count / 2]
    }

    @Test("before the shift the stream is the unshifted one, byte for byte; from it on, it differs")
    func prefixUnchanged() {
        var config = GeneratorTests.config(seed: 42, count: 60_000)
        let unshifted = Self.prefix(config, before: Self.at)
        config.shift = GeneratorConfig.Shift(at: Self.at)
        let shifted = Self.prefix(config, before: Self.at)
        #expect(unshifted.count > 1_000_000)
        #expect(shifted == unshifted)
        #expect(GeneratorTests.fnv1a(Self.shifted.bytes) != GeneratorTests.fnv1a(Self.plain.bytes))
    }

    @Test("a shift beyond the end of the stream changes nothing, and neither does an explicit nil")
    func noShiftNoChange() {
        let late = GeneratorTests.run(GeneratorTests.config(seed: 9, count: 5_000) {
            $0.shift = GeneratorConfig.Shift(at: .max)
        })
        let none = GeneratorTests.run(GeneratorTests.config(seed: 9, count: 5_000) { $0.shift = nil })
        let plain = GeneratorTests.run(GeneratorTests.config(seed: 9, count: 5_000))
        #expect(late.bytes == plain.bytes)
        #expect(none.bytes == plain.bytes)
    }

    @Test("amounts after the shift are scaled by amountScale: the median legitimate ticket per category moves ×2.5")
    func amountsScaled() {
        for mcc: Int32 in [5411, 5812, 5541] {
            let before = Self.medianAmount(Self.shifted, mcc: mcc, after: false, Self.at)
            let after = Self.medianAmount(Self.shifted, mcc: mcc, after: true, Self.at)
            let plainAfter = Self.medianAmount(Self.plain, mcc: mcc, after: true, Self.at)
            #expect(after / before > 2.2 && after / before < 2.8, "mcc \(mcc): \(before) → \(after)")
            #expect(plainAfter / before > 0.9 && plainAfter / before < 1.1, "mcc \(mcc) without the shift")
        }
        // ATM withdrawals keep their round steps, scaled: 20 × 2.5 = 50, …
        let atmAfter = Set(zip(Self.shifted.transactions, Self.shifted.truths)
            .filter { $0.0.mcc == 6011 && $0.0.currency == "USD" && $0.0.timestamp >= Self.at && !$0.1.isFraud }
            .map(\.0.amount))
        #expect(atmAfter.isSubset(of: [50, 100, 150, 200, 250, 500, 750, 1250]), "\(atmAfter.sorted())")
    }

    @Test("the new pattern appears only after the shift, takes most of the fraud, and the fraud share rises")
    func newPatternAfterShift() {
        var before = 0, beforeFraud = 0, after = 0, afterFraud = 0, farmAfter = 0
        for (t, truth) in zip(Self.shifted.transactions, Self.shifted.truths) {
            if t.timestamp < Self.at {
                before += 1
                if truth.isFraud { beforeFraud += 1 }
                #expect(truth.pattern != .deviceFarm, "device farm before the shift: \(t.txnID)")
            } else {
                after += 1
                if truth.isFraud { afterFraud += 1 }
                if truth.pattern == .deviceFarm { farmAfter += 1 }
            }
        }
        let shareBefore = Double(beforeFraud) / Double(before)
        let shareAfter = Double(afterFraud) / Double(after)
        #expect(shareAfter / shareBefore > 1.8 && shareAfter / shareBefore < 5, "\(shareBefore) → \(shareAfter)")
        #expect(Double(farmAfter) / Double(afterFraud) > 0.6, "\(farmAfter) of \(afterFraud)")
        // Every device-farm transaction has a label with its type.
        let farmLabels = Self.shifted.labels.filter { $0.fraudType == FraudPattern.deviceFarm.rawValue }
        #expect(farmLabels.count == farmAfter)
    }

    @Test("a device farm is one new device paying online with many cards, hours apart, at merchants of one country")
    func deviceFarmShape() {
        // Shifted from the first hour on, so that many farms run to completion.
        let run = GeneratorTests.run(GeneratorTests.config(seed: 11, count: 40_000) {
            $0.shift = GeneratorConfig.Shift(at: $0.startTime + 3_600_000)
        })
        var byDevice: [String: [Transaction]] = [:]
        for (t, truth) in zip(run.transactions, run.truths) where truth.pattern == .deviceFarm {
            #expect(t.channel == .ecom && t.entryMode == .online)
            byDevice[t.deviceID!, default: []].append(t)
        }
        #expect(byDevice.count >= 5)
        let end = run.transactions.last!.timestamp
        var complete = 0
        for (device, txns) in byDevice {
            #expect(device.hasPrefix("devx_"))
            #expect(Set(txns.map(\.country)).count == 1, "one country per farm")
            for (a, b) in zip(txns, txns.dropFirst()) {
                #expect(b.timestamp - a.timestamp >= 10 * 60_000 && b.timestamp - a.timestamp <= 50 * 60_000)
            }
            // Farms that started more than 17 hours before the end are complete: 6 to 20 purchases, each with a
            // card (almost always a different one).
            if end - txns[0].timestamp > 17 * 3_600_000 {
                complete += 1
                #expect(txns.count >= 6 && txns.count <= 20)
                #expect(Set(txns.map(\.cardID)).count >= txns.count - 1)
            }
        }
        #expect(complete >= 10, "\(complete) complete farms")
    }

    @Test("eventTime(ofTransaction:) is the timestamp of that transaction of the unshifted stream")
    func eventTimeOfTransaction() {
        var config = GeneratorTests.config(seed: 42, count: 60_000)
        config.shift = GeneratorConfig.Shift(at: 0)
        #expect(TransactionGenerator.eventTime(ofTransaction: 0, in: config) == Self.plain.transactions[0].timestamp)
        #expect(TransactionGenerator.eventTime(ofTransaction: 30_000, in: config) == Self.plain.transactions[30_000].timestamp)
        #expect(TransactionGenerator.eventTime(ofTransaction: 60_000, in: config) == nil)
    }

    @Test("out-of-range shift settings are clamped, not trapped")
    func clamping() {
        var config = GeneratorTests.config(seed: 3, count: 2_000)
        config.shift = GeneratorConfig.Shift(
            at: 0, amountScale: -1, fraudRateScale: .nan, newPattern: .deviceFarm, newPatternShare: 7)
        let generator = TransactionGenerator(config)
        #expect(generator.config.shift?.amountScale == 1)
        #expect(generator.config.shift?.fraudRateScale == 1)
        #expect(generator.config.shift?.newPatternShare == 1)
        let run = GeneratorTests.run(config)
        #expect(run.transactions.count == 2_000)
    }
}
