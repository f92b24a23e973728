import Foundation
import Testing
@testable import DPOPTrainer

/// TRL's `f_divergence_type`: the scores that replace the log-ratios, and the losses they reshape.
@Suite struct FDivergenceTests {
    static let batch = LossCombinationTests.batch
    /// The losses that read the f-divergence.
    static let reshaped = PreferenceLossKind.allCases.filter { $0.usedParameters.contains(.fDivergence) }

    @Test func theLossesThatReadItAreTRLsSetAndCDPO() {
        #expect(Self.reshaped == [.dpo, .ipo, .cdpo, .robust, .hinge, .exoPair, .discopop, .sigmoidNorm])
    }

    @Test func scoresAreTheDerivativesOfF() {
        for r in [-3.0, -0.4, 0, 0.7, 2.5] {
            let u = exp(r)
            #expect(FDivergence.reverseKL.score(r, coefficient: 0.5).value == r)
            #expect(abs(FDivergence.forwardKL.score(r, coefficient: 0.5).value - (1 - 1 / u)) <= 1e-12)
            #expect(abs(FDivergence.jsDivergence.score(r, coefficient: 0.5).value - log(2 * u / (1 + u))) <= 1e-12)
            for alpha in [0.0, 0.3, 0.5, 0.9] {
                let expected = (pow(u, alpha - 1) - 1) / (alpha - 1)
                #expect(abs(FDivergence.alphaDivergence.score(r, coefficient: alpha).value - expected) <= 1e-12 * max(1, abs(expected)))
            }
            // α = 0 is forward KL; α = 1 falls back to reverse KL, as TRL does.
            #expect(abs(FDivergence.alphaDivergence.score(r, coefficient: 0).value - FDivergence.forwardKL.score(r, coefficient: 0).value) <= 1e-12)
            #expect(FDivergence.alphaDivergence.score(r, coefficient: 1).value == r)
            // Slopes against central differences.
            for f in FDivergence.allCases {
                let h = 1e-6
                let fd = (f.score(r + h, coefficient: 0.3).value - f.score(r - h, coefficient: 0.3).value) / (2 * h)
                #expect(abs(f.score(r, coefficient: 0.3).slope - fd) <= 1e-6 * max(1, abs(fd)), "\(f) at \(r)")
            }
        }
        // Beyond TRL's exponent clamp the α-divergence score is held and its slope is 0.
        let held = FDivergence.alphaDivergence.score(-1000, coefficient: 0.5)
        #expect(held.value.isFinite && held.slope == 0)
    }

    @Test func reverseKLIsBitForBitTheDefault() {
        for kind in PreferenceLossKind.allCases {
            let plain = PreferenceLossConfig(kind: kind, epsilon: 0.2)
            var explicit = plain
            explicit.fDivergence = .reverseKL
            explicit.fAlphaDivergenceCoef = 0.3
            let a = plain.lossAndGradients(Self.batch), b = explicit.lossAndGradients(Self.batch)
            #expect(a.loss == b.loss && a.grads == b.grads, "\(kind)")
        }
    }

    @Test func lossesThatDoNotReadItIgnoreIt() {
        for kind in PreferenceLossKind.allCases where !Self.reshaped.contains(kind) {
            var reshapedConfig = PreferenceLossConfig(kind: kind)
            reshapedConfig.fDivergence = .jsDivergence
            #expect(reshapedConfig.lossAndGradients(Self.batch).loss == PreferenceLossConfig(kind: kind).lossAndGradients(Self.batch).loss)
        }
    }

    @Test func dpoUnderEachDivergenceComparesTheScores() {
        for f in FDivergence.allCases {
            let c = PreferenceLossConfig(kind: .dpo, beta: 0.5, fDivergence: f, fAlphaDivergenceCoef: 0.3)
            let expected = Self.batch.map { p in
                StableMath.softplus(-0.5 * (f.score(p.chosenDelta, coefficient: 0.3).value - f.score(p.rejectedDelta, coefficient: 0.3).value))
            }.reduce(0, +) / Double(Self.batch.count)
            #expect(abs(c.lossAndGradients(Self.batch).loss - expected) <= 1e-12)
        }
    }

    @Test func gradientsMatchFiniteDifferences() {
        let step = 1e-6
        for kind in Self.reshaped {
            for f in FDivergence.allCases where f != .reverseKL {
                let c = PreferenceLossConfig(kind: kind, beta: 0.5, epsilon: 0.2, fDivergence: f, fAlphaDivergenceCoef: 0.3)
                GradientCheck.expectPairLossGradientsMatch(c, Self.batch, step: step, label: "\(kind) \(f)")
            }
        }
    }

    @Test func theCoefficientIsValidatedOnlyUnderTheAlphaDivergence() throws {
        var c = PreferenceLossConfig(kind: .dpo, fAlphaDivergenceCoef: 2)
        try c.validate()
        c.fDivergence = .alphaDivergence
        do { try c.validate(); Issue.record("α = 2 passed") } catch {
            #expect("\(error)".contains("loss.f_alpha_divergence_coef must be in [0, 1], got 2"))
        }
        #expect(!PreferenceLossConfig(kind: .dpo, fDivergence: .jsDivergence).usedParameters.contains(.fAlphaDivergenceCoef))
    }
}
