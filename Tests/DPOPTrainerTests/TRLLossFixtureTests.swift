import Foundation
import Testing
@testable import DPOPTrainer

/// Every loss against `Fixtures/trl_losses.json` (`scripts/make_trl_loss_fixture.py`): TRL's own
/// `DPOTrainer._compute_loss` for the losses TRL has, PyTorch autograd of the paper's formula for the rest.
/// Values match to 1e-6 relative; gradients match the fixture and central finite differences.
@Suite struct TRLLossFixtureTests {
    struct Pair: Decodable { let pc, pr, rc, rr: Double; let nc, nr: Int }
    struct Case: Decodable {
        let name, loss, source, batch: String
        let params: [String: ParameterValue]
        let value: Double
        let dpc, dpr: [Double]
        /// Relative tolerance of an option case (1e-5 where TRL computes in float32).
        let tolerance: Double?
        /// `ld_alpha` cases: TRL's gradient at each completion's last token (α·dpc where it is in the tail).
        let dpc_last_token: [Double]?
        let dpr_last_token: [Double]?
    }
    /// A parameter is a number or, for `placement`, a word.
    enum ParameterValue: Decodable {
        case number(Double), word(String)
        init(from decoder: Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let d = try? c.decode(Double.self) { self = .number(d) } else { self = .word(try c.decode(String.self)) }
        }
        var number: Double? { if case .number(let d) = self { return d }; return nil }
        var word: String? { if case .word(let w) = self { return w }; return nil }
    }
    struct Fixture: Decodable {
        let trl_version: String
        let batches: [String: [Pair]]
        let cases: [Case]
        let trl_conventions: [Case]
        /// TRL's f-divergences and weighted combinations (MPO), from TRL's own code.
        let option_cases: [Case]
    }

    static let fixture: Fixture = {
        let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil)!
        let data = try! Data(contentsOf: dir.appendingPathComponent("trl_losses.json"))
        return try! JSONDecoder().decode(Fixture.self, from: data)
    }()

    func pairs(_ name: String) -> [PairLogProbs] {
        Self.fixture.batches[name]!.map { PairLogProbs(pc: $0.pc, pr: $0.pr, rc: $0.rc, rr: $0.rr, nc: $0.nc, nr: $0.nr) }
    }

    func config(_ c: Case) -> PreferenceLossConfig {
        var config = PreferenceLossConfig(kind: .dpo)
        config.setMembers(try! PreferenceLossTerm.parse(c.loss))
        for (key, value) in c.params {
            switch key {
            case "beta": config.beta = value.number!
            case "lambda": config.lambda = value.number!
            case "placement": config.placement = DPOPPlacement(rawValue: value.word!)!
            case "epsilon": config.epsilon = value.number!
            case "gamma": config.gamma = value.number!
            case "alpha": config.alpha = value.number!
            case "tau": config.tau = value.number!
            case "shift": config.shift = value.number!
            case "f_divergence": config.fDivergence = FDivergence(rawValue: value.word!)!
            case "f_alpha_divergence_coef": config.fAlphaDivergenceCoef = value.number!
            case "ld_alpha": config.ldAlpha = value.number!
            default: Issue.record("\(c.name): unknown parameter \(key)")
            }
        }
        return config
    }

    static func close(_ a: Double, _ b: Double, relative: Double, absolute: Double = 1e-12) -> Bool {
        abs(a - b) <= max(absolute, relative * max(abs(a), abs(b)))
    }

    @Test func everyLossHasAFixtureCase() {
        let covered = Set(Self.fixture.cases.map(\.loss))
        for kind in PreferenceLossKind.allCases {
            #expect(covered.contains(kind.rawValue), "\(kind.rawValue) has no case in trl_losses.json")
        }
        // TRL's own code produced the cases of every loss TRL has.
        let fromTRL = Set(Self.fixture.cases.filter { $0.source.hasPrefix("trl ") }.map(\.loss))
        #expect(fromTRL == ["dpo", "robust", "hinge", "ipo", "exo_pair", "nca_pair", "bco_pair", "sppo_hard",
                            "aot", "aot_unpaired", "apo_zero", "apo_down", "discopop", "sigmoid_norm"])
    }

    @Test func valuesAndGradientsMatchTheFixture() throws {
        for c in Self.fixture.cases {
            let batch = pairs(c.batch)
            let config = config(c)
            try config.validate()
            let (loss, grads) = config.lossAndGradients(batch)
            #expect(Self.close(loss, c.value, relative: 1e-6), "\(c.name): loss \(loss) vs \(c.value) (\(c.source))")
            // Where βh is far out (e^{-32} slopes), autograd through TRL's direct form of exo_pair loses digits
            // to cancellation (about 1e-16 absolute; mpmath agrees with dpop's closed form to 15 digits), so
            // gradients below 1e-15 are compared absolutely.
            for i in batch.indices {
                #expect(Self.close(grads[i].dpc, c.dpc[i], relative: 1e-6, absolute: 1e-15),
                        "\(c.name): dpc[\(i)] \(grads[i].dpc) vs \(c.dpc[i])")
                #expect(Self.close(grads[i].dpr, c.dpr[i], relative: 1e-6, absolute: 1e-15),
                        "\(c.name): dpr[\(i)] \(grads[i].dpr) vs \(c.dpr[i])")
            }
        }
    }

    @Test func gradientsMatchFiniteDifferencesOnTheFixtureBatches() {
        let step = 1e-5
        for c in Self.fixture.cases {
            let batch = pairs(c.batch)
            GradientCheck.expectPairLossGradientsMatch(config(c), batch, step: step, label: c.name)
        }
    }

    /// f-divergences on every loss TRL allows them for, and MPO's weighted combination, against TRL's code;
    /// gradients also against finite differences.
    @Test func optionsAndCombinationsMatchTRL() throws {
        let cases = Self.fixture.option_cases
        #expect(Set(cases.compactMap { $0.params["f_divergence"]?.word }) == ["forward_kl", "js_divergence", "alpha_divergence"])
        #expect(cases.contains { $0.loss == "0.8*dpo+0.2*bco_pair+1.0*sft" })
        // Every loss that reads the f-divergence and that TRL has is covered.
        let reshaped = Set(cases.filter { $0.params["f_divergence"] != nil }.map(\.loss))
        #expect(reshaped == Set(PreferenceLossKind.allCases.filter { $0.usedParameters.contains(.fDivergence) }.map(\.rawValue)).subtracting(["cdpo"]))
        #expect(cases.contains { $0.params["ld_alpha"] != nil })
        let step = 1e-5
        for c in cases {
            let config = config(c)
            let batch = pairs(c.batch).map { p in
                // The fixture splits each completion's log-prob evenly over its tokens (the last takes the rest).
                let shared = min(p.nc, p.nr)
                return config.ldWeighted(p, chosenTail: Self.evenTail(p.pc, p.nc, from: shared),
                                         rejectedTail: Self.evenTail(p.pr, p.nr, from: shared),
                                         referenceChosenTail: Self.evenTail(p.rc, p.nc, from: shared),
                                         referenceRejectedTail: Self.evenTail(p.rr, p.nr, from: shared))
            }
            try config.validate()
            let tolerance = c.tolerance ?? 1e-6
            let (loss, grads) = config.lossAndGradients(batch)
            #expect(Self.close(loss, c.value, relative: tolerance), "\(c.name): loss \(loss) vs \(c.value) (\(c.source))")
            for i in batch.indices {
                #expect(Self.close(grads[i].dpc, c.dpc[i], relative: tolerance, absolute: tolerance * 1e-3),
                        "\(c.name): dpc[\(i)] \(grads[i].dpc) vs \(c.dpc[i])")
                #expect(Self.close(grads[i].dpr, c.dpr[i], relative: tolerance, absolute: tolerance * 1e-3),
                        "\(c.name): dpr[\(i)] \(grads[i].dpr) vs \(c.dpr[i])")
                // A token beyond the shared length gets α times the sequence's gradient (the trainer's mask weight).
                if let lastC = c.dpc_last_token, let lastR = c.dpr_last_token {
                    let shared = min(batch[i].nc, batch[i].nr)
                    let wc = batch[i].nc > shared ? config.ldAlpha : 1, wr = batch[i].nr > shared ? config.ldAlpha : 1
                    #expect(Self.close(wc * grads[i].dpc, lastC[i], relative: tolerance, absolute: 1e-15), "\(c.name): last chosen token")
                    #expect(Self.close(wr * grads[i].dpr, lastR[i], relative: tolerance, absolute: 1e-15), "\(c.name): last rejected token")
                }
            }
            GradientCheck.expectPairLossGradientsMatch(config, batch, step: step, label: c.name)
        }
    }

    /// The tail (tokens from `from` on) of a log-prob `total` split as the fixture splits it.
    static func evenTail(_ total: Double, _ n: Int, from: Int) -> Double {
        let share = total / Double(n)
        let tokens = Array(repeating: share, count: n - 1) + [total - share * Double(n - 1)]
        return tokens[from...].reduce(0, +)
    }

    /// The conventions the README states where dpop differs from TRL, checked against TRL's numbers.
    @Test func statedDifferencesFromTRLHold() {
        for c in Self.fixture.trl_conventions {
            let batch = pairs(c.batch)
            let config = config(c)
            let ours = config.lossAndGradients(batch).loss
            let tokenMeanNLL = -batch.map(\.pc).reduce(0, +) / Double(batch.map(\.nc).reduce(0, +))
            switch c.loss {
            case "kto_pair":
                // Brackets summed per pair, not averaged over 2N: exactly twice TRL's value.
                #expect(Self.close(ours, 2 * c.value, relative: 1e-9), "\(c.name): \(ours) vs 2 × \(c.value)")
            case "sft":
                // TRL: one token mean over the batch; dpop: the mean of per-pair token means.
                #expect(Self.close(c.value, tokenMeanNLL, relative: 1e-9), "\(c.name): TRL \(c.value) vs \(tokenMeanNLL)")
                #expect(!Self.close(ours, c.value, relative: 1e-3), "\(c.name): the fixture batch should show the difference")
            case "rpo":
                let dpo = PreferenceLossConfig(kind: .dpo, beta: config.beta).lossAndGradients(batch).loss
                #expect(Self.close(c.value, dpo + config.alpha * tokenMeanNLL, relative: 1e-9), "\(c.name)")
                #expect(!Self.close(ours, c.value, relative: 1e-3), "\(c.name)")
            default:
                Issue.record("unexpected convention case \(c.name)")
            }
        }
        #expect(Self.fixture.trl_conventions.count == 6)
    }
}
