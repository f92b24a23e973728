import Foundation

/// Linear warm-up, then cosine decay to `minFraction`·peak, or a constant rate.
public struct LearningRateSchedule: Codable, Equatable, Sendable {
    /// Shape after warm-up.
    public enum Decay: String, Codable, Sendable, CaseIterable { case cosine, constant }

    public var peak: Float
    public var warmupSteps: Int
    public var totalSteps: Int
    public var decay: Decay
    /// Floor of the cosine decay as a fraction of `peak`.
    public var minFraction: Float

    public init(peak: Float, warmupSteps: Int = 0, totalSteps: Int, decay: Decay = .cosine, minFraction: Float = 0.1) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
        self.decay = decay
        self.minFraction = minFraction
    }

    /// Learning rate for the 0-based update `step`.
    public func rate(at step: Int) -> Float {
        if step < warmupSteps {
            return peak * Float(step + 1) / Float(warmupSteps)
        }
        switch decay {
        case .constant:
            return peak
        case .cosine:
            let span = max(1, totalSteps - warmupSteps)
            let progress = min(1, Float(step - warmupSteps) / Float(span))
            let cosine = 0.5 * (1 + cosf(Float.pi * progress))
            return peak * (minFraction + (1 - minFraction) * cosine)
        }
    }
}
