/// Summed completion log-probs of one preference pair under the policy and the frozen reference, with completion lengths.
public struct PairLogProbs: Equatable, Sendable {
    /// Policy log-prob of the chosen completion (sum over its tokens, end-of-text included).
    public var pc: Double
    /// Policy log-prob of the rejected completion.
    public var pr: Double
    /// Reference log-prob of the chosen completion.
    public var rc: Double
    /// Reference log-prob of the rejected completion.
    public var rr: Double
    /// Number of chosen completion tokens, end-of-text included (at least 1).
    public var nc: Int
    /// Number of rejected completion tokens, end-of-text included (at least 1).
    public var nr: Int

    /// Creates the log-probs of one pair.
    public init(pc: Double, pr: Double, rc: Double, rr: Double, nc: Int, nr: Int) {
        self.pc = pc
        self.pr = pr
        self.rc = rc
        self.rr = rr
        self.nc = nc
        self.nr = nr
    }

    /// Δw = pc − rc: how far the policy has moved the chosen completion's log-prob from the reference.
    public var chosenDelta: Double { pc - rc }
    /// Δl = pr − rr.
    public var rejectedDelta: Double { pr - rr }
    /// h = Δw − Δl, the DPO margin before scaling by β.
    public var margin: Double { chosenDelta - rejectedDelta }
    /// ℓ̄(y_w) = pc / nc, the policy's per-token log-prob of the chosen completion.
    public var chosenMeanLogProb: Double { pc / Double(nc) }
    /// ℓ̄(y_l) = pr / nr.
    public var rejectedMeanLogProb: Double { pr / Double(nr) }
}
