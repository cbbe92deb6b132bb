import Testing

@testable import VigilMonitor

@Suite("Drift statistics")
struct DriftTests {
    @Test("PSI, KS and JS of a two-bin shift equal the hand computation")
    func twoBinShift() {
        let e = [0.5, 0.5]
        let a = [0.9, 0.1]
        // PSI = (0.9 − 0.5)·ln(0.9/0.5) + (0.1 − 0.5)·ln(0.1/0.5) = 0.4·ln(1.8) − 0.4·ln(0.2)
        //     = 0.4·0.5877866649 + 0.4·1.6094379124 = 0.2351146660 + 0.6437751650 = 0.8788898309
        #expect(close(Drift.psi(expected: e, actual: a), 0.8788898309344878))
        // KS: cumulative sums e = [0.5, 1.0], a = [0.9, 1.0] → max(|0.4|, |0|) = 0.4
        #expect(close(Drift.ks(expected: e, actual: a), 0.4))
        // JS: m = [0.7, 0.3]
        //   KL(e‖m) = 0.5·log2(0.5/0.7) + 0.5·log2(0.5/0.3) = 0.5·(−0.4854268272) + 0.5·0.7369655942 = 0.1257693835
        //   KL(a‖m) = 0.9·log2(0.9/0.7) + 0.1·log2(0.1/0.3) = 0.9·0.3625700794 + 0.1·(−1.5849625007) = 0.1678168214
        //   JSD = (0.1257693835 + 0.1678168214) / 2 = 0.1467931024; distance = sqrt(0.1467931024) = 0.3831358799
        //   (SciPy: jensenshannon([0.5, 0.5], [0.9, 0.1], base=2) = 0.3831358798599423)
        #expect(close(Drift.jensenShannon(expected: e, actual: a), 0.3831358798599423))
        let measures = DriftMeasures(expected: e, actual: a)
        #expect(close(measures.psi, 0.8788898309344878) && close(measures.ks, 0.4))
        #expect(close(measures.jensenShannon, 0.3831358798599423))
    }

    @Test("an empty bin is floored at epsilon before PSI's logarithm")
    func epsilonFloor() {
        let e = [0.5, 0.5, 0]
        let a = [0.5, 0.4, 0.1]
        // PSI = 0 + (0.4 − 0.5)·ln(0.4/0.5) + (0.1 − 0.0001)·ln(0.1/0.0001)
        //     = 0.0223143551 + 0.0999·6.9077552790 = 0.0223143551 + 0.6900847524 = 0.7123991075
        #expect(close(Drift.psi(expected: e, actual: a), 0.7123991075017365))
        // A larger epsilon makes the empty bin's term smaller: (0.1 − 0.01)·ln(10) = 0.2072326584, + 0.0223143551
        #expect(close(Drift.psi(expected: e, actual: a, epsilon: 0.01), 0.2295470135, 1e-9))
        #expect(Drift.psi(expected: e, actual: a).isFinite)
        // JS needs no floor: 0·log 0 = 0. SciPy: jensenshannon([0.5, 0.5, 0], [0.5, 0.4, 0.1], base=2)
        #expect(close(Drift.jensenShannon(expected: e, actual: a), 0.23241293654355824))
    }

    @Test("identical distributions give 0 for all three")
    func identical() {
        for p in [[1.0], [0.25, 0.25, 0.5], [0.1, 0, 0.3, 0.6], [0.0, 1.0]] {
            let m = DriftMeasures(expected: p, actual: p)
            #expect(m.psi == 0 && m.ks == 0 && m.jensenShannon == 0, "\(p)")
        }
    }

    @Test("JS is symmetric, bounded by 1, and 1 for disjoint supports")
    func jensenShannonProperties() {
        var rng = SplitMix64(seed: 11)
        for _ in 0..<200 {
            var p = (0..<8).map { _ in rng.uniform() }
            var q = (0..<8).map { _ in rng.uniform() < 0.3 ? 0 : rng.uniform() }
            let (ps, qs) = (p.reduce(0, +), q.reduce(0, +))
            p = p.map { $0 / ps }
            q = q.map { $0 / max(qs, 1e-9) }
            let forward = Drift.jensenShannon(expected: p, actual: q)
            #expect(forward == Drift.jensenShannon(expected: q, actual: p))
            #expect(forward >= 0 && forward <= 1)
        }
        #expect(Drift.jensenShannon(expected: [1, 0], actual: [0, 1]) == 1)
        // Unnormalised inputs are divided by their sums (as SciPy does).
        #expect(close(Drift.jensenShannon(expected: [5, 5], actual: [9, 1]), 0.3831358798599423))
    }

    @Test("KS is the largest gap between the cumulative distributions, not the last one")
    func ksMaximum() {
        // cumulative e = [0.2, 0.4, 0.6, 0.8, 1.0], a = [0.0, 0.1, 0.6, 0.7, 1.0] → gaps 0.2, 0.3, 0, 0.1, 0 → 0.3
        #expect(close(Drift.ks(expected: [0.2, 0.2, 0.2, 0.2, 0.2], actual: [0, 0.1, 0.5, 0.1, 0.3]), 0.3))
    }

    @Test("arrays of different lengths count missing entries as 0 instead of trapping")
    func differentLengths() {
        // cumulative e = [0.5, 1.0], a = [0.5, 0.5] → 0.5
        #expect(close(Drift.ks(expected: [0.5, 0.5], actual: [0.5]), 0.5))
        #expect(Drift.psi(expected: [0.5, 0.5], actual: [1]) == Drift.psi(expected: [0.5, 0.5], actual: [1, 0]))
        #expect(Drift.psi(expected: [], actual: []) == 0)
    }

    @Test("the analytic PSI threshold is (k − 1)/n + σ·sqrt(2(k − 1))/n")
    func thresholdFormula() {
        // k = 10, n = 2000: 9/2000 + 3·sqrt(18)/2000 = 0.0045 + 3·4.2426406871/2000 = 0.0045 + 0.0063639610
        #expect(close(Drift.psiThreshold(bins: 10, sampleSize: 2000), 0.010863961030678928, 1e-14))
        #expect(close(Drift.psiThreshold(bins: 10, sampleSize: 2000, sigmas: 0), 0.0045))
        #expect(Drift.psiThreshold(bins: 10, sampleSize: 0) == .infinity)
        #expect(Drift.psiThreshold(bins: 1, sampleSize: 100) == 0)
    }

    @Test("Monte Carlo: the analytic threshold matches the empirical mean + 3σ of PSI over stationary chunks")
    func thresholdMonteCarlo() {
        // A 10-bin baseline with unequal bins (as quantile bins of a lumpy feature may be).
        let baseline = [0.04, 0.06, 0.08, 0.1, 0.12, 0.14, 0.16, 0.12, 0.1, 0.08]
        var cumulative: [Double] = []
        var sum = 0.0
        for p in baseline {
            sum += p
            cumulative.append(sum)
        }
        var rng = SplitMix64(seed: 2024)
        let chunks = 500
        let n = 2000
        var values: [Double] = []
        for _ in 0..<chunks {
            var histogram = BinnedHistogram(edges: (1..<10).map(Double.init))
            for _ in 0..<n { histogram.add(Double(rng.categorical(cumulative: cumulative))) }
            values.append(Drift.psi(expected: baseline, actual: histogram.proportions))
        }
        let mean = values.reduce(0, +) / Double(chunks)
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(chunks - 1)
        let empirical = mean + 3 * variance.squareRoot()
        let analytic = Drift.psiThreshold(bins: 10, sampleSize: n)
        #expect(abs(empirical - analytic) / analytic < 0.15, "empirical \(empirical), analytic \(analytic)")
        #expect(abs(mean - 9.0 / 2000) / (9.0 / 2000) < 0.1, "mean \(mean)")
        // (With this seed: mean 0.004518, mean + 3σ 0.010891 against 0.010864 analytic; 6 of 500 chunks exceed.)
        // Under χ²(9), P(X > 9 + 3·sqrt(18)) ≈ 1 %: allow sampling noise on 500 chunks (≈ 5 ± 2.2 expected).
        let exceeding = values.filter { $0 > analytic }.count
        #expect(exceeding <= 10, "\(exceeding) of \(chunks) stationary chunks exceed the threshold")
        // A small real shift is already above it: 2 points moved from the first bin to the last gives
        // PSI = −0.02·ln(0.02/0.04) + 0.02·ln(0.10/0.08) = 0.0138629 + 0.0044629 = 0.0183258 > 0.0108640.
        var shifted = baseline
        shifted[0] -= 0.02
        shifted[9] += 0.02
        #expect(close(Drift.psi(expected: baseline, actual: shifted), 0.018325814637483104, 1e-12))
        #expect(Drift.psi(expected: baseline, actual: shifted) > analytic)
    }
}
