import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// What `dpop validate` catches beyond the spec's own rules: data that leaves a cell with nothing to
/// train or evaluate on, losses that cannot start, files that are not text or not files, huge axes.
@Suite struct SpecDataCheckTests {
    /// (line:column message) of each diagnostic when validating with the data check.
    static func located(_ yaml: String, file: String = "test.yaml") -> [String] {
        do {
            _ = try SpecLoader.parse(yaml, file: file, checkData: true)
            return []
        } catch let error as SpecError {
            return error.diagnostics.map { "\($0.line):\($0.column) \($0.message)" }
        } catch {
            return ["unexpected \(error)"]
        }
    }

    static let base = """
    name: x
    model: {layers: 1, heads: 2, embedding: 16, context: 128}
    data: {task: arith, pairs: 40, steps: 1, max_number: 9, eval_fraction: 0.25, buckets: {low: [1, 3], huge: [400, .inf]}}

    """

    @Test func anEvalFractionThatLeavesNoEvalPairsIsRefusedAtTheFraction() throws {
        let yaml = Self.base.replacingOccurrences(of: "pairs: 40", with: "pairs: 10").replacingOccurrences(of: "0.25", with: "0.01")
        // The spec's own rules accept it; only splitting the data shows that no cell can evaluate.
        #expect(SpecFixtures.diagnostics(yaml).isEmpty)
        let found = Self.located(yaml)
        #expect(found.count == 1 && found[0].hasPrefix("3:72 data.eval_fraction 0.01 leaves 10 training and 0 eval pairs of 10 (split with seed 0)"),
                "\(found)")
        #expect(Self.located(Self.base).isEmpty)
    }

    @Test func aBucketWithoutPairsIsRefusedAtTheGridValue() throws {
        let yaml = Self.base + "grid:\n  bucket: [low, huge]\n"
        #expect(SpecFixtures.diagnostics(yaml).isEmpty)
        let found = Self.located(yaml)
        #expect(found == ["5:17 bucket 'huge' holds 0 training and 0 eval pairs (split with seed 0); a cell needs both"], "\(found)")
    }

    /// Quantile buckets of edit distance are cut on each cell's training split before any run; with step
    /// corruptions most distances tie at 1, so a lower tenth is empty. CHES buckets need the reference and pass here.
    @Test func anEmptyQuantileBucketIsRefusedWithItsCutPoint() throws {
        let yaml = Self.base.replacingOccurrences(of: "buckets: {low: [1, 3], huge: [400, .inf]}",
                                                  with: "quantile: true, buckets: {bottom: [0, 0.1], rest: [0.1, 1]}") + "grid:\n  bucket: [bottom, rest]\n"
        #expect(SpecFixtures.diagnostics(yaml).isEmpty)
        let found = Self.located(yaml)
        #expect(found == ["5:12 bucket 'bottom' (edit_distance quantiles bottom=0..0.1, cut on 37 training pairs at bottom [-inf, 1)) holds 0 training and 0 eval pairs (split with seed 0); a cell needs both"],
                "\(found)")
        #expect(Self.located(yaml.replacingOccurrences(of: "quantile: true", with: "bucket_by: ches, quantile: true")).isEmpty)
    }

    @Test func aDataFileThatDoesNotLoadIsRefusedAtItsPath() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-datacheck-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        try #"{"prompt": "p", "chosen": "a", "rejected": "a"}"#.write(to: dir.appendingPathComponent("bad.jsonl"), atomically: true, encoding: .utf8)
        let found = Self.located("name: x\ndata: {path: bad.jsonl}\n", file: dir.appendingPathComponent("s.yaml").path)
        #expect(found.count == 1 && found[0].hasPrefix("2:14 the data does not load: ") && found[0].contains("bad.jsonl:1:"), "\(found)")
    }

    /// `/dev/null` or a folder as data said "You don't have permission"; it is named for what it is.
    @Test func aDeviceOrFolderAsDataIsNamed() {
        #expect(SpecFixtures.diagnostics("name: x\ndata: {path: /dev/null}\n").map(\.message)
            == ["data.path: '/dev/null' is a character device, not a pairs file"])
        #expect(SpecFixtures.diagnostics("name: x\ndata: {path: /tmp}\n").map(\.message) == ["data.path: '/tmp' is a folder, not a pairs file"])
    }

    /// In range, but the loss is infinite where every run starts: ipo's (h − 1/(2β))² for a tiny β.
    @Test func aLossThatIsNotFiniteAtTheStartIsRefused() {
        let found = SpecFixtures.diagnostics("name: x\nloss: {type: ipo, beta: 1e-300}\n")
        #expect(found.map { "\($0.line):\($0.column) \($0.message)" }
            == ["2:25 loss ipo is inf at the first step with these parameters, so every run would stop there"], "\(found)")
        #expect(SpecFixtures.diagnostics("name: x\nloss: {type: ipo, beta: 0.1}\n").isEmpty)
        // Every loss at its defaults starts finite.
        for kind in PreferenceLossKind.allCases {
            #expect(CellBuilder.nonFiniteStart(PreferenceLossConfig(kind: kind)) == nil, "\(kind)")
        }
    }

    /// The duplicate check used to compare each value with every earlier one (74 s for 200,000 values).
    @Test func aHugeAxisWithARepeatIsRefusedQuickly() {
        let values = (0..<200_000).map(String.init).joined(separator: ", ")
        let yaml = "name: x\nseeds: [\(values), 7]\n"
        let clock = ContinuousClock()
        var found: [SpecDiagnostic] = []
        let elapsed = clock.measure { found = SpecFixtures.diagnostics(yaml) }
        #expect(found.map(\.message) == ["seeds lists 7 twice"])
        // Linear work is well under this even in a debug build on a loaded machine; the quadratic scan took minutes.
        #expect(elapsed < .seconds(20), "\(elapsed)")
    }

    /// A spec in UTF-16 or Latin-1 said "The file isn't in the correct format", with no position.
    @Test func aSpecThatIsNotUTF8IsLocatedAtItsFirstBadByte() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-encoding-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let latin1 = dir.appendingPathComponent("latin1.yaml")
        try (Data("name: x\ndescription: caf".utf8) + Data([0xE9]) + Data("\n".utf8)).write(to: latin1)
        let e = try #require(Self.error { try SpecLoader.load(path: latin1.path) })
        #expect(e.diagnostics.count == 1)
        #expect(e.description.hasPrefix("\(latin1.path):2:17: error: the spec is not UTF-8: byte 0xE9 at byte offset 24 is not UTF-8"))
        #expect(e.diagnostics[0].hint == "save the file as UTF-8" && e.diagnostics[0].sourceLine == "description: caf\u{FFFD}")
        let utf16 = dir.appendingPathComponent("utf16.yaml")
        try "name: x\n".data(using: .utf16)!.write(to: utf16)
        #expect(Self.error { try SpecLoader.load(path: utf16.path) }?.description.contains("the spec is not UTF-8: the file is UTF-16") == true)
        #expect(Self.error { try SpecLoader.load(path: dir.path) }?.diagnostics.map(\.description) == ["\(dir.path): error: cannot read the spec: it is a directory, not a file"])
    }

    static func error(_ body: () throws -> Any) -> SpecError? {
        do { _ = try body(); return nil } catch { return error as? SpecError }
    }
}
