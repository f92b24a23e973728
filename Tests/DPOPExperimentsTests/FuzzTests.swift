import DPOPTrainer
import Foundation
import Testing
@testable import DPOPExperiments

/// Seeded mutations of valid inputs: every one must end in a value or a thrown error, never a crash
/// (a trap kills the test process, which fails the run). Bounded: a few thousand inputs in seconds.
@Suite struct FuzzTests {
    /// Values that broke range checks before: overflowing floats, NaN, huge integers, negatives.
    static let hostileNumbers = ["0", "-1", "-0.0", "1e39", "4e38", "1e308", "-1e308", ".nan", ".inf", "-.inf",
                                 "4611686018427387904", "9223372036854775807", "99999999999999999999", "1e-45",
                                 "0x7fffffff", "1.5", "2147483648", "''", "[]", "{}", "~"]

    static let hostileFragments = ["\u{0}", "\u{FEFF}", "é", "🙂", ":", "- ", "[", "{", "}", "]", "'", "\"", "#",
                                   "&a", "*a", "!!str ", "\t", "\n", "  ", "? ", "|", ">", "%", "@", "`"]

    /// One mutation of `text`: a number replaced by a hostile one, a line deleted or duplicated, a
    /// hostile fragment inserted, or the text cut short.
    static func mutate(_ text: String, _ rng: inout SplitMix64) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        let i = Int(rng.next() % UInt64(lines.count))
        switch rng.next() % 6 {
        case 0, 1:
            var line = lines[i]
            if let range = line.range(of: #"-?[0-9][0-9.e+-]*"#, options: .regularExpression) {
                line.replaceSubrange(range, with: hostileNumbers[Int(rng.next() % UInt64(hostileNumbers.count))])
            }
            lines[i] = line
        case 2: lines.remove(at: i)
        case 3: lines.insert(lines[i], at: i)
        case 4:
            var line = Array(lines[i])
            let at = line.isEmpty ? 0 : Int(rng.next() % UInt64(line.count + 1))
            line.insert(contentsOf: hostileFragments[Int(rng.next() % UInt64(hostileFragments.count))], at: at)
            lines[i] = String(line)
        default:
            let joined = Array(text)
            return String(joined.prefix(Int(rng.next() % UInt64(joined.count + 1))))
        }
        return lines.joined(separator: "\n")
    }

    static let shippedSpecs: [String] = {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let folder = root.appendingPathComponent("experiments")
        let files = (try? FileManager.default.contentsOfDirectory(atPath: folder.path))?.filter { $0.hasSuffix(".yaml") }.sorted() ?? []
        return files.compactMap { try? String(contentsOf: folder.appendingPathComponent($0), encoding: .utf8) } + [SpecFixtures.example]
    }()

    @Test func mutatedSpecsValidateOrFailWithAnError() {
        var rng = SplitMix64(seed: 20261201)
        var parsed = 0, refused = 0
        for round in 0..<1200 {
            var text = Self.shippedSpecs[round % Self.shippedSpecs.count]
            for _ in 0...(rng.next() % 3) { text = Self.mutate(text, &rng) }
            do {
                let spec = try SpecLoader.parse(text, file: "fuzz.yaml")
                for cell in spec.cells().prefix(16) { _ = cell.config.canonicalJSON() }
                parsed += 1
            } catch {
                refused += 1
            }
        }
        // Both outcomes must occur, or the mutations are not reaching the checks.
        #expect(parsed > 100 && refused > 100, "parsed \(parsed), refused \(refused)")
    }

    @Test func mutatedPairFilesLoadOrFailWithFileAndLine() throws {
        let pairs = try ArithTask.generate(ArithTaskConfig(count: 12, seed: 3))
        let valid = PreferencePair.jsonl(pairs)
        var rng = SplitMix64(seed: 7)
        var loaded = 0, refused = 0
        for _ in 0..<1500 {
            var text = valid
            for _ in 0...(rng.next() % 3) { text = Self.mutate(text, &rng) }
            do {
                let parsed = try PairsLoader.parse(text, file: "fuzz.jsonl")
                _ = PairsStatistics(pairs: parsed).report()
                loaded += 1
            } catch {
                #expect("\(error)".contains("fuzz.jsonl"), "\(error)")
                refused += 1
            }
        }
        #expect(loaded > 50 && refused > 50, "loaded \(loaded), refused \(refused)")
    }

    /// Bytes that are not UTF-8 (or start UTF-16), spliced into specs and pairs files read from disk: a
    /// located error or a value, never a crash, and an encoding error always has a line and column.
    @Test func specsAndPairFilesWithBadBytesFailWithAPosition() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-fuzz-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let hostileBytes: [[UInt8]] = [[0x00], [0x80], [0xC3], [0xE9], [0xFF, 0xFE], [0xFE, 0xFF], [0xED, 0xA0, 0x80], [0xF4, 0x90], [0xC0, 0xAF]]
        var rng = SplitMix64(seed: 18)
        let pairs = Array(PreferencePair.jsonl(try ArithTask.generate(ArithTaskConfig(count: 12, seed: 1))).utf8)
        var located = 0
        for round in 0..<400 {
            var bytes = round % 2 == 0 ? Array(Self.shippedSpecs[round % Self.shippedSpecs.count].utf8) : pairs
            for _ in 0...(rng.next() % 2) {
                let at = Int(rng.next() % UInt64(bytes.count + 1))
                bytes.insert(contentsOf: hostileBytes[Int(rng.next() % UInt64(hostileBytes.count))], at: at)
            }
            let file = dir.appendingPathComponent("f\(round)")
            try Data(bytes).write(to: file)
            if round % 2 == 0 {
                do {
                    _ = try SpecLoader.load(path: file.path)
                } catch let error as SpecError {
                    if let d = error.diagnostics.first(where: { $0.message.contains("not UTF-8") }) {
                        #expect(d.line >= 1 && d.column >= 1, "\(d)")
                        located += 1
                    }
                }
            } else {
                do {
                    _ = try PairsLoader.load(path: file.path)
                } catch {
                    #expect("\(error)".contains(file.path), "\(error)")
                }
            }
        }
        #expect(located > 100, "\(located)")
    }
}
