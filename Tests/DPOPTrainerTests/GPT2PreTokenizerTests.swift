import Foundation
import Testing
@testable import DPOPTrainer

/// The split pattern's classes of every Unicode scalar, against `tokenizers` (scalar_classes.json).
@Suite struct GPT2PreTokenizerTests {
    struct Runs: Decodable {
        var tokenizers: String
        var runs: [[RunField]]
    }

    enum RunField: Decodable {
        case start(UInt32), name(String)
        init(from decoder: any Decoder) throws {
            let c = try decoder.singleValueContainer()
            if let v = try? c.decode(UInt32.self) { self = .start(v) } else { self = .name(try c.decode(String.self)) }
        }
    }

    @Test func everyScalarIsClassedAsTokenizersClassesIt() throws {
        let data = try Data(contentsOf: BPETokenizerTests.fixtures.appendingPathComponent("scalar_classes.json"))
        let runs: [(start: UInt32, name: String)] = try JSONDecoder().decode(Runs.self, from: data).runs.map {
            guard case .start(let s) = $0[0], case .name(let n) = $0[1] else { throw CocoaError(.coderReadCorrupt) }
            return (s, n)
        }
        let names: [GPT2PreTokenizer.ScalarClass: String] = [.letter: "L", .number: "N", .space: "S", .other: "O"]
        var mismatches: [String] = []
        for (k, run) in runs.enumerated() {
            let end = k + 1 < runs.count ? runs[k + 1].start : 0x110000
            for v in run.start..<end {
                guard let scalar = Unicode.Scalar(v) else { continue }
                if names[GPT2PreTokenizer.classify(scalar)] != run.name { mismatches.append(String(v, radix: 16)) }
            }
        }
        #expect(runs.count > 1000)
        #expect(mismatches.isEmpty, "\(mismatches.count) scalars classed differently, first U+\(mismatches.prefix(10))")
    }
}
