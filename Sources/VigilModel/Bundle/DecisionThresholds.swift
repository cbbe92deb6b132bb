/// The score thresholds that turn a score into a ``Decision``.
///
/// A score at or above ``decision`` is ``Decision/fraud``; at or above ``review`` (a lower band, optional) it is
/// ``Decision/review``; anything else (including NaN) is ``Decision/legit``.
public struct DecisionThresholds: Sendable, Hashable {
    /// The score at and above which the decision is `fraud`.
    public let decision: Double
    /// The score at and above which (and below ``decision``) the decision is `review`; nil for no review band.
    public let review: Double?

    /// Creates thresholds; `review` must not exceed `decision`.
    public init(decision: Double, review: Double? = nil) throws(ModelError) {
        guard decision.isFinite else {
            throw ModelError(code: .invalidManifest, path: "thresholds.decision", message: "not finite")
        }
        if let review {
            guard review.isFinite else {
                throw ModelError(code: .invalidManifest, path: "thresholds.review", message: "not finite")
            }
            guard review <= decision else {
                throw ModelError(
                    code: .invalidManifest, path: "thresholds.review",
                    message: "the review band must start at or below the decision threshold (\(review) > \(decision))")
            }
        }
        self.decision = decision
        self.review = review
    }

    /// The decision for `score`.
    @inline(__always)
    public func decide(_ score: Double) -> Decision {
        if score >= decision { return .fraud }
        if let review, score >= review { return .review }
        return .legit
    }
}
