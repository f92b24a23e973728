import Foundation
import Testing
@testable import DPOPTrainer

/// DPO-Shift's λ_s linear in the step: `shift` at step 0, `shift_end` at the last, fixed without `shift_end`.
@Suite struct DPOShiftScheduleTests {
    @Test func lambdaMovesLinearlyFromShiftToShiftEnd() throws {
        let c = PreferenceLossConfig(kind: .dpoShift, shift: 0.5, shiftEnd: 0.9)
        try c.validate()
        #expect(c.scheduled(progress: 0).shift == 0.5)
        #expect(abs(c.scheduled(progress: 0.5).shift - 0.7) < 1e-15)
        #expect(c.scheduled(progress: 1).shift == 0.9)
        // Without an end, and for other losses, the schedule changes nothing.
        #expect(PreferenceLossConfig(kind: .dpoShift, shift: 0.5).scheduled(progress: 0.7) == PreferenceLossConfig(kind: .dpoShift, shift: 0.5))
        let dpo = PreferenceLossConfig(kind: .dpo, shiftEnd: 0.9)
        #expect(dpo.scheduled(progress: 0.7) == dpo)
        // In a combination, the dpo_shift member follows the schedule.
        var combined = PreferenceLossConfig(kind: .dpo, shift: 0.5, shiftEnd: 1)
        combined.setMembers([PreferenceLossTerm(.dpoShift), PreferenceLossTerm(.sft)])
        #expect(combined.scheduled(progress: 1).shift == 1)
    }

    @Test func theScheduledLossIsDPOShiftAtThatLambda() {
        let batch = LossCombinationTests.batch
        let c = PreferenceLossConfig(kind: .dpoShift, beta: 0.3, shift: 0.6, shiftEnd: 1)
        let atEnd = c.scheduled(progress: 1).lossAndGradients(batch)
        // λ_s = 1 is DPO.
        let dpo = PreferenceLossConfig(kind: .dpo, beta: 0.3).lossAndGradients(batch)
        #expect(abs(atEnd.loss - dpo.loss) < 1e-12)
    }

    @Test func validationAndCoding() throws {
        do { try PreferenceLossConfig(kind: .dpoShift, shiftEnd: 1.5).validate(); Issue.record("1.5 passed") } catch {
            #expect("\(error)".contains("loss.shift_end must be in [0, 1], got 1.5"))
        }
        let encoder = JSONEncoder()
        #expect(!String(decoding: try encoder.encode(PreferenceLossConfig(kind: .dpoShift)), as: UTF8.self).contains("shift_end"))
        let scheduled = PreferenceLossConfig(kind: .dpoShift, shiftEnd: 0.95)
        #expect(try JSONDecoder().decode(PreferenceLossConfig.self, from: try encoder.encode(scheduled)) == scheduled)
    }

    @Test func aScheduledRunDiffersFromAFixedOne() throws {
        let pairs = try PreferenceTrainingTests.pairs(32, mix: "resample")
        func run(_ end: Double?) throws -> [EvalRecord] {
            let config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpoShift, beta: 0.5, shift: 0.5, shiftEnd: end), steps: 4)
            return try PreferenceRun(config: config, pairs: pairs, answerCheck: nil).run(reference: try PreferenceTrainingTests.model(seed: 9))
        }
        let fixed = try run(nil), scheduled = try run(1)
        // Step 0 is the same (λ_s = 0.5 at progress 0); the final eval uses λ_s = 1.
        #expect(fixed.first!.eval.loss == scheduled.first!.eval.loss)
        #expect(fixed.last!.eval.loss != scheduled.last!.eval.loss)
    }
}
