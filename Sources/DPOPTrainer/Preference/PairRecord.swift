import Foundation

/// One pair's before-and-after facts at the end of a run (`pairs.jsonl`, `train.pair_records`): its
/// statistics (edit distances, CHES under the reference) and the change of each completion's log-prob,
/// so predictors of likelihood displacement can be compared pair by pair.
public struct PairRecord: Codable, Equatable, Sendable {
    /// `train` or `eval`.
    public var split: String
    /// Index of the pair within its split of the run (after the bucket filter).
    public var index: Int
    public var bucket: String?
    public var editDistance: Int
    public var normalisedEditDistance: Double
    /// CHES and its length-normalised form under the reference model (`CHESScorer`).
    public var ches: Double
    public var chesNormalised: Double
    /// Scored tokens of each completion (end-of-text included).
    public var chosenLength: Int
    public var rejectedLength: Int
    /// Summed completion log-probs under the reference and under the final policy.
    public var referenceChosen: Double
    public var referenceRejected: Double
    public var policyChosen: Double
    public var policyRejected: Double
    /// log π(y_w) − log π_ref(y_w) and the same for y_l, at the end of training.
    public var deltaW: Double
    public var deltaL: Double

    /// A record of one pair; Δw and Δl are the policy's log-probs minus the reference's.
    public init(split: String, index: Int, bucket: String?, editDistance: Int, normalisedEditDistance: Double,
                ches: Double, chesNormalised: Double, chosenLength: Int, rejectedLength: Int,
                referenceChosen: Double, referenceRejected: Double, policyChosen: Double, policyRejected: Double) {
        self.split = split
        self.index = index
        self.bucket = bucket
        self.editDistance = editDistance
        self.normalisedEditDistance = normalisedEditDistance
        self.ches = ches
        self.chesNormalised = chesNormalised
        self.chosenLength = chosenLength
        self.rejectedLength = rejectedLength
        self.referenceChosen = referenceChosen
        self.referenceRejected = referenceRejected
        self.policyChosen = policyChosen
        self.policyRejected = policyRejected
        deltaW = policyChosen - referenceChosen
        deltaL = policyRejected - referenceRejected
    }

    enum CodingKeys: String, CodingKey {
        case split, index, bucket
        case editDistance = "edit_distance", normalisedEditDistance = "normalised_edit_distance"
        case ches, chesNormalised = "ches_normalised"
        case chosenLength = "chosen_length", rejectedLength = "rejected_length"
        case referenceChosen = "reference_chosen", referenceRejected = "reference_rejected"
        case policyChosen = "policy_chosen", policyRejected = "policy_rejected"
        case deltaW = "delta_w", deltaL = "delta_l"
    }

    /// The records of `pairs` (one split, in order): CHES under `reference` (computed only for pairs that do
    /// not carry it from CHES bucketing), final log-probs under `policy`; the pairs carry their reference
    /// log-probs already.
    public static func make(split: String, pairs: [PreparedPair], reference: GPTModel, policy: GPTModel,
                            shareTrunk: Bool = false) -> [PairRecord] {
        let missing = pairs.indices.filter { pairs[$0].ches == nil }
        var ches = pairs.map { $0.ches ?? PairCHES(ches: 0, normalised: 0) }
        for (k, c) in zip(missing, CHESScorer.score(reference, missing.map { pairs[$0] })) { ches[k] = c }
        // The layout the pairs' reference log-probs and the evaluation used, so Δw, Δl match the eval record.
        let chosen: [Double], rejected: [Double]
        if shareTrunk {
            let s = SequenceScorer.scorePairs(policy, pairs.map { (chosen: $0.chosen, rejected: $0.rejected) })
            (chosen, rejected) = (s.chosen.sums, s.rejected.sums)
        } else {
            chosen = SequenceScorer.score(policy, pairs.map(\.chosen)).sums
            rejected = SequenceScorer.score(policy, pairs.map(\.rejected)).sums
        }
        return pairs.indices.map { i in
            let p = pairs[i]
            return PairRecord(split: split, index: i, bucket: p.bucket, editDistance: p.editDistance,
                              normalisedEditDistance: p.normalisedEditDistance, ches: ches[i].ches, chesNormalised: ches[i].normalised,
                              chosenLength: p.chosenLength, rejectedLength: p.rejectedLength,
                              referenceChosen: p.referenceChosen, referenceRejected: p.referenceRejected,
                              policyChosen: chosen[i], policyRejected: rejected[i])
        }
    }

    /// Writes `records` as JSON lines to `url`, atomically.
    public static func write(_ records: [PairRecord], to url: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var data = Data()
        for r in records {
            data.append(try encoder.encode(r))
            data.append(0x0A)
        }
        try AtomicFile.write(data, to: url)
    }

    /// Reads a `pairs.jsonl`; a line that does not decode is a `DPOPError.data` naming `file:line`.
    public static func read(_ url: URL) throws -> [PairRecord] {
        let text = try String(contentsOf: url, encoding: .utf8)
        let decoder = JSONDecoder()
        var records: [PairRecord] = []
        for (n, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !line.isEmpty {
            do {
                records.append(try decoder.decode(PairRecord.self, from: Data(line.utf8)))
            } catch {
                throw DPOPError.data(file: url.path, line: n + 1, message: "not a pair record: \(error)")
            }
        }
        return records
    }
}
