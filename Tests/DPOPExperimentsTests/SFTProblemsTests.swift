import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// `sft: {problems: N}`: the reference learns fresh arith problems, never an eval prompt.
@Suite struct SFTProblemsTests {
    static let spec = """
    name: fresh
    seeds: [0, 1]
    model: {layers: 1, heads: 2, embedding: 16, context: 96}
    data: {task: arith, pairs: 200, steps: 1, max_number: 6, eval_fraction: 0.25}
    sft: {steps: 2, seed: 3, problems: 300}
    train: {steps: 2}
    """

    @Test func theCellsCarryTheCountAndTheCacheKeyChangesWithIt() throws {
        let cells = try SpecFixtures.parse(Self.spec).cells()
        #expect(cells.allSatisfy { $0.config.sft.problems == 300 })
        let with = try ReferenceCache.Inputs(cell: cells[0].config, dataSHA256: "pairs")
        var without = with
        without.sft.problems = nil
        #expect(try with.key != without.key)
        // Absent from the JSON without it, so the keys of specs that do not set it stay as they were.
        let json = String(decoding: try JSONEncoder().encode(without), as: UTF8.self)
        #expect(!json.contains("problems"))
    }

    @Test func theProblemsAreFreshSeededAndNeverAnEvalPrompt() throws {
        let cell = try SpecFixtures.parse(Self.spec).cells()[0].config
        let (pairs, _) = try DatasetLoader.load(cell.data, context: cell.model.contextLength)
        let problems = try DatasetLoader.sftProblems(cell.data, count: 300, referenceSeed: 3, context: cell.model.contextLength)
        #expect(problems.count == 300)
        #expect(problems == (try DatasetLoader.sftProblems(cell.data, count: 300, referenceSeed: 3, context: cell.model.contextLength)))
        #expect(problems != (try DatasetLoader.sftProblems(cell.data, count: 300, referenceSeed: 4, context: cell.model.contextLength)))
        // Their own stream: not the pairs' problems in the pairs' order.
        #expect(zip(problems, pairs).filter { $0.prompt == $1.prompt }.count < 20)

        let run = PreferenceRun(config: cell.runConfig, pairs: pairs)
        run.sftProblems = problems
        let evalPrompts = Set(try run.split().eval.map(\.pair.prompt))
        // Numbers up to 6 leave few distinct problems, so some fresh ones repeat eval prompts: all must go.
        let expected = problems.filter { !evalPrompts.contains($0.prompt) }
        #expect(expected.count < problems.count, "the fixture must exercise the exclusion")
        let sequences = try run.sftSequences()
        let tokenizer = ByteTokenizer()
        #expect(sequences.map(\.tokens) == expected.map { PreparedPair($0, buckets: nil, tokenizer: tokenizer).chosen.tokens })

        // Without it the SFT data is the training split's chosen answers.
        run.sftProblems = nil
        #expect(try run.sftSequences().map(\.tokens) == run.split().train.map(\.chosen.tokens))
    }

    @Test func aPairsFileRefusesItAtTheKey() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("sft-problems-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try Data(#"{"prompt": "Q: 1+1?\nA:", "chosen": " 2", "rejected": " 3"}"#.utf8).write(to: dir.appendingPathComponent("pairs.jsonl"))
        let yaml = """
        name: file
        data: {path: pairs.jsonl}
        sft: {problems: 100}
        """
        let file = dir.appendingPathComponent("spec.yaml")
        try Data(yaml.utf8).write(to: file)
        #expect {
            _ = try SpecLoader.load(path: file.path)
        } throws: { error in
            let text = "\(error)"
            return text.contains("spec.yaml:3:") && text.contains("sft.problems only applies to the built-in arith task")
        }
    }
}
