import DPOPTrainer
import Testing
@testable import DPOPExperiments

/// Values that overflow a 32-bit float or the machine's memory are refused at the spec node that sets them
/// (issue 18: they used to crash `validate`, `plan` and `run`, or pass and crash every cell).
@Suite struct SettingLimitsTests {
    private func located(_ yaml: String) -> [String] {
        SpecFixtures.diagnostics(yaml).map { "\($0.line):\($0.column) \($0.message)" }
    }

    @Test(arguments: [
        ("train: {lr: 1e39}", "2:13 train.lr must be a finite 32-bit float in (0, 1], got 1e39"),
        ("sft: {lr: 4e38}", "2:11 sft.lr must be a finite 32-bit float in (0, 1], got 4e38"),
        ("train: {lr: 1e308}", "2:13 train.lr must be a finite 32-bit float in (0, 1], got 1e308"),
        ("sft: {lr: 1e-50}", "2:11 sft.lr must be a finite 32-bit float in (0, 1], got 1e-50"),
        ("loss: {beta: 1e308}", "2:14 loss.beta must be in (0, 1000000], got 1e308"),
        ("grid: {train.lr: [1e-4, 1e39]}", "2:25 grid axis 'train.lr' must be a finite 32-bit float in (0, 1], got 1e39"),
        ("sft: {weight_decay: 1e39}", "2:21 sft.weight_decay must be a finite 32-bit float in [0, 100], got 1e39"),
    ])
    func numbersAFloatCannotHoldAreRefusedWhereWritten(setting: String, expected: String) {
        #expect(located("name: x\n\(setting)\n") == [expected])
    }

    @Test(arguments: [
        ("model: {embedding: 4611686018427387904, heads: 1}", "2:20", "model.embedding 4611686018427387904: the run needs more than 8 EiB"),
        ("model: {layers: 1000000000}", "2:17", "model.layers 1000000000: the run needs"),
        ("model: {context: 100000000}", "2:18", "model.context 100000000: the run needs"),
        ("sft: {batch: 100000000}", "2:14", "sft.batch 100000000: the run needs"),
        ("train: {batch: 100000000}", "2:16", "train.batch 100000000: the run needs"),
        ("data: {task: arith, pairs: 1000000000000000}", "2:28", "data.pairs 1000000000000000: the run needs"),
    ])
    func oversizedSettingsAreRefusedWithTheMemoryFigure(setting: String, at: String, start: String) throws {
        let found = located("name: x\n\(setting)\n")
        try #require(found.count == 1, "\(found)")
        #expect(found[0].hasPrefix("\(at) \(start)"), "\(found[0])")
        #expect(found[0].contains("; this machine has "), "\(found[0])")
    }

    @Test func theMemoryPlanBlamesTheAxisThatVaries() throws {
        let found = located("name: x\ngrid:\n  sft.batch: [16, 100000000]\n")
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("3:19 sft.batch 100000000: the run needs") == true, "\(found)")
    }

    @Test func aNameTooLongForAFileNameIsRefused() {
        let name = String(repeating: "n", count: 201)
        #expect(located("name: \(name)\n").first?.hasPrefix("1:7 name is 201 characters long") == true)
    }
}
