import Foundation
import Testing
@testable import dpop

/// `dpop score --ches` with the built binary: the scores transformers gives on the tiny checkpoint
/// (`scripts/make_displacement_fixture.py`), under --reference when given.
struct ScoreCHESCommandTests {
    @Test func scoreWithChesPrintsTheFixtureScores() throws {
        let fixtures = PortableBinaryTests.packageRoot.appendingPathComponent("Tests/DPOPTrainerTests/Fixtures")
        let fixture = try JSONSerialization.jsonObject(with: Data(contentsOf: fixtures.appendingPathComponent("displacement_fixture.json"))) as! [String: Any]
        // A pairs file refuses identical completions, which the fixture's last pair has (CHES 0).
        let pairs = (fixture["pairs"] as! [[String: Any]]).filter { ($0["chosen"] as! String) != ($0["rejected"] as! String) }
        #expect(pairs.count == 5)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-ches-\(UUID().uuidString).jsonl")
        defer { try? FileManager.default.removeItem(at: file) }
        let lines = try pairs.map { p in
            String(decoding: try JSONSerialization.data(withJSONObject: ["prompt": p["prompt"]!, "chosen": p["chosen"]!, "rejected": p["rejected"]!]), as: UTF8.self)
        }
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
        let model = fixtures.appendingPathComponent("gpt2_tiny_checkpoint").path
        let run = try TokenizeCommandTests.dpop(["score", "--model", model, "--reference", model, "--data", file.path, "--ches", "--json"])
        #expect(run.status == 0, "\(run.err)")
        let scored = try PretrainedCommandTests.scores(run.out)
        #expect(scored.count == pairs.count)
        for (s, p) in zip(scored, pairs) {
            let ches = p["ches"] as! Double, normalised = p["ches_normalised"] as! Double
            #expect(abs((s["ches"] as! Double) - ches) <= 1e-4 * max(1, abs(ches)))
            #expect(abs((s["ches_normalised"] as! Double) - normalised) <= 1e-4 * max(1, abs(normalised)))
        }
        // Without --ches the fields are absent.
        let plain = try TokenizeCommandTests.dpop(["score", "--model", model, "--data", file.path, "--json"])
        #expect(try PretrainedCommandTests.scores(plain.out).allSatisfy { $0["ches"] == nil })

        // `dpop data stats --model` shows their distribution; its extremes are the fixture's.
        let stats = try TokenizeCommandTests.dpop(["data", "stats", file.path, "--model", model])
        #expect(stats.status == 0, "\(stats.err)")
        #expect(stats.out.contains("CHES under the model (5 pairs"), "\(stats.out)")
        let values = pairs.map { $0["ches"] as! Double }
        let line = try #require(stats.out.split(separator: "\n").first { $0.hasPrefix("ches: ") })
        #expect(line.contains("count 5 ") && line.contains("min \(String(format: "%.4g", values.min()!)) ")
                && line.hasSuffix("max \(String(format: "%.4g", values.max()!))"), "\(line)")
        #expect(stats.out.contains("Spearman ρ(edit distance, ches) "))
        let skipped = try TokenizeCommandTests.dpop(["data", "stats", file.path, "--model", model, "--no-ches"])
        #expect(skipped.status == 0 && !skipped.out.contains("CHES"))
        // Buckets by CHES quantiles over the file: the median cut of 5 values is the one of 0-based rank ⌈2.5⌉ = 3,
        // so 3 pairs lie below it and 2 at or above.
        let halves = try TokenizeCommandTests.dpop(["data", "stats", file.path, "--model", model, "--bucket-by", "ches",
                                                    "--quantile-buckets", "--bucket", "low=0..0.5", "--bucket", "high=0.5..1"])
        #expect(halves.status == 0, "\(halves.err)")
        let sizes = halves.out.split(separator: "\n").filter { $0.hasPrefix("  low=") || $0.hasPrefix("  high=") }
        #expect(sizes.count == 2 && sizes[0].hasSuffix(" 3") && sizes[1].hasSuffix(" 2"), "\(halves.out)")
        // A model statistic without a model is refused before any work.
        let noModel = try TokenizeCommandTests.dpop(["data", "stats", file.path, "--bucket-by", "ches", "--bucket", "a=0..1"])
        #expect(noModel.status != 0 && noModel.err.contains("--bucket-by ches needs --model DIR"), "\(noModel.err)")
        let unknown = try TokenizeCommandTests.dpop(["data", "stats", file.path, "--bucket-by", "chess", "--bucket", "a=0..1"])
        #expect(unknown.status != 0 && unknown.err.contains("--bucket-by must be one of edit_distance, normalised_edit_distance, ches, ches_normalised"))
    }
}
