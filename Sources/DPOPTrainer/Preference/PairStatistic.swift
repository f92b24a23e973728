/// A number per preference pair that buckets can be defined on (`data.bucket_by`, `dpop train --bucket-by`).
public enum PairStatistic: String, CaseIterable, Codable, Sendable {
    /// Levenshtein distance between the completions, in tokens.
    case editDistance = "edit_distance"
    /// Edit distance divided by the longer completion's token count, in [0, 1].
    case normalisedEditDistance = "normalised_edit_distance"
    /// CHES under the reference model (`PairCHES.ches`).
    case ches
    /// Length-normalised CHES under the reference model (`PairCHES.normalised`).
    case chesNormalised = "ches_normalised"

    /// Whether computing it needs a model (a forward pass of the reference over every pair).
    public var needsModel: Bool { self == .ches || self == .chesNormalised }

    /// The statistic of `pair`; `ches` must be given for the model statistics.
    public func value(_ pair: PreparedPair, ches: PairCHES?) -> Double {
        switch self {
        case .editDistance: return Double(pair.editDistance)
        case .normalisedEditDistance: return pair.normalisedEditDistance
        case .ches:
            precondition(ches != nil, "bucketing by ches needs the pair's CHES")
            return ches!.ches
        case .chesNormalised:
            precondition(ches != nil, "bucketing by ches_normalised needs the pair's CHES")
            return ches!.normalised
        }
    }

    /// Every statistic's spec name, for hints.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}

extension PairStatistic {
    /// The statistic as a pair's record in `pairs.jsonl` holds it.
    public func value(_ record: PairRecord) -> Double {
        switch self {
        case .editDistance: Double(record.editDistance)
        case .normalisedEditDistance: record.normalisedEditDistance
        case .ches: record.ches
        case .chesNormalised: record.chesNormalised
        }
    }
}
