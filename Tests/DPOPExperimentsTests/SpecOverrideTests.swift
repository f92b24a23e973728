import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// Command-line overrides: every form, their errors at the argument, and ids equal to the same spec written out.
@Suite struct SpecOverrideTests {
    static let base = """
    name: over
    seeds: [0, 1]
    model: {layers: 1, heads: 1, embedding: 8, context: 64}
    data: {task: arith, pairs: 40, buckets: {low: [1, 3], high: [4, .inf]}}
    train: {steps: 20}
    loss: {beta: 0.1}
    grid:
      loss: [dpo, dpop]
      bucket: [low, high]
    """

    static func spec(_ arguments: [String], yaml: String = base) throws -> ExperimentSpec {
        try SpecLoader.parse(yaml, file: "over.yaml", overrides: SpecOverride.parse(arguments, commandLine: []))
    }

    static func errors(_ arguments: [String], _ yaml: String = base) -> [SpecDiagnostic] {
        do {
            _ = try spec(arguments, yaml: yaml)
            return []
        } catch let e as SpecError {
            return e.diagnostics
        } catch {
            return [SpecDiagnostic(file: "?", line: -1, column: -1, message: "\(error)")]
        }
    }

    static func ids(_ s: ExperimentSpec) -> Set<String> { Set(s.cells().map(\.id)) }

    @Test func aSettingIsSetByItsDottedPath() throws {
        let s = try Self.spec(["train.steps=50", "model.layers=2"])
        #expect(s.cells().allSatisfy { $0.config.train.steps == 50 && $0.config.model.layers == 2 })
        #expect(s.cells().count == 8)
        #expect(s.overrides == ["train.steps=50", "model.layers=2"])
    }

    @Test func aListMakesAnAxisAndASingleValueReplacesOne() throws {
        let swept = try Self.spec(["beta=0.1,0.3"])
        #expect(swept.axes.contains("beta"))
        #expect(swept.cells().count == 16)
        let fixed = try Self.spec(["loss=ipo"])
        #expect(!fixed.axes.contains("loss"))
        #expect(fixed.cells().allSatisfy { $0.config.loss.kind.rawValue == "ipo" })
        #expect(fixed.cells().count == 4)
        let replaced = try Self.spec(["loss=dpo,ipo,cdpo"])
        #expect(Set(replaced.cells().map(\.config.loss.kind.rawValue)) == ["dpo", "ipo", "cdpo"])
    }

    @Test func seedsComeFromARangeAndAxesAndSettingsAreRemoved() throws {
        let ranged = try Self.spec(["seed=range(0,5)", "~grid.bucket"])
        #expect(ranged.cells().count == 10)
        #expect(Set(ranged.cells().map(\.config.seed)) == [0, 1, 2, 3, 4])
        #expect(!ranged.axes.contains("bucket"))
        let one = try Self.spec(["seed=7"])
        #expect(Set(one.cells().map(\.config.seed)) == [7])
        let unset = try Self.spec(["~train.steps", "~bucket"])
        #expect(unset.cells().allSatisfy { $0.config.train.steps == PreferenceTrainConfig.Settings.steps.defaultValue })
        #expect(unset.cells().count == 4)
    }

    @Test func bucketsNamesAndQuotedCommasAreOneValue() throws {
        let s = try Self.spec(["data.buckets.low=[1, 2]", "data.buckets.mid=[3, 3]", "bucket=mid", "name=renamed",
                               "data.corruption='step:0.5,resample:0.5'"])
        #expect(s.name == "renamed")
        #expect(s.cells().allSatisfy { $0.config.bucket == "mid" })
        #expect(s.cells().count == 4)
    }

    @Test func aCellFromTheCommandLineHasTheIdOfTheSameCellWrittenInAFile() throws {
        let written = Self.base.replacingOccurrences(of: "train: {steps: 20}", with: "train: {steps: 50}")
            .replacingOccurrences(of: "  bucket: [low, high]", with: "  bucket: [low, high]\n  beta: [0.1, 0.3]")
        let fromFile = try SpecLoader.parse(written, file: "over.yaml")
        let fromCommandLine = try Self.spec(["train.steps=50", "beta=0.1,0.3"])
        #expect(Self.ids(fromFile) == Self.ids(fromCommandLine))
        #expect(Self.ids(fromFile).count == 16)
        // The effective spec is what gets saved: read back, it is the same grid.
        #expect(fromCommandLine.text != Self.base)
        #expect(Self.ids(try SpecLoader.parse(fromCommandLine.text, file: "saved.yaml")) == Self.ids(fromFile))
    }

    @Test func withoutOverridesTheTextIsTheFile() throws {
        #expect(try Self.spec([]).text == Self.base)
    }

    @Test func errorsNameTheArgument() {
        let unknown = Self.errors(["train.steps=5", "bta=0.3"])
        #expect(unknown.count == 1)
        #expect(unknown.first?.description.hasPrefix("command line: argument 4 'bta=0.3': error: unknown key 'bta'") == true)
        #expect(unknown.first?.hint == "did you mean 'beta'?")
        let badValue = Self.errors(["train.steps=0"])
        #expect(badValue.first?.file == "command line: argument 3 'train.steps=0'")
        #expect(badValue.first?.message.contains("train.steps must be in") == true)
        let typed = Self.errors(["model.heads=abc"])
        #expect(typed.first?.message.contains("whole number") == true)
        #expect(Self.errors(["~grid.lambda"]).first?.message.contains("nothing to remove") == true)
        #expect(Self.errors(["name=a,b"]).first?.message.contains("not an axis") == true)
        #expect(Self.errors(["seed=range(3,3)"]).first?.message.contains("empty") == true)
        #expect(Self.errors(["justtext"]).first?.message.contains("key=value") == true)
        let zipped = Self.base + "\nzip:\n  - {train.lr: [1e-4, 5e-5], beta: [0.1, 0.3]}"
        #expect(Self.errors(["beta=0.5"], zipped).first?.message.contains("zip group") == true)
    }

    @Test func theFilesOwnErrorsKeepTheirPositions() {
        let broken = Self.base.replacingOccurrences(of: "train: {steps: 20}", with: "train: {steps: -3}")
        let diagnostics = Self.errors(["beta=0.2"], broken)
        #expect(diagnostics.count == 1)
        #expect(diagnostics.first?.file == "over.yaml")
        #expect(diagnostics.first?.line == 5)
    }
}
