import Foundation
import Testing
@testable import DPOPTrainer

/// The built-in arithmetic task: determinism, corruption semantics, length budget, mix parsing.
@Suite struct ArithTaskTests {
    static let all = try! ArithCorruptionMix(parsing: "step,propagate,final,resample")

    /// The equations of a completion as (lhs, op, rhs, shown result), and its stated answer.
    func equations(_ s: String) -> (eqs: [(Int, Character, Int, Int)], answer: Int?) {
        var eqs: [(Int, Character, Int, Int)] = []
        for part in s.split(separator: ".") {
            let t = part.trimmingCharacters(in: .whitespaces)
            guard let eq = t.firstIndex(of: "="), let opIndex = t.firstIndex(where: { "+-*".contains($0) }) else { continue }
            eqs.append((Int(t[..<opIndex])!, t[opIndex], Int(t[t.index(after: opIndex)..<eq])!, Int(t[t.index(after: eq)...])!))
        }
        return (eqs, ArithTask.extractAnswer(from: s).flatMap { Int($0) })
    }

    func apply(_ a: Int, _ op: Character, _ b: Int) -> Int {
        op == "+" ? a + b : op == "-" ? a - b : a * b
    }

    @Test func deterministicAndGolden() throws {
        let config = ArithTaskConfig(count: 200, steps: 1...3, corruption: Self.all, seed: 1234)
        let a = try ArithTask.generate(config)
        let b = try ArithTask.generate(config)
        #expect(a == b)
        let text = PreferencePair.jsonl(a)
        #expect(a[0].jsonLine == Self.goldenFirstLine)
        #expect(PreferencePair(prompt: text, chosen: "", rejected: "").contentHash(seed: 0) == Self.goldenHash)
        // Problem i does not depend on how many pairs are generated or on the corruption mix.
        let fewer = try ArithTask.generate(ArithTaskConfig(count: 50, steps: 1...3, corruption: Self.all, seed: 1234))
        #expect(zip(fewer, a).allSatisfy { $0.prompt == $1.prompt && $0.chosen == $1.chosen })
        for mode in ArithCorruption.allCases {
            let only = try ArithTask.generate(ArithTaskConfig(count: 200, steps: 1...3, corruption: ArithCorruptionMix(only: mode), seed: 1234))
            #expect(zip(only, a).allSatisfy { $0.prompt == $1.prompt && $0.chosen == $1.chosen && $0.metadata["answer"] == $1.metadata["answer"] })
        }
        let other = try ArithTask.generate(ArithTaskConfig(count: 200, steps: 1...3, corruption: Self.all, seed: 1235))
        #expect(other != a)
        // The output reads back through the loader unchanged.
        #expect(try PairsLoader.parse(text, file: "arith.jsonl", maxContext: 128) == a)
    }

    static let goldenFirstLine = #"{"prompt":"Q: Ivy has 50 shells, sells 33 and finds 42. How many now?\nA:","chosen":" 50-33=17. 17+42=59. The answer is 59.","rejected":" 50-33=7. 17+42=59. The answer is 59.","answer":"59","id":"arith-0","mode":"step","steps":"2"}"#
    static let goldenHash: UInt64 = 4_617_140_369_278_961_907

    @Test func correctSolutionsAreCorrect() throws {
        let pairs = try ArithTask.generate(ArithTaskConfig(count: 500, steps: 1...4, maxNumber: 30, corruption: Self.all, seed: 5, maxContext: 160))
        for p in pairs {
            let (eqs, answer) = equations(p.chosen)
            #expect(eqs.count == Int(p.metadata["steps"]!)!)
            for e in eqs { #expect(apply(e.0, e.1, e.2) == e.3, "\(p.chosen)") }
            #expect(answer == eqs.last!.3)
            #expect(String(answer!) == p.metadata["answer"])
            #expect(ArithTask.answerCheck(p, p.chosen) == true)
            #expect(ArithTask.isCorrect(completion: p.chosen, answer: p.metadata["answer"]!))
            #expect(p.chosen.hasPrefix(" ") && p.prompt.hasSuffix("\nA:") && p.prompt.hasPrefix("Q: "))
            #expect(p.chosen != p.rejected)
            #expect(p.id == "arith-\(pairs.firstIndex(of: p)!)")
        }
    }

    @Test func corruptionModesDoWhatTheySay() throws {
        for mode in ArithCorruption.allCases {
            let pairs = try ArithTask.generate(ArithTaskConfig(count: 300, steps: 1...3, corruption: ArithCorruptionMix(only: mode), seed: 77))
            for p in pairs {
                #expect(p.metadata["mode"] == mode.rawValue)
                let c = equations(p.chosen), r = equations(p.rejected)
                let wrongAnswer = r.answer != c.answer
                let k = c.eqs.count
                switch mode {
                case .step:
                    // Exactly one shown result differs, it is not the last (unless there is one step), the answer stands.
                    #expect(!wrongAnswer)
                    #expect(r.eqs.count == k)
                    let diffs = (0..<k).filter { c.eqs[$0].3 != r.eqs[$0].3 }
                    #expect(diffs.count == 1)
                    #expect(k == 1 || diffs.first! < k - 1, "\(p.rejected)")
                    for j in 0..<k {
                        #expect(c.eqs[j].0 == r.eqs[j].0 && c.eqs[j].2 == r.eqs[j].2)
                    }
                case .propagate:
                    // Wrong somewhere, consistent afterwards: every equation after the first wrong one holds.
                    #expect(wrongAnswer)
                    let first = (0..<k).first { c.eqs[$0].3 != r.eqs[$0].3 }!
                    #expect(k == 1 || first < k - 1)
                    for j in (first + 1)..<max(first + 1, k) {
                        #expect(apply(r.eqs[j].0, r.eqs[j].1, r.eqs[j].2) == r.eqs[j].3, "\(p.rejected)")
                    }
                    #expect(r.answer == r.eqs.last!.3)
                    #expect(r.eqs.allSatisfy { $0.3 >= 0 && $0.0 >= 0 })
                case .final:
                    #expect(wrongAnswer)
                    #expect(p.rejected.components(separatedBy: " The answer is ")[0] == p.chosen.components(separatedBy: " The answer is ")[0])
                case .resample:
                    #expect(wrongAnswer)
                    #expect(r.eqs.count == k)
                    for e in r.eqs { #expect(apply(e.0, e.1, e.2) == e.3) }
                }
                #expect(r.answer.map { $0 >= 0 } == true)
                #expect(ArithTask.answerCheck(p, p.rejected) == !wrongAnswer)
            }
        }
    }

    @Test func editDistanceOrdering() throws {
        func meanDistance(_ mode: ArithCorruption) throws -> Double {
            let pairs = try ArithTask.generate(ArithTaskConfig(count: 300, corruption: ArithCorruptionMix(only: mode), seed: 3))
            return Double(pairs.map(\.editDistance).reduce(0, +)) / Double(pairs.count)
        }
        let step = try meanDistance(.step), final = try meanDistance(.final)
        let propagate = try meanDistance(.propagate), resample = try meanDistance(.resample)
        #expect(step < 3 && final < 3)
        #expect(propagate > step)
        #expect(resample > propagate && resample > 10)
    }

    @Test func fitsTheContextAndStaysShort() throws {
        let pairs = try ArithTask.generate(ArithTaskConfig(count: 1000, steps: 1...3, corruption: Self.all, seed: 11))
        var total = 0
        for p in pairs {
            let n = p.promptTokens.count + max(p.chosenTokens.count, p.rejectedTokens.count)
            #expect(n <= 128)
            total += p.promptTokens.count + p.chosenTokens.count
        }
        #expect(Double(total) / Double(pairs.count) < 105)
        let tight = try ArithTask.generate(ArithTaskConfig(count: 200, steps: 2...2, corruption: Self.all, seed: 11, maxContext: 96))
        #expect(tight.allSatisfy { $0.prompt.utf8.count + max($0.chosen.utf8.count, $0.rejected.utf8.count) + 1 <= 96 })
        #expect(throws: DPOPError.self) {
            try ArithTask.generate(ArithTaskConfig(count: 10, steps: 4...4, corruption: Self.all, seed: 11, maxContext: 100))
        }
    }

    @Test func modeCountsAreExact() throws {
        let mix = try ArithCorruptionMix(parsing: "step:0.5, resample:0.3,final:0.2")
        let pairs = try ArithTask.generate(ArithTaskConfig(count: 101, corruption: mix, seed: 1))
        let counts = Dictionary(grouping: pairs, by: { $0.metadata["mode"]! }).mapValues(\.count)
        #expect(counts == ["step": 51, "resample": 30, "final": 20])
        // The modes are interleaved, not in blocks.
        #expect(Set(pairs.prefix(20).map { $0.metadata["mode"]! }).count > 1)
    }

    @Test func mixParsing() throws {
        #expect(try ArithCorruptionMix(parsing: "step") == ArithCorruptionMix(only: .step))
        let m = try ArithCorruptionMix(parsing: "step:3,final:1")
        #expect(m.weight(of: .step) == 0.75 && m.weight(of: .final) == 0.25 && m.weight(of: .resample) == 0)
        #expect(m.description == "step:0.75,final:0.25")
        #expect(try ArithCorruptionMix(parsing: m.description) == m)
        let data = try JSONEncoder().encode(m)
        #expect(try JSONDecoder().decode(ArithCorruptionMix.self, from: data) == m)
        let bad: [(String, String)] = [
            ("stepp", "unknown mode 'stepp'; valid modes: step, propagate, final, resample"),
            ("step:x", "weight 'x' of 'step' is not a number"),
            ("step:-1", "must be a finite number >= 0"),
            ("step:0", "at least one mode with a weight above 0"),
            ("step,step", "'step' appears twice"),
            ("step,", "empty entry"),
            ("", "empty entry"),
        ]
        for (text, why) in bad {
            do {
                _ = try ArithCorruptionMix(parsing: text)
                Issue.record("'\(text)' should be rejected")
            } catch {
                #expect("\(error)".contains(why), "\(text): \(error)")
                #expect("\(error)".contains("'\(text)'"), "\(error)")
            }
        }
    }

    @Test func configValidationAndSteps() throws {
        #expect(try ArithTaskConfig.parseSteps("2") == 2...2)
        #expect(try ArithTaskConfig.parseSteps("2-3") == 2...3)
        #expect(try ArithTaskConfig.parseSteps("1...4") == 1...4)
        #expect(throws: DPOPError.self) { try ArithTaskConfig.parseSteps("3-2") }
        #expect(throws: DPOPError.self) { try ArithTaskConfig.parseSteps("two") }
        for bad in [ArithTaskConfig(count: 0), ArithTaskConfig(steps: 0...2), ArithTaskConfig(steps: 2...5),
                    ArithTaskConfig(maxNumber: 4), ArithTaskConfig(maxContext: 32)] {
            #expect(throws: DPOPError.self) { try ArithTask.generate(bad) }
        }
        let decoded = try JSONDecoder().decode(ArithTaskConfig.self, from: Data(#"{"count": 5, "corruption": "final"}"#.utf8))
        #expect(decoded == ArithTaskConfig(count: 5, corruption: ArithCorruptionMix(only: .final)))
    }

    @Test func answerExtraction() {
        #expect(ArithTask.extractAnswer(from: " 2+2=4. The answer is 4.") == "4")
        #expect(ArithTask.extractAnswer(from: "The answer is 3. The answer is -12") == "-12")
        #expect(ArithTask.extractAnswer(from: " 2+2=4.") == nil)
        #expect(ArithTask.extractAnswer(from: "The answer is x") == nil)
        #expect(ArithTask.answerCheck(PreferencePair(prompt: "", chosen: "a", rejected: "b"), "The answer is 1") == nil)
    }
}
