/// Mean per-token change of log-prob (policy − reference) at positions −K…+K around the first token
/// where a pair's chosen and rejected completions differ: where DPO's likelihood drop lands.
///
/// Offset 0 is the first differing token of each completion (the common prefix's length); a pair whose
/// completions are identical has no difference and is left out; an offset past either end of a
/// completion is left out for that completion, so each offset keeps its own count.
public struct DisplacementProfile: Equatable, Sendable, Codable {
    /// How many tokens on each side of the first difference the profile covers.
    public let radius: Int
    /// Mean Δ log-prob of the chosen completion's tokens at offsets −radius…radius (nil where no pair reaches).
    public private(set) var chosen: [Double?]
    /// The same for the rejected completion.
    public private(set) var rejected: [Double?]
    /// Pairs that reach each offset, for the chosen and the rejected completion.
    public private(set) var chosenCounts: [Int]
    public private(set) var rejectedCounts: [Int]

    /// The settings' default radius (the K = 8).
    public static let defaultRadius = 8

    /// Offsets −radius…radius, in the arrays' order.
    public var offsets: [Int] { Array(-radius...radius) }

    /// Averages the per-token changes of `pairs`: for each, the first differing index (nil if none) and
    /// the per-token log-probs of both completions under the policy and the reference.
    public init(radius: Int = defaultRadius, pairs: [Tokens]) {
        self.radius = radius
        let width = 2 * radius + 1
        var chosenSums = [Double](repeating: 0, count: width), rejectedSums = chosenSums
        var chosenCounts = [Int](repeating: 0, count: width), rejectedCounts = chosenCounts
        func add(_ policy: [Float], _ reference: [Float], from d: Int, into sums: inout [Double], _ counts: inout [Int]) {
            precondition(policy.count == reference.count, "policy and reference score different token counts")
            for k in 0..<width {
                let t = d + k - radius
                guard t >= 0, t < policy.count else { continue }
                sums[k] += Double(policy[t]) - Double(reference[t])
                counts[k] += 1
            }
        }
        for p in pairs {
            guard let d = p.firstDifference else { continue }
            add(p.policyChosen, p.referenceChosen, from: d, into: &chosenSums, &chosenCounts)
            add(p.policyRejected, p.referenceRejected, from: d, into: &rejectedSums, &rejectedCounts)
        }
        chosen = (0..<width).map { chosenCounts[$0] > 0 ? chosenSums[$0] / Double(chosenCounts[$0]) : nil }
        rejected = (0..<width).map { rejectedCounts[$0] > 0 ? rejectedSums[$0] / Double(rejectedCounts[$0]) : nil }
        self.chosenCounts = chosenCounts
        self.rejectedCounts = rejectedCounts
    }

    private enum CodingKeys: String, CodingKey { case offsets, chosen, rejected, counts }
    private enum CountKeys: String, CodingKey { case chosen, rejected }

    /// `{"offsets": [−K…K], "chosen": [...], "rejected": [...], "counts": {"chosen": [...], "rejected": [...]}}`,
    /// null where no pair reaches an offset: the nested object `metrics.jsonl` carries.
    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(offsets, forKey: .offsets)
        try c.encode(chosen, forKey: .chosen)
        try c.encode(rejected, forKey: .rejected)
        var counts = c.nestedContainer(keyedBy: CountKeys.self, forKey: .counts)
        try counts.encode(chosenCounts, forKey: .chosen)
        try counts.encode(rejectedCounts, forKey: .rejected)
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        let offsets = try c.decode([Int].self, forKey: .offsets)
        let counts = try c.nestedContainer(keyedBy: CountKeys.self, forKey: .counts)
        radius = (offsets.count - 1) / 2
        chosen = try c.decode([Double?].self, forKey: .chosen)
        rejected = try c.decode([Double?].self, forKey: .rejected)
        chosenCounts = try counts.decode([Int].self, forKey: .chosen)
        rejectedCounts = try counts.decode([Int].self, forKey: .rejected)
        let width = 2 * radius + 1
        guard offsets == Array(-radius...max(-radius, radius)), offsets.count == width,
              [chosen.count, rejected.count, chosenCounts.count, rejectedCounts.count].allSatisfy({ $0 == width }) else {
            throw DecodingError.dataCorruptedError(forKey: .offsets, in: c,
                                                   debugDescription: "a displacement profile needs offsets −K…K and one value and count per offset")
        }
    }

    /// One pair's inputs to the profile.
    public struct Tokens: Sendable {
        /// Index of the first completion token where chosen and rejected differ; nil when they are identical.
        public var firstDifference: Int?
        public var policyChosen: [Float], referenceChosen: [Float]
        public var policyRejected: [Float], referenceRejected: [Float]

        public init(firstDifference: Int?, policyChosen: [Float], referenceChosen: [Float],
                    policyRejected: [Float], referenceRejected: [Float]) {
            self.firstDifference = firstDifference
            self.policyChosen = policyChosen
            self.referenceChosen = referenceChosen
            self.policyRejected = policyRejected
            self.referenceRejected = referenceRejected
        }
    }
}

extension PairAlignment {
    /// The first index where the two sequences differ, nil when they are identical.
    public var firstDifference: Int? {
        differingRangeA.isEmpty && differingRangeB.isEmpty ? nil : commonPrefix
    }
}
