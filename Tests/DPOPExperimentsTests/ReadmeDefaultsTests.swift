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

    /// The loss table under "### Losses" has one row per loss, in the order of `PreferenceLossKind`, with its
    /// parameters' defaults as the code has them.
    @Test func theLossTableHasEveryLoss() throws {
        let text = try String(contentsOf: Self.readme, encoding: .utf8)
        let heading = try #require(text.range(of: "### Losses\n"))
        let end = try #require(text.range(of: "\n### ", range: heading.upperBound..<text.endIndex))
        let rows = text[heading.upperBound..<end.lowerBound].split(separator: "\n").filter { $0.hasPrefix("| `") }
            .dropFirst()  // the header row
        let names = rows.map { row in row.dropFirst(3).prefix { $0 != "`" } }.map(String.init)
        #expect(names == PreferenceLossKind.allCases.map(\.rawValue))
        let discopop = try #require(rows.first { $0.hasPrefix("| `discopop`") })
        #expect(discopop.contains("τ (\(PreferenceLossConfig.Settings.tau.defaultValue))"))
        let shift = try #require(rows.first { $0.hasPrefix("| `dpo_shift`") })
        #expect(shift.contains("`shift` (\(PreferenceLossConfig.Settings.shift.defaultValue))"))
        let dpop = try #require(rows.first { $0.hasPrefix("| `dpop`") })
        #expect(dpop.contains("λ (\(Int(PreferenceLossConfig.Settings.lambda.defaultValue)))"))
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
