import Foundation
import Testing
@testable import DPOPTrainer

/// Weighted combinations of losses (TRL's `loss_type` list with `loss_weights`): parsing, labels, the sum, coding.
@Suite struct LossCombinationTests {
    /// Pairs with Δw of both signs and unequal lengths.
    static let batch = [
        PairLogProbs(pc: -10, pr: -12, rc: -11, rr: -11.5, nc: 5, nr: 4),
        PairLogProbs(pc: -13, pr: -16.5, rc: -11, rr: -11.5, nc: 5, nr: 6),
        PairLogProbs(pc: -3.2, pr: -2.1, rc: -3, rr: -2.6, nc: 3, nr: 7),
        PairLogProbs(pc: -0.3, pr: -9, rc: -0.9, rr: -8, nc: 2, nr: 9),
    ]

    func config(_ text: String, beta: Double = 0.1) throws -> PreferenceLossConfig {
        var c = PreferenceLossConfig(kind: .dpo, beta: beta)
        c.setMembers(try PreferenceLossTerm.parse(text))
        return c
    }

    @Test func parsingAndLabels() throws {
        #expect(try PreferenceLossTerm.parse("dpo") == [PreferenceLossTerm(.dpo)])
        #expect(try PreferenceLossTerm.parse("sigmoid+sft") == [PreferenceLossTerm(.dpo), PreferenceLossTerm(.sft)])
        let mpo = try PreferenceLossTerm.parse("0.8*dpo + 0.2·bco_pair + sft")
        #expect(mpo == [PreferenceLossTerm(.dpo, weight: 0.8), PreferenceLossTerm(.bcoPair, weight: 0.2), PreferenceLossTerm(.sft)])
        #expect(PreferenceLossTerm.label(mpo) == "0.8·dpo+0.2·bco_pair+sft")
        // The label reads back as the same combination.
        #expect(try PreferenceLossTerm.parse(PreferenceLossTerm.label(mpo)) == mpo)
        #expect(try config("dpo").combination.isEmpty)
        #expect(try config("dpo").name == "dpo")
        #expect(try config("2*dpo").name == "2·dpo")

        func problem(_ text: String) -> String? {
            do { _ = try PreferenceLossTerm.parse(text); return nil } catch { return error.problem }
        }
        #expect(problem("dpo+spt") == "unknown loss 'spt'")
        #expect(problem("dpo+") == "'dpo+' has an empty member; join losses as dpo+sft")
        #expect(problem("dpo+sigmoid") == "'dpo+sigmoid' lists dpo twice; give it one weight")
        #expect(problem("-1*dpo") == "weight '-1' of 'dpo' must be a number in (0, 1000000]")
        #expect(problem("x*dpo") == "weight 'x' of 'dpo' must be a number in (0, 1000000]")
    }

    @Test func aCombinationIsTheWeightedSumOfItsMembers() throws {
        let combined = try config("0.8*dpo+0.2*bco_pair+sft")
        let (value, grads) = combined.lossAndGradients(Self.batch)
        var expected = 0.0
        var dpc = [Double](repeating: 0, count: Self.batch.count), dpr = dpc
        for (kind, w) in [(PreferenceLossKind.dpo, 0.8), (.bcoPair, 0.2), (.sft, 1.0)] {
            let (v, g) = PreferenceLossConfig(kind: kind, beta: 0.1).lossAndGradients(Self.batch)
            expected += w * v
            for i in g.indices { dpc[i] += w * g[i].dpc; dpr[i] += w * g[i].dpr }
        }
        #expect(abs(value - expected) <= 1e-12 * abs(expected))
        for i in grads.indices {
            #expect(abs(grads[i].dpc - dpc[i]) <= 1e-12 && abs(grads[i].dpr - dpr[i]) <= 1e-12)
            // Rewards are the first member's.
            let r = PreferenceLossConfig(kind: .dpo, beta: 0.1).implicitRewards(Self.batch[i])
            #expect(grads[i].rewardChosen == r.chosen && grads[i].rewardRejected == r.rejected)
        }
        #expect(combined.usedParameters == [.beta, .fDivergence])
        #expect(try config("dpop+simpo").usedParameters == [.beta, .lambda, .placement, .gamma])
        #expect(try config("orpo+sft").usesReference == false)
        #expect(try config("simpo+dpo").usesReference == true)
    }

    /// RPO is TRL's [sigmoid, sft] with weights [1, α]; dpop's rpo and sft share the per-pair NLL convention.
    @Test func rpoIsDPOPlusSFT() throws {
        for (beta, alpha) in [(0.1, 1.0), (0.5, 0.7)] {
            let rpo = PreferenceLossConfig(kind: .rpo, beta: beta, alpha: alpha)
            var combined = PreferenceLossConfig(kind: .dpo, beta: beta)
            combined.setMembers([PreferenceLossTerm(.dpo), PreferenceLossTerm(.sft, weight: alpha)])
            let a = rpo.lossAndGradients(Self.batch), b = combined.lossAndGradients(Self.batch)
            #expect(abs(a.loss - b.loss) <= 1e-12 * abs(a.loss))
            for i in Self.batch.indices {
                #expect(abs(a.grads[i].dpc - b.grads[i].dpc) <= 1e-12)
                #expect(abs(a.grads[i].dpr - b.grads[i].dpr) <= 1e-12)
            }
        }
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let step = 1e-6
        for text in ["0.8*dpo+0.2*bco_pair+sft", "dpop+kto_pair", "aot+0.5*simpo", "0.3*ipo+orpo"] {
            GradientCheck.expectPairLossGradientsMatch(try config(text), Self.batch, step: step, label: text)
        }
    }

    @Test func codingKeepsOldConfigsAndRoundTrips() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        // A single loss at default f-divergence writes no new keys, so old cell ids stay.
        let plain = String(decoding: try encoder.encode(PreferenceLossConfig(kind: .dpo)), as: UTF8.self)
        #expect(!plain.contains("combination") && !plain.contains("f_divergence") && !plain.contains("f_alpha"))
        let mpo = try config("0.8*dpo+0.2*bco_pair+sft")
        let data = try encoder.encode(mpo)
        #expect(try JSONDecoder().decode(PreferenceLossConfig.self, from: data) == mpo)
    }

    @Test func validationNamesTheMemberAndTheWeight() throws {
        var c = try config("dpo+robust")
        c.epsilon = 0.7
        #expect(throws: DPOPError.self) { try c.validate() }
        do { try c.validate() } catch {
            #expect("\(error)".contains("loss.epsilon") && "\(error)".contains("robust"))
        }
        var w = try config("dpo+sft")
        w.combination[1].weight = 0
        do { try w.validate(); Issue.record("a zero weight passed") } catch {
            #expect("\(error)".contains("loss.weights"))
        }
    }
}
