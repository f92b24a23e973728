import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

@Suite struct SpecTests {
    /// (line, column, message) of each diagnostic, for exact comparisons.
    private func located(_ yaml: String) -> [String] {
        SpecFixtures.diagnostics(yaml).map { "\($0.line):\($0.column) \($0.message)" }
    }

    @Test func exampleParses() throws {
        let spec = try SpecFixtures.parse(SpecFixtures.example)
        #expect(spec.name == "edit-distance")
        #expect(spec.description == "DPO vs DPOP across edit-distance buckets")
        #expect(spec.file == "test.yaml")
        #expect(spec.text == SpecFixtures.example)
        #expect(spec.axes == ["seed", "loss", "beta", "lambda", "bucket", "train.lr"])
        let cell = spec.cells()[0]
        #expect(cell.config.data == ExperimentDataSpec(
            task: "arith", path: nil, pairs: 4000, corruption: "step:0.5,propagate:0.25,resample:0.25", steps: 2,
            maxNumber: 50, seed: 0, evalFraction: 0.1, buckets: ["low=1..3", "mid=4..12", "high=13..inf"]))
        #expect(cell.config.model == GPTConfig(vocabSize: 257, contextLength: 128, layers: 4, heads: 4, channels: 128))
        #expect(cell.config.sft.steps == 800 && cell.config.sft.lr == 1e-3 && cell.config.sft.batch == 32)
        #expect(cell.config.train.steps == 300 && cell.config.train.taskEvalPairs == 64)
    }

    @Test func defaultsForEveryOmittedKey() throws {
        let spec = try SpecFixtures.parse("name: tiny")
        #expect(spec.axes == [])
        #expect(spec.description == "")
        let cells = spec.cells()
        try #require(cells.count == 1)
        let c = cells[0].config
        #expect(c.data == ExperimentDataSpec(task: "arith", path: nil, pairs: 2000, corruption: "step:1", steps: 2,
                                             maxNumber: 50, seed: 0, evalFraction: 0.1, buckets: []))
        #expect(c.model == GPTConfig(vocabSize: 257, contextLength: 128, layers: 4, heads: 4, channels: 128))
        #expect(c.sft == SFTConfig(steps: 800, batch: 32, lr: 1e-3, warmupSteps: 50, decay: .cosine, seed: 0))
        #expect(c.train == PreferenceTrainConfig(steps: 200, batch: 16, lr: 1e-4, warmupSteps: 10, decay: .constant,
                                                 evalEvery: 25, seed: 0, taskEvalPairs: 64))
        #expect(c.loss == PreferenceLossConfig(kind: .dpop, beta: 0.1, lambda: 50, placement: .inside,
                                               epsilon: 0.1, gamma: 0.5, alpha: 1.0))
        #expect(c.bucket == nil)
        #expect(c.seed == 0)
        #expect(cells[0].values.isEmpty)
    }

    @Test func unknownKeySuggestsTheClosest() {
        let d = SpecFixtures.diagnostics("""
        name: x
        grid:
          lamda: [5, 50]
        trian: {steps: 10}
        """)
        try? #require(d.count == 2)
        #expect(d[0].line == 3 && d[0].column == 3)
        #expect(d[0].message == "unknown key 'lamda' in grid")
        #expect(d[0].hint == "did you mean 'lambda'?")
        #expect(d[1].line == 4 && d[1].column == 1)
        #expect(d[1].message == "unknown key 'trian' at the top level of the spec")
        #expect(d[1].hint == "did you mean 'train'?")
    }

    @Test func unknownLossSuggestsBothNeighbours() {
        let d = SpecFixtures.diagnostics("name: x\nloss: {type: dpoo}\n")
        #expect(d.map(\.message) == ["unknown loss 'dpoo'"])
        #expect(d.first?.hint == "did you mean 'dpo' or 'dpop'?")
        #expect(d.first.map { ($0.line, $0.column) } ?? (0, 0) == (2, 14))
    }

    @Test func everyErrorOfAFileAtItsPosition() {
        let yaml = """
        name: bad name!
        seeds: [0, 0]
        model: {layers: 4, heads: 3, embedding: 128, context: 32}
        data:
          task: arith
          pairs: 5
          steps: many
          eval_fraction: 1.5
        sft: {steps: 0, lr: -1, bacth: 32}
        loss: {beta: 0}
        grid:
          loss: [dpo, robust]
          epsilon: {values: [0.1, 0.7], when: {los: robust}}
          beta: []
        """
        #expect(located(yaml) == [
            "1:7 name 'bad name!' may use only letters, digits, '-' and '_'",
            "2:12 seeds lists 0 twice",
            "3:41 model.embedding (128) must be divisible by model.heads (3)",
            "3:55 model.context must be at least 64 for the arith task, got 32",
            "6:10 data.pairs must be >= 10, got 5",
            "7:10 data.steps must be a whole number, got 'many'",
            "8:18 data.eval_fraction must be in (0, 1), got 1.5",
            "9:14 sft.steps must be in 1...1000000000, got 0",
            "9:21 sft.lr must be in (0, 1], got -1",
            "9:25 unknown key 'bacth' in sft",
            "10:14 loss.beta must be in (0, 1000000], got 0",
            "13:40 'when' of axis 'epsilon' refers to 'los', which is not an axis of this grid",
            "14:9 grid axis 'beta' has no values",
        ])
        let d = SpecFixtures.diagnostics(yaml)
        #expect(d.first { $0.message.contains("bacth") }?.hint == "did you mean 'batch'?")
        #expect(d.first { $0.message.contains("'los'") }?.hint == "did you mean 'loss'?")
    }

    /// A typo in a `when` that names an axis dropped for its own bad value still gets the hint.
    @Test func whenTypoOfADroppedAxisStillGetsItsHint() {
        let yaml = """
        name: x
        data: {task: arith, buckets: {low: [1, 3]}}
        grid:
          loss: [dpo, dpopp]
          lambda: {values: [5], when: {los: dpop}}
        """
        let d = SpecFixtures.diagnostics(yaml)
        #expect(d.contains { $0.message.contains("unknown loss 'dpopp'") })
        #expect(d.first { $0.message.contains("'los'") }?.hint == "did you mean 'loss'?")
    }

    @Test func diagnosticPrintsLikeACompiler() {
        let d = SpecFixtures.diagnostics("name: x\ngrid:\n  lamda: [5, 50]\n")
        #expect(d.map(\.description) == ["""
        test.yaml:3:3: error: unknown key 'lamda' in grid
              lamda: [5, 50]
              ^
        hint: did you mean 'lambda'?
        """])
        let error = SpecError(diagnostics: d)
        #expect(error.description.hasSuffix("\n1 error in test.yaml"))
    }

    @Test func yamlSyntaxErrorPosition() {
        let d = SpecFixtures.diagnostics("name: x\ngrid:\n  loss: [dpo, dpop\n  beta: [0.1]\n")
        try? #require(d.count == 1)
        #expect(d[0].message.hasPrefix("YAML syntax: "))
        #expect(d[0].line == 4 && d[0].column == 7)
        let tab = SpecFixtures.diagnostics("name: x\nmodel:\n\tlayers: 2\n")
        #expect(tab.map { "\($0.line):\($0.column)" } == ["3:1"])
    }

    @Test func duplicateKeyPointsAtTheSecond() {
        let d = SpecFixtures.diagnostics("name: x\ntrain:\n  steps: 10\n  lr: 1e-4\n  steps: 20\n")
        #expect(d.map { "\($0.line):\($0.column) \($0.message)" } == ["5:3 duplicate key 'steps' in a mapping"])
    }

    @Test func missingNameAndWrongShapes() {
        #expect(located("seeds: 3\nmodel: [4]\n") == [
            "1:1 missing required key 'name'",
            "1:8 seeds must be a list like [0, 1, 2], got '3'",
            "2:8 'model' must be a mapping of settings, got a list",
        ])
        #expect(located("") == ["1:1 the spec is empty"])
        #expect(located("- name: x\n") == ["1:1 a spec is a mapping of keys (name:, model:, grid:, …), not a list"])
    }

    @Test func dataNeedsExactlyOneSource() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("spec-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("data"), withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data("{\"prompt\": \"a\", \"chosen\": \"b\", \"rejected\": \"c\"}\n".utf8)
            .write(to: dir.appendingPathComponent("data/pairs.jsonl"))
        let file = dir.appendingPathComponent("x.yaml").path

        let spec = try SpecLoader.parse("name: x\ndata: {path: ./data/pairs.jsonl}\n", file: file)
        let data = spec.cells()[0].config.data
        #expect(data.path == dir.appendingPathComponent("data/pairs.jsonl").standardizedFileURL.path)
        #expect(data.task == nil)

        func errors(_ yaml: String) -> [String] {
            do { _ = try SpecLoader.parse(yaml, file: file); return [] } catch let e as SpecError {
                return e.diagnostics.map { "\($0.line):\($0.column) \($0.message)" }
            } catch { return ["\(error)"] }
        }
        #expect(errors("name: x\ndata: {task: arith, path: data/pairs.jsonl}\n")
                == ["2:27 data.task and data.path are both set; a cell reads the built-in task or a file, not both"])
        #expect(errors("name: x\ndata: {pairs: 100}\n")
                == ["2:1 data needs 'task: arith' (the built-in arithmetic pairs) or 'path: FILE' (a JSONL pairs file)"])
        #expect(errors("name: x\ndata: {path: data/missing.jsonl}\n")
                == ["2:14 data.path: no file at '\(dir.appendingPathComponent("data/missing.jsonl").standardizedFileURL.path)'"])
        #expect(errors("name: x\ndata: {path: data/pairs.jsonl, steps: 3}\n")
                == ["2:39 data.steps only applies to the built-in arith task, and this cell reads data.path"])
    }

    @Test func everyLossKeyButTheTypeIsALossParameterAndBack() {
        let lossKeys = SpecKey.all.filter { $0.section == "loss" && $0.field != "type" }
        #expect(lossKeys.allSatisfy { $0.lossParameter?.rawValue == $0.field })
        #expect(Set(lossKeys.compactMap(\.lossParameter)) == Set(PreferenceLossParameter.allCases))
        #expect(SpecKey.axis(named: "loss.type")?.lossParameter == nil && SpecKey.axis(named: "train.lr")?.lossParameter == nil)
    }

    @Test func lossParametersCheckedPerCell() {
        // ε = 0.7 is fine for cdpo but not for robust; the error points at the axis value.
        #expect(located("""
        name: x
        grid:
          loss: [cdpo, robust]
          epsilon: [0.1, 0.7]
        """) == ["4:18 loss.epsilon must be in [0, 0.5) for the robust loss (it divides by 1 - 2ε), got 0.7"])
        // exo_pair takes log ε, so ε = 0 (fine for cdpo) is refused for it; τ and λ_s are checked where used.
        #expect(located("""
        name: x
        grid:
          loss: [cdpo, exo_pair]
          epsilon: [0, 0.1]
        """) == ["4:13 loss.epsilon must be in (0, 1) for the exo_pair loss (it takes log ε and log(1 - ε); TRL silently uses 1e-3 for 0), got 0"])
        #expect(located("name: x\nloss: {type: discopop, tau: 2}\n") == ["2:29 loss.tau must be in (0, 1], got 2"])
        #expect(located("name: x\nloss: {type: dpo_shift, shift: 1.5}\n") == ["2:32 loss.shift must be in [0, 1], got 1.5"])
        // Like λ, a τ outside its range is refused whatever the loss.
        #expect(located("name: x\nloss: {type: dpo, tau: 2}\n") == ["2:24 loss.tau must be in (0, 1], got 2"])
        // A λ below 0 is wrong whatever the loss.
        #expect(located("name: x\nloss: {type: dpo, lambda: -1}\n") == ["2:27 loss.lambda must be in [0, 1000000], got -1"])
    }

    @Test func corruptionForms() throws {
        func corruption(_ text: String) throws -> String {
            try SpecFixtures.parse("name: x\ndata: {task: arith, corruption: \(text)}\n").cells()[0].config.data.corruption
        }
        #expect(try corruption("step") == "step:1")
        #expect(try corruption("\"step:3,resample:1\"") == "step:0.75,resample:0.25")
        #expect(try corruption("{step: 1, propagate: 1}") == "step:0.5,propagate:0.5")
        #expect(located("name: x\ndata: {task: arith, corruption: {stpe: 1}}\n") == ["2:34 data.corruption: unknown corruption mode 'stpe'"])
    }

    @Test func bucketsOnTheNormalisedScale() throws {
        let spec = try SpecFixtures.parse("""
        name: x
        data: {task: arith, normalised: true, buckets: {low: [0, 0.1], high: [0.2, 1]}}
        grid: {bucket: [low, high]}
        """)
        #expect(spec.cells().map(\.config.data.buckets) == Array(repeating: ["n:low=0..0.1", "n:high=0.2..1"], count: 2))
        #expect(spec.cells().map(\.config.bucket) == ["low", "high"])
        #expect(located("name: x\ndata: {task: arith, buckets: {low: [0, 0.5], high: [1, 4], x: [3, 9]}}\n") == [
            "2:31 bucket 'low': bounds of absolute edit distance are whole numbers of tokens, got [0, 0.5]",
            "2:60 edit-distance buckets 'high=1..4' and 'x=3..9' overlap",
        ])
    }
}
