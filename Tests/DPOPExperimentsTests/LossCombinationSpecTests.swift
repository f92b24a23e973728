import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// Loss combinations and the f-divergence in specs: forms, labels, ids, and errors at file:line:col.
@Suite struct LossCombinationSpecTests {
    private func located(_ yaml: String) -> [String] {
        SpecFixtures.diagnostics(yaml).map { "\($0.line):\($0.column) \($0.message)" }
    }

    @Test func everyFormOfACombinationIsOneValueOfTheLossAxis() throws {
        let spec = try SpecFixtures.parse("""
        name: x
        grid:
          loss: [dpo, dpo+sft, "0.8*dpo+0.2*bco_pair+sft", [dpop, sft], {type: [simpo, sft], weights: [1, 0.5]}]
        """)
        let cells = spec.cells()
        #expect(cells.map { $0.value(of: "loss")! } == ["dpo", "dpo+sft", "0.8·dpo+0.2·bco_pair+sft", "dpop+sft", "simpo+0.5·sft"])
        #expect(cells.map(\.config.loss.name) == cells.map { $0.value(of: "loss")! })
        #expect(cells[2].config.loss.members == [PreferenceLossTerm(.dpo, weight: 0.8), PreferenceLossTerm(.bcoPair, weight: 0.2),
                                                PreferenceLossTerm(.sft)])
        // λ applies to the cell whose combination has dpop, and nowhere else.
        #expect(cells[3].config.loss.usedParameters.contains(.lambda))
    }

    @Test func theLossSectionTakesTypeAndWeights() throws {
        let spec = try SpecFixtures.parse("name: x\nloss: {type: [dpo, bco_pair, sft], weights: [0.8, 0.2, 1.0]}\n")
        #expect(spec.cells()[0].config.loss.name == "0.8·dpo+0.2·bco_pair+sft")
        // The same combination written as text has the same cell id.
        let text = try SpecFixtures.parse("name: x\nloss: {type: \"0.8*dpo+0.2*bco_pair+sft\"}\n")
        #expect(text.cells()[0].id == spec.cells()[0].id)
    }

    @Test func aSingleLossKeepsItsCellId() throws {
        // A one-member list of weight 1 is the loss itself: same config, same id as before combinations existed.
        let plain = try SpecFixtures.parse("name: x\nloss: {type: dpo}\n").cells()[0]
        let listed = try SpecFixtures.parse("name: x\nloss: {type: [dpo]}\n").cells()[0]
        #expect(plain.id == listed.id)
        #expect(plain.config.loss.combination.isEmpty)
    }

    @Test func errorsPointAtTheOffendingPart() {
        #expect(located("name: x\nloss: {type: [dpo, sft], weights: [1]}\n")
                == ["2:35 loss.type: 2 losses but 1 weights"])
        #expect(located("name: x\nloss: {type: [dpo, spft]}\n") == ["2:20 loss.type: unknown loss 'spft' in the combination"])
        #expect(located("name: x\nloss: {type: [dpo, dpo+sft]}\n")
                == ["2:20 loss.type: member 'dpo+sft' is itself a combination; nested combinations are not allowed"])
        #expect(located("name: x\ngrid: {loss: [[dpo, [sft, ipo]]]}\n")
                == ["2:21 grid axis 'loss': a combination's member must be one loss name; nested combinations are not allowed, got a list"])
        #expect(located("name: x\nloss: {type: [dpo, sft], weights: [1, -2]}\n")
                == ["2:39 loss.type: weight '-2' must be a number in (0, 1000000]"])
        #expect(located("name: x\nloss: {type: dpo, weights: [1]}\n")
                == ["2:19 loss.weights needs loss.type to be a list of losses to weigh"])
        #expect(located("name: x\ngrid: {loss: [dpo+spt]}\n") == ["2:15 unknown loss 'spt'"])
        #expect(located("name: x\ngrid: {loss: [{type: [dpo], wieghts: [1]}]}\n")
                == ["2:29 unknown key 'wieghts' in the loss combination of grid axis 'loss'"])
    }

    @Test func ldAlphaAppliesToEveryLoss() throws {
        let spec = try SpecFixtures.parse("name: x\ngrid: {loss: [dpo, simpo, dpo+sft], ld_alpha: [1, 0.5]}\n")
        let cells = spec.cells()
        #expect(cells.count == 6)
        #expect(cells.map { $0.value(of: "ld_alpha")! } == ["1", "0.5", "1", "0.5", "1", "0.5"])
        #expect(cells.map(\.config.loss.ldAlpha) == [1, 0.5, 1, 0.5, 1, 0.5])
        // At 1 (no weighting) it is left out of the saved config: the id is the plain loss's.
        #expect(cells[0].id == (try SpecFixtures.parse("name: x\nloss: {type: dpo}\n").cells()[0].id))
        #expect(located("name: x\nloss: {ld_alpha: 1.5}\n") == ["2:18 loss.ld_alpha must be in [0, 1], got 1.5"])
    }

    @Test func shiftEndSchedulesDPOShiftOnly() throws {
        let cells = try SpecFixtures.parse("name: x\ngrid: {loss: [dpo, dpo_shift], shift_end: [0.8, 1]}\n").cells()
        #expect(cells.map(\.config.loss.shiftEnd) == [nil, 0.8, 1])
        #expect(cells.map { $0.value(of: "shift_end")! } == ["-", "0.8", "1"])
        // Not given, λ_s is fixed and the config (and the id) is what it was.
        let plain = try SpecFixtures.parse("name: x\nloss: {type: dpo_shift}\n").cells()[0]
        #expect(plain.config.loss.shiftEnd == nil)
    }

    @Test func fDivergenceIsAnAxisThatAppliesWhereTheLossReadsIt() throws {
        let spec = try SpecFixtures.parse("""
        name: x
        grid:
          loss: [dpo, dpop]
          f_divergence: [reverse_kl, js_divergence, alpha_divergence]
          f_alpha_divergence_coef: {values: [0.3, 0.7], when: {f_divergence: alpha_divergence}}
        """)
        // dpo: 4 divergence settings (α-divergence at two α); dpop ignores the divergence: 1 cell.
        let cells = spec.cells()
        #expect(cells.count == 5)
        #expect(cells.filter { $0.config.loss.kind == .dpop }.map { $0.value(of: "f_divergence")! } == ["-"])
        #expect(cells.filter { $0.config.loss.kind == .dpo }.map { $0.value(of: "f_alpha_divergence_coef")! } == ["-", "-", "0.3", "0.7"])
        #expect(located("name: x\nloss: {type: dpo, f_divergence: kl}\n").first?.hasPrefix("2:33 loss.f_divergence must be") == true)
        #expect(located("name: x\nloss: {type: dpo, f_divergence: alpha_divergence, f_alpha_divergence_coef: 3}\n")
                == ["2:76 loss.f_alpha_divergence_coef must be in [0, 1], got 3"])
        // At its default the divergence is left out of the saved config, so existing cell ids stay.
        let plain = try SpecFixtures.parse("name: x\nloss: {type: dpo}\n").cells()[0]
        let explicit = try SpecFixtures.parse("name: x\nloss: {type: dpo, f_divergence: reverse_kl}\n").cells()[0]
        #expect(plain.id == explicit.id)
    }
}
