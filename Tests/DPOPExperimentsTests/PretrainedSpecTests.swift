import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// `model: {pretrained: DIR}` in a spec: the shape and tokenizer come from the checkpoint, a cell runs end
/// to end from it, and the checkpoint's and tokenizer's SHA-256 reach the cell config and the cache key;
/// specs without it keep their cell ids and cache keys (the shipped results' own).
@Suite struct PretrainedSpecTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let fixtures = packageRoot.appendingPathComponent("Tests/DPOPTrainerTests/Fixtures")

    /// A temp folder holding `gpt2/` (the tiny 50257-vocab fixture with GPT-2's tokenizer.json) and `pairs.jsonl`.
    static func workspace() throws -> URL {
        let fm = FileManager.default
        let dir = fm.temporaryDirectory.appendingPathComponent("dpop-pretrained-spec-\(UUID().uuidString)")
        let model = dir.appendingPathComponent("gpt2")
        try fm.createDirectory(at: model, withIntermediateDirectories: true)
        let source = fixtures.appendingPathComponent("pretrained/gpt2_f16")
        for file in try fm.contentsOfDirectory(atPath: source.path) {
            try fm.copyItem(at: source.appendingPathComponent(file), to: model.appendingPathComponent(file))
        }
        try fm.copyItem(at: fixtures.appendingPathComponent("bpe/gpt2/tokenizer.json"), to: model.appendingPathComponent("tokenizer.json"))
        let pairs = (0..<24).map { i in
            PreferencePair(prompt: "Q: \(i) + \(i)?", chosen: " \(2 * i) is the answer.", rejected: i % 2 == 0 ? " \(2 * i + 1) is the answer." : " I do not know.")
        }
        try Data(PreferencePair.jsonl(pairs).utf8).write(to: dir.appendingPathComponent("pairs.jsonl"))
        return dir
    }

    static let spec = """
    name: pretrained-tiny
    model: {pretrained: gpt2}
    data: {path: pairs.jsonl, eval_fraction: 0.25, buckets: {low: [1, 2], high: [3, .inf]}}
    sft: {steps: 2, lr: 1e-3, batch: 4, warmup: 0}
    train: {steps: 2, lr: 1e-4, batch: 2, eval_every: 1, warmup: 0, task_eval_pairs: 2}
    grid:
      loss: [dpo, dpop]
    """

    @Test func aCellRunsFromThePretrainedCheckpoint() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let specURL = dir.appendingPathComponent("spec.yaml")
        try Self.spec.write(to: specURL, atomically: true, encoding: .utf8)
        let session = try ExperimentSession.open(specPath: specURL.path, resultsRoot: dir.appendingPathComponent("results").path)
        let cells = session.spec.cells()
        #expect(cells.count == 2)
        let config = cells[0].config
        #expect(config.model == GPTConfig(vocabSize: 50257, contextLength: 64, layers: 2, heads: 2, channels: 8))
        let folder = dir.appendingPathComponent("gpt2")
        let start = try #require(config.pretrained)
        #expect(start.path == folder.standardizedFileURL.path)
        #expect(start.checkpointSHA256 == (try ContentHash.sha256(files: [folder.appendingPathComponent("config.json"), folder.appendingPathComponent("model.safetensors")])))
        #expect(start.tokenizerSHA256 == ContentHash.sha256(try Data(contentsOf: folder.appendingPathComponent("tokenizer.json"))))

        #expect(try session.runCell(id: cells[0].id, retryFailed: false) { _ in } == .completed)
        let record = try #require(session.store.record(cells[0].id))
        #expect(record.status == .completed, "\(record.error ?? "")")
        #expect(record.config.pretrained == start)
        let final = try #require(record.final)
        #expect(final.step == 2 && final.eval.logpsChosenDelta.isFinite)
        // The cache key holds the two hashes; a changed checkpoint is another reference.
        let key = try #require(record.referenceCacheKey)
        let entry = try JSONSerialization.jsonObject(with: Data(contentsOf: session.cache.directory.appendingPathComponent("\(key)/entry.json"))) as! [String: Any]
        let inputs = try #require(entry["inputs"] as? [String: Any])
        #expect(inputs["checkpointSHA256"] as? String == start.checkpointSHA256 && inputs["tokenizerSHA256"] as? String == start.tokenizerSHA256)
        // The second cell reuses that reference.
        #expect(try session.runCell(id: cells[1].id, retryFailed: false) { _ in } == .completed)
        #expect(session.store.record(cells[1].id)?.referenceCacheKey == key)
        #expect(!FileManager.default.fileExists(atPath: session.store.runDirectory(cells[0].id).appendingPathComponent("summary.json").path))
    }

    static func errors(_ yaml: String, in dir: URL) -> [String] {
        do { _ = try SpecLoader.parse(yaml, file: dir.appendingPathComponent("x.yaml").path); return [] } catch let e as SpecError {
            return e.diagnostics.map { "\($0.line):\($0.column) \($0.message)" }
        } catch { return ["\(error)"] }
    }

    @Test func theShapeComesFromTheCheckpointAndSettingItTooIsAnError() throws {
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(Self.errors("name: x\nmodel: {pretrained: gpt2, layers: 2}\ndata: {path: pairs.jsonl}\n", in: dir)
                == ["2:35 model.layers cannot be set together with model.pretrained: the checkpoint's config.json gives the model's shape"])
        #expect(Self.errors("name: x\nmodel:\n  pretrained: gpt2\n  context: 32\ngrid: {model.embedding: [8, 16]}\ndata: {path: pairs.jsonl}\n", in: dir)
                == ["4:12 model.context cannot be set together with model.pretrained: the checkpoint's config.json gives the model's shape",
                    "5:26 model.embedding cannot be set together with model.pretrained: the checkpoint's config.json gives the model's shape",
                    "5:29 model.embedding cannot be set together with model.pretrained: the checkpoint's config.json gives the model's shape"])
        #expect(Self.errors("name: x\nmodel: {pretrained: nowhere}\n", in: dir).first?.hasPrefix("2:21 model.pretrained: no folder at") == true)
        // A folder dpop cannot run is reported at the key, with the checkpoint's own message.
        try FileManager.default.removeItem(at: dir.appendingPathComponent("gpt2/tokenizer.json"))
        let missing = Self.errors("name: x\nmodel: {pretrained: gpt2}\ndata: {path: pairs.jsonl}\n", in: dir)
        #expect(missing.count == 1 && missing[0].hasPrefix("2:21 model.pretrained: ") && missing[0].contains("no tokenizer file"), "\(missing)")
    }

    @Test func validateMeasuresEditDistancesInTheCheckpointsTokens() throws {
        // The odd pairs differ by 10–11 bytes but 4 GPT-2 tokens: a bucket from 8 is empty for the model.
        let dir = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: dir) }
        let yaml = "name: x\nmodel: {pretrained: gpt2}\ndata: {path: pairs.jsonl, buckets: {near: [1, 3], far: [8, .inf]}}\ngrid: {bucket: [near, far]}\n"
        func errors(checkData: Bool) -> [String] {
            do { _ = try SpecLoader.parse(yaml, file: dir.appendingPathComponent("x.yaml").path, checkData: checkData); return [] } catch let e as SpecError {
                return e.diagnostics.map(\.message)
            } catch { return ["\(error)"] }
        }
        #expect(errors(checkData: false) == [])
        #expect(errors(checkData: true) == ["bucket 'far' holds 0 training and 0 eval pairs (split with seed 0); a cell needs both"])
    }

    @Test func theShippedExperimentsKeepTheirCellIdsAndCacheKeys() throws {
        // Specs without `pretrained:` hash what they hashed before it existed: the committed results' ids and keys.
        let spec = try SpecLoader.load(path: Self.packageRoot.appendingPathComponent("experiments/quickstart.yaml").path)
        let runs = Self.packageRoot.appendingPathComponent("results/quickstart/runs")
        let shipped = Set(try FileManager.default.contentsOfDirectory(atPath: runs.path).filter { !$0.hasPrefix(".") })
        #expect(Set(spec.cells().map(\.id)) == shipped)
        let cell = spec.cells()[0]
        let record = try JSONSerialization.jsonObject(with: Data(contentsOf: runs.appendingPathComponent("\(cell.id)/run.json"))) as! [String: Any]
        let c = cell.config
        let (_, dataSHA) = try DatasetLoader.load(c.data, context: c.model.contextLength)
        let inputs = ReferenceCache.Inputs(dataSHA256: dataSHA, model: c.model, sft: c.runConfig.sft, evalFraction: c.data.evalFraction,
                                           splitSeed: c.seed, pretrained: c.pretrained)
        #expect(try inputs.key == record["referenceCacheKey"] as? String)
    }
}
