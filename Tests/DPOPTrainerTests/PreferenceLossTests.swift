import Foundation
import Testing
@testable import DPOPTrainer

/// Checks every loss kind against closed forms and finite differences, and DPOP's switching behaviour.
@Suite struct PreferenceLossTests {
    // Δw = 1, Δl = −0.5, h = 1.5, ℓ̄w = −2, ℓ̄l = −3.
    let up = PairLogProbs(pc: -10, pr: -12, rc: -11, rr: -11.5, nc: 5, nr: 4)
    // Δw = −2 (the chosen log-prob fell), Δl = −5, h = 3.
    let down = PairLogProbs(pc: -13, pr: -16.5, rc: -11, rr: -11.5, nc: 5, nr: 6)

    func sp(_ x: Double) -> Double { log(1 + exp(x)) }
    func sig(_ x: Double) -> Double { 1 / (1 + exp(-x)) }

    func single(_ c: PreferenceLossConfig, _ p: PairLogProbs) -> PairLossGradient {
        let r = c.lossAndGradients([p])
        #expect(r.loss == r.grads[0].loss)
        return r.grads[0]
    }

    @Test func closedFormValues() {
        let b = 0.1
        let cases: [(PreferenceLossConfig, PairLogProbs, Double)] = [
            (.init(kind: .dpo, beta: b), up, sp(-0.15)),
            (.init(kind: .dpop, beta: b, lambda: 50), up, sp(-0.15)),
            // inside: u = h − λ·2 = 3 − 100 = −97.
            (.init(kind: .dpop, beta: b, lambda: 50, placement: .inside), down, sp(9.7)),
            (.init(kind: .dpop, beta: b, lambda: 50, placement: .outside), down, sp(-0.3) + 100),
            // h̄ = 1/5 − (−0.5)/4 = 0.325; 1/(2β) = 5.
            (.init(kind: .ipo, beta: b), up, (0.325 - 5) * (0.325 - 5)),
            (.init(kind: .cdpo, beta: b, epsilon: 0.2), up, 0.8 * sp(-0.15) + 0.2 * sp(0.15)),
            (.init(kind: .robust, beta: b, epsilon: 0.2), up, (0.8 * sp(-0.15) - 0.2 * sp(0.15)) / 0.6),
            (.init(kind: .hinge, beta: b), up, 1 - 0.15),
            (.init(kind: .hinge, beta: 1), up, 0),
            // u = β(−2 − (−3)) − γ = 0.1 − 0.5.
            (.init(kind: .simpo, beta: b, gamma: 0.5), up, sp(0.4)),
            (.init(kind: .orpo, alpha: 0.5), up,
             2 - 0.5 * log(sig((-2 - log(1 - exp(-2))) - (-3 - log(1 - exp(-3)))))),
            (.init(kind: .rpo, beta: b, alpha: 0.5), up, sp(-0.15) + 0.5 * 2),
            // One pair: z_w = max(0, 1) = 1, z_l = max(0, −0.5) = 0.
            (.init(kind: .ktoPair, beta: b), up, (1 - sig(0.1 * (1 - 0))) + (1 - sig(0.1 * (1 + 0.5)))),
            (.init(kind: .sft), up, 2),
        ]
        for (c, p, expected) in cases {
            let got = single(c, p).loss
            #expect(abs(got - expected) < 1e-12, "\(c.kind) \(c.placement): \(got) vs \(expected)")
        }
        // At h = 0, DPO is log 2 whatever β.
        let tie = PairLogProbs(pc: -5, pr: -5, rc: -5, rr: -5, nc: 3, nr: 3)
        #expect(abs(single(.init(kind: .dpo, beta: 7), tie).loss - 0.6931471805599453) < 1e-15)
        #expect(Set(PreferenceLossKind.allCases.map(\.rawValue)).count == 24)
        #expect(PreferenceLossKind.named("sigmoid") == .dpo && PreferenceLossKind.named("dpo") == .dpo)
        #expect(PreferenceLossKind.named("sigmoidd") == nil)
        #expect(PreferenceLossKind(rawValue: "kto_pair") == .ktoPair)
    }

    @Test func ktoPairUsesBatchMeansAsReferencePoints() {
        let c = PreferenceLossConfig(kind: .ktoPair, beta: 0.5)
        // mean Δw = (1 − 2)/2 < 0 → z_w = 0; mean Δl = (−0.5 − 5)/2 < 0 → z_l = 0.
        let r = c.lossAndGradients([up, down])
        let t1 = (1 - sig(0.5 * 1)) + (1 - sig(0.5 * 0.5))
        let t2 = (1 - sig(0.5 * -2)) + (1 - sig(0.5 * 5))
        #expect(abs(r.loss - (t1 + t2) / 2) < 1e-12)
        // Positive means: z_w = 3, z_l = 1.
        let a = PairLogProbs(pc: 4, pr: 2, rc: 0, rr: 0, nc: 2, nr: 2)
        let b = PairLogProbs(pc: 2, pr: 0, rc: 0, rr: 0, nc: 2, nr: 2)
        let r2 = c.lossAndGradients([a, b])
        let ta = (1 - sig(0.5 * (4 - 1))) + (1 - sig(0.5 * (3 - 2)))
        let tb = (1 - sig(0.5 * (2 - 1))) + (1 - sig(0.5 * (3 - 0)))
        #expect(abs(r2.loss - (ta + tb) / 2) < 1e-12)
    }

    /// Pairs away from every kink (Δw ≠ 0, βh ≠ 1), for finite differences.
    var probes: [PairLogProbs] {
        [up, down,
         PairLogProbs(pc: -3.2, pr: -2.1, rc: -3.0, rr: -2.6, nc: 3, nr: 7),
         PairLogProbs(pc: -40.5, pr: -38.0, rc: -41.0, rr: -39.5, nc: 20, nr: 18),
         PairLogProbs(pc: -0.4, pr: -9.0, rc: -0.9, rr: -8.0, nc: 2, nr: 9)]
    }

    var configs: [PreferenceLossConfig] {
        PreferenceLossKind.allCases.flatMap { k -> [PreferenceLossConfig] in
            switch k {
            case .dpop:
                return [.init(kind: k, beta: 0.3, lambda: 5, placement: .inside),
                        .init(kind: k, beta: 0.3, lambda: 5, placement: .outside)]
            case .cdpo, .robust, .exoPair:
                return [.init(kind: k, beta: 0.3, epsilon: 0.2)]
            case .discopop:
                return [.init(kind: k, beta: 0.3, tau: 0.05), .init(kind: k, beta: 0.3, tau: 1)]
            case .dpoShift:
                return [.init(kind: k, beta: 0.3, shift: 0.6)]
            default:
                return [.init(kind: k, beta: 0.3, alpha: 0.7)]
            }
        }
    }

    @Test func gradientsMatchCentralDifferences() {
        let eps = 1e-6
        for c in configs {
            for p in probes {
                let g = single(c, p)
                func f(_ q: PairLogProbs) -> Double {
                    c.pairTerm(q, ktoChosenReference: 0.4, ktoRejectedReference: 0.2).loss
                }
                // kto_pair's reference points are constants, so differentiate the pair term with them fixed.
                let analytic = c.kind == .ktoPair
                    ? c.pairTerm(p, ktoChosenReference: 0.4, ktoRejectedReference: 0.2) : g
                var a = p, b = p
                a.pc += eps; b.pc -= eps
                let fdc = c.kind == .ktoPair ? (f(a) - f(b)) / (2 * eps) : (single(c, a).loss - single(c, b).loss) / (2 * eps)
                a = p; b = p
                a.pr += eps; b.pr -= eps
                let fdr = c.kind == .ktoPair ? (f(a) - f(b)) / (2 * eps) : (single(c, a).loss - single(c, b).loss) / (2 * eps)
                let tol = 1e-6 * max(1, abs(fdc), abs(fdr))
                #expect(abs(analytic.dpc - fdc) < tol, "\(c.kind) \(c.placement) dpc \(analytic.dpc) vs \(fdc) at \(p)")
                #expect(abs(analytic.dpr - fdr) < tol, "\(c.kind) \(c.placement) dpr \(analytic.dpr) vs \(fdr) at \(p)")
            }
        }
    }

    @Test func batchGradientsCarryTheMean() {
        let c = PreferenceLossConfig(kind: .dpo, beta: 0.2)
        let batch = c.lossAndGradients(probes)
        let eps = 1e-6
        for i in probes.indices {
            var a = probes, b = probes
            a[i].pc += eps; b[i].pc -= eps
            let fd = (c.lossAndGradients(a).loss - c.lossAndGradients(b).loss) / (2 * eps)
            #expect(abs(batch.grads[i].dpc - fd) < 1e-8)
        }
        let mean = probes.map { single(c, $0).loss }.reduce(0, +) / Double(probes.count)
        #expect(abs(batch.loss - mean) < 1e-12)
        #expect(c.lossAndGradients([]).loss == 0)
    }

    @Test func dpopPenaltySwitchesOnExactlyWhenChosenFalls() {
        let dpo = PreferenceLossConfig(kind: .dpo, beta: 0.1)
        for placement in [DPOPPlacement.inside, .outside] {
            let dpop = PreferenceLossConfig(kind: .dpop, beta: 0.1, lambda: 50, placement: placement)
            for dw in [3.0, 0.5, 1e-9, 0.0, -1e-9, -0.5, -3.0] {
                let p = PairLogProbs(pc: -10 + dw, pr: -14, rc: -10, rr: -12, nc: 4, nr: 4)
                let a = single(dpo, p)
                let b = single(dpop, p)
                if dw >= 0 {
                    #expect(a == PairLossGradient(loss: b.loss, dpc: b.dpc, dpr: b.dpr,
                                                  rewardChosen: a.rewardChosen, rewardRejected: a.rewardRejected))
                    #expect(b.rewardChosen == a.rewardChosen)
                } else {
                    #expect(b.loss > a.loss, "\(placement) Δw=\(dw)")
                    #expect(b.dpc < a.dpc, "\(placement) Δw=\(dw): the penalty must push pc up")
                    #expect(b.rewardChosen < a.rewardChosen)
                }
            }
        }
        // Chosen reward: β(Δw − λ·max(0, −Δw)) = 0.1 · (−2 − 50·2).
        let r = PreferenceLossConfig(kind: .dpop, beta: 0.1, lambda: 50).implicitRewards(down)
        #expect(abs(r.chosen - (-10.2)) < 1e-12)
        #expect(abs(r.rejected - (-0.5)) < 1e-12)
    }

    @Test func insideAndOutsideDifferOnlyWhenChosenFalls() {
        let inside = PreferenceLossConfig(kind: .dpop, beta: 0.1, lambda: 50, placement: .inside)
        let outside = PreferenceLossConfig(kind: .dpop, beta: 0.1, lambda: 50, placement: .outside)
        let i = single(inside, down), o = single(outside, down)
        #expect(i.loss != o.loss)
        #expect(i.dpc != o.dpc)
        #expect(i.dpr != o.dpr)
        #expect(single(inside, up) == single(outside, up))
    }

    @Test func stableAtHugeMargins() {
        for c in configs {
            for h in [1e4, -1e4, 1e6, -1e6] {
                let p = PairLogProbs(pc: -1 + h / 2, pr: -1 - h / 2, rc: -1, rr: -1, nc: 10, nr: 10)
                let q = PairLogProbs(pc: -3e4, pr: -1e-3, rc: -2, rr: -2, nc: 10, nr: 10)
                for x in [p, q] {
                    let r = c.lossAndGradients([x, up])
                    #expect(r.loss.isFinite, "\(c.kind) h=\(h)")
                    for g in r.grads {
                        #expect(g.dpc.isFinite && g.dpr.isFinite && g.loss.isFinite, "\(c.kind) h=\(h)")
                    }
                }
            }
        }
        // Far on the right side DPO's loss is ~0 and far on the wrong side ~β|h|, not inf.
        let dpo = PreferenceLossConfig(kind: .dpo, beta: 1)
        let right = PairLogProbs(pc: 1e4, pr: 0, rc: 0, rr: 0, nc: 1, nr: 1)
        let wrong = PairLogProbs(pc: -1e4, pr: 0, rc: 0, rr: 0, nc: 1, nr: 1)
        #expect(single(dpo, right).loss == 0)
        #expect(single(dpo, wrong).loss == 1e4)
        #expect(single(dpo, wrong).dpc == -1)
        // ORPO at a per-token log-prob of exactly 0 (probability one after rounding) stays finite.
        let sure = PairLogProbs(pc: 0, pr: -1, rc: 0, rr: 0, nc: 4, nr: 4)
        let o = single(.init(kind: .orpo), sure)
        #expect(o.loss.isFinite && o.dpc.isFinite && o.dpr.isFinite)
    }

    @Test func validationRejectsOutOfRangeParameters() {
        let bad: [(PreferenceLossConfig, String)] = [
            (.init(kind: .dpo, beta: 0), "beta"),
            (.init(kind: .dpo, beta: -1), "beta"),
            (.init(kind: .dpo, beta: .nan), "beta"),
            (.init(kind: .dpop, lambda: -1), "lambda"),
            (.init(kind: .robust, epsilon: 0.5), "epsilon"),
            (.init(kind: .robust, epsilon: -0.1), "epsilon"),
            (.init(kind: .cdpo, epsilon: 1.1), "epsilon"),
            (.init(kind: .simpo, gamma: -1), "gamma"),
            (.init(kind: .orpo, alpha: .infinity), "alpha"),
            (.init(kind: .rpo, alpha: -0.5), "alpha"),
            (.init(kind: .exoPair, epsilon: 0), "epsilon"),
            (.init(kind: .exoPair, epsilon: 1), "epsilon"),
            (.init(kind: .discopop, tau: 0), "tau"),
            (.init(kind: .discopop, tau: 1.5), "tau"),
            (.init(kind: .discopop, tau: .nan), "tau"),
            (.init(kind: .dpoShift, shift: -0.1), "shift"),
            (.init(kind: .dpoShift, shift: 1.01), "shift"),
            (.init(kind: .calDPO, beta: 0), "beta"),
        ]
        for (c, name) in bad {
            do {
                try c.validate()
                Issue.record("\(c) should be invalid")
            } catch let e as DPOPError {
                // The error names the setting as a spec spells it; a rule that depends on the kind names the kind.
                guard case .invalidSetting(let m) = e else { Issue.record("wrong case \(e)"); continue }
                #expect(m.setting == "loss.\(name)", "\(m)")
                if name == "epsilon" { #expect(m.description.contains(c.kind.rawValue) && m.related == ["loss.type"], "\(m)") }
            } catch {
                Issue.record("unexpected \(error)")
            }
        }
        // Parameters a kind does not read are not checked, and the defaults are valid for every kind.
        #expect(throws: Never.self) { try PreferenceLossConfig(kind: .sft, beta: -1).validate() }
        #expect(throws: Never.self) { try PreferenceLossConfig(kind: .cdpo, epsilon: 1).validate() }
        #expect(throws: Never.self) { try PreferenceLossConfig(kind: .dpo, tau: -1, shift: 7).validate() }
        #expect(throws: Never.self) { try PreferenceLossConfig(kind: .discopop, tau: 1).validate() }
        for k in PreferenceLossKind.allCases {
            #expect(throws: Never.self) { try PreferenceLossConfig(kind: k).validate() }
        }
    }

    @Test func encodingAtTheDefaultsIsUnchangedByTauAndShift() throws {
        // The bytes every cell id before τ and λ_s hashed; a loss at their defaults must still encode to them.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let text = String(decoding: try encoder.encode(PreferenceLossConfig(kind: .dpop)), as: UTF8.self)
        #expect(text == #"{"alpha":1,"beta":0.1,"epsilon":0.1,"gamma":0.5,"kind":"dpop","lambda":50,"placement":"inside"}"#)
        let shifted = PreferenceLossConfig(kind: .dpoShift, shift: 0.5)
        #expect(try JSONDecoder().decode(PreferenceLossConfig.self, from: encoder.encode(shifted)) == shifted)
        // sigmoid decodes as dpo (TRL's name for it); an unknown name is an error naming the losses.
        #expect(try JSONDecoder().decode(PreferenceLossConfig.self, from: Data(#"{"kind":"sigmoid"}"#.utf8)).kind == .dpo)
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PreferenceLossConfig.self, from: Data(#"{"kind":"sigmod"}"#.utf8)) }
    }

    @Test func aotSortsAcrossTheBatch() {
        let aot = PreferenceLossConfig(kind: .aot, beta: 0.3)
        let unpaired = PreferenceLossConfig(kind: .aotUnpaired, beta: 0.3)
        let dpo = PreferenceLossConfig(kind: .dpo, beta: 0.3)
        // Alone a pair sorts to itself: both are DPO.
        #expect(single(aot, up) == single(dpo, up) && single(unpaired, down) == single(dpo, down))
        // In a batch, aot compares the k-th smallest policy log-ratio with the k-th smallest reference one.
        let batch = [up, down]  // pc − pr: 2, 3.5; rc − rr: 0.5, 0.5
        let r = aot.lossAndGradients(batch)
        #expect(abs(r.loss - (sp(-0.3 * (2 - 0.5)) + sp(-0.3 * (3.5 - 0.5))) / 2) < 1e-12)
        // Swapping which pair has which reference log-ratios does not change aot (it compares distributions) …
        let a = PairLogProbs(pc: -1, pr: -4, rc: 0, rr: -1, nc: 2, nr: 2)   // x = 3, y = 1
        let b = PairLogProbs(pc: -2, pr: -3, rc: 0, rr: -2, nc: 2, nr: 2)   // x = 1, y = 2
        let a2 = PairLogProbs(pc: -1, pr: -4, rc: 0, rr: -2, nc: 2, nr: 2)  // x = 3, y = 2
        let b2 = PairLogProbs(pc: -2, pr: -3, rc: 0, rr: -1, nc: 2, nr: 2)  // x = 1, y = 1
        #expect(abs(aot.lossAndGradients([a, b]).loss - aot.lossAndGradients([a2, b2]).loss) < 1e-15)
        // … but does change DPO, which compares each pair with its own reference.
        #expect(abs(dpo.lossAndGradients([a, b]).loss - dpo.lossAndGradients([a2, b2]).loss) > 1e-3)
        // aot_unpaired pairs the k-th smallest Δw with the k-th smallest Δl: with Δw = (3, −1) and Δl = (−2, 0),
        // rank 0 is Δw of pair 1 against Δl of pair 0, so pair 0's dpr comes from pair 1's chosen side.
        let c = PairLogProbs(pc: 3, pr: -2, rc: 0, rr: 0, nc: 1, nr: 1)
        let d = PairLogProbs(pc: -1, pr: 0, rc: 0, rr: 0, nc: 1, nr: 1)
        let u = unpaired.lossAndGradients([c, d])
        let g0 = -0.3 * sig(-0.3 * (-1 - -2)) / 2, g1 = -0.3 * sig(-0.3 * (3 - 0)) / 2
        #expect(abs(u.grads[1].dpc - g0) < 1e-15 && abs(u.grads[0].dpr + g0) < 1e-15)
        #expect(abs(u.grads[0].dpc - g1) < 1e-15 && abs(u.grads[1].dpr + g1) < 1e-15)
    }

    @Test func usedParametersAndCoding() throws {
        #expect(PreferenceLossConfig(kind: .dpop).usedParameters == [.beta, .lambda, .placement])
        #expect(PreferenceLossKind.sft.usedParameters.isEmpty)
        #expect(!PreferenceLossKind.simpo.usesReference && PreferenceLossKind.dpo.usesReference)
        let decoded = try JSONDecoder().decode(
            PreferenceLossConfig.self, from: Data(#"{"kind":"kto_pair","beta":0.3}"#.utf8))
        #expect(decoded == PreferenceLossConfig(kind: .ktoPair, beta: 0.3))
        let c = PreferenceLossConfig(kind: .dpop, beta: 0.2, lambda: 5, placement: .outside)
        #expect(try JSONDecoder().decode(PreferenceLossConfig.self, from: JSONEncoder().encode(c)) == c)
    }
}
