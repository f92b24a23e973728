import DPOPTrainer
import Foundation
import Testing
import Yams
@testable import DPOPExperiments

/// The README's "Spec reference" block shows the defaults; they must be the code's (the one table in the trainer's
/// `Settings`, read by the spec, the CLI and the structs).
@Suite struct ReadmeDefaultsTests {
    static let readme = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("README.md")

    /// The ```yaml block under "### Spec reference".
    static func referenceBlock() throws -> String {
        let text = try String(contentsOf: readme, encoding: .utf8)
        let heading = try #require(text.range(of: "### Spec reference"))
        let open = try #require(text.range(of: "```yaml\n", range: heading.upperBound..<text.endIndex))
        let close = try #require(text.range(of: "```", range: open.upperBound..<text.endIndex))
        return String(text[open.upperBound..<close.lowerBound])
    }

    @Test func everyDefaultInTheReadmeIsTheCodes() throws {
        let root = try #require(try Yams.compose(yaml: try Self.referenceBlock()))
        guard case .mapping(let top) = root else { Issue.record("not a mapping"); return }
        var checked = 0
        for (sectionNode, body) in top {
            guard let section = sectionNode.string, case .mapping(let fields) = body else { continue }
            for (fieldNode, valueNode) in fields {
                guard let field = fieldNode.string, let key = SpecKey.key(section: section, field: field),
                      let shown = valueNode.string else { continue }
                // data.task and data.path show examples, not defaults.
                guard let value = key.defaultValue else { continue }
                checked += 1
                switch value {
                case .double(let d): #expect(Double(shown) == d, "\(key.path): README \(shown), code \(d)")
                case .int(let i): #expect(Int(shown) == i, "\(key.path): README \(shown), code \(i)")
                case .uint(let u): #expect(UInt64(shown) == u, "\(key.path): README \(shown), code \(u)")
                case .bool(let b): #expect(SpecValue.flag(shown) == b, "\(key.path): README \(shown), code \(b)")
                case .string(let s):
                    // The corruption default is canonicalised (step → step:1).
                    let canonical = key.path == "data.corruption" ? (try? ArithCorruptionMix(parsing: shown))?.description : shown
                    #expect(canonical == s, "\(key.path): README \(shown), code \(s)")
                }
            }
        }
        // Every key with a default is shown.
        #expect(checked == SpecKey.all.filter { $0.defaultValue != nil }.count)
    }

    @Test func theStructsAndTheSpecStartFromTheSameDefaults() throws {
        let cell = try #require(try SpecFixtures.parse("name: tiny").cells().first)
        #expect(cell.config.sft == SFTConfig())
        #expect(cell.config.train == PreferenceTrainConfig())
        #expect(cell.config.model == GPTConfig())
        #expect(cell.config.loss == PreferenceLossConfig(kind: PreferenceLossConfig.Settings.kind.defaultValue))
        #expect(cell.config.data.pairs == ArithTaskConfig().count && cell.config.data.evalFraction == PreferenceRunConfig.Settings.evalFraction.defaultValue)
    }
}
