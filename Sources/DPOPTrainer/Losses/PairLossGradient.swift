/// One pair's loss term, the gradient of the batch loss with respect to its policy log-probs, and its implicit rewards.
public struct PairLossGradient: Equatable, Sendable {
    /// This pair's term of the loss, before averaging over the batch.
    public var loss: Double
    /// ∂(batch loss)/∂pc; already includes the 1/N of the batch mean.
    public var dpc: Double
    /// ∂(batch loss)/∂pr; already includes the 1/N of the batch mean.
    public var dpr: Double
    /// Implicit reward of the chosen completion (see `PreferenceLossConfig.implicitRewards`).
    public var rewardChosen: Double
    /// Implicit reward of the rejected completion.
    public var rewardRejected: Double

    /// Creates a pair's loss, gradient and rewards.
    public init(loss: Double, dpc: Double, dpr: Double, rewardChosen: Double, rewardRejected: Double) {
        self.loss = loss
        self.dpc = dpc
        self.dpr = dpr
        self.rewardChosen = rewardChosen
        self.rewardRejected = rewardRejected
    }
}
