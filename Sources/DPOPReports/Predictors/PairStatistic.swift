import DPOPTrainer

/// A per-pair statistic that may predict likelihood displacement, as `pairs.jsonl` records it.
public enum PairStatistic: String, CaseIterable, Sendable {
    case editDistance = "edit_distance"
    case normalisedEditDistance = "normalised_edit_distance"
    case ches
    case chesNormalised = "ches_normalised"

    /// The statistic's value for one pair.
    public func value(_ r: PairRecord) -> Double {
        switch self {
        case .editDistance: Double(r.editDistance)
        case .normalisedEditDistance: r.normalisedEditDistance
        case .ches: r.ches
        case .chesNormalised: r.chesNormalised
        }
    }
}
