/// The built-in `arith` task: short arithmetic word problems with worked solutions, MetaMath style.
///
/// A pair looks like this (the completion starts with the space after `A:`):
///
///     prompt:   Q: Tom has 17 apples and buys 3 bags of 25. How many now?\nA:
///     chosen:    3*25=75. 17+75=92. The answer is 92.
///     rejected:  3*25=76. 17+75=92. The answer is 92.        (mode step)
///
/// The rejected completion comes from the correct one by the pair's `ArithCorruption` mode:
/// - `step`: one intermediate result (any equation but the last; the only one when there is one
///   step) is replaced by a wrong number; nothing after it changes, so later steps still use the
///   right value and the answer is still right;
/// - `propagate`: the same, but every later equation and the answer are recomputed from the wrong value;
/// - `final`: only the number in "The answer is N" is wrong; the equations stay correct;
/// - `resample`: the correct solution of a different random problem with as many steps and a different answer.
/// Wrong numbers are near the right ones (±1–9, or ±10 like a carry slip), never equal and never negative.
///
/// Each pair's metadata holds `id` (`arith-<index>`), `mode`, `answer` (the correct final answer)
/// and `steps`. Generation uses only `SplitMix64` and integer arithmetic, so the same configuration
/// gives byte-identical pairs on every platform. Pair i's prompt and chosen completion depend only
/// on the seed, `steps`, `maxNumber` and `maxContext` — not on `count` or the corruption mix — so
/// datasets that differ only in their corruption share their problems (unless no corruption of a
/// problem fits the context, which redraws it: possible only for a correct solution within a few
/// tokens of the limit, and rare even then).
public enum ArithTask {
    /// Generates `config.count` pairs; throws if the configuration is invalid.
    public static func generate(_ config: ArithTaskConfig) throws -> [PreferencePair] {
        try config.validate()
        var master = SplitMix64(seed: config.seed)
        let pairSeeds = (0..<config.count).map { _ in master.next() }

        // Exact per-mode counts, dealt out in a seeded random order.
        var modes = config.corruption.counts(total: config.count).flatMap { Array(repeating: $0.mode, count: $0.count) }
        var shuffler = SplitMix64(seed: config.seed ^ 0x6172_6974_686D_6F64)
        if modes.count > 1 {
            for i in stride(from: modes.count - 1, to: 0, by: -1) {
                modes.swapAt(i, shuffler.uniform(0...i))
            }
        }

        var pairs: [PreferencePair] = []
        pairs.reserveCapacity(config.count)
        for i in 0..<config.count {
            // Problems and corruptions draw from separate streams, and a problem's fit is judged on
            // its correct solution alone, so a seed gives the same problems whatever the mix or count.
            var problemRNG = SplitMix64(seed: pairSeeds[i])
            var corruptionRNG = SplitMix64(seed: pairSeeds[i] ^ 0x636F_7272_7570_7421)
            let steps = problemRNG.uniform(config.steps)
            var made: PreferencePair?
            search: for _ in 0..<1000 {
                let problem = Problem.random(steps: steps, maxNumber: config.maxNumber, rng: &problemRNG)
                let prompt = problem.prompt
                let chosen = problem.correctSolution()
                guard prompt.utf8.count + chosen.utf8.count + 1 <= config.maxContext else { continue }
                // A wrong number can be a digit longer; another draw nearly always fits. Only if none
                // does is the problem redrawn, the one case where the mix changes the problem.
                for _ in 0..<100 {
                    let rejected = corrupt(problem, mode: modes[i], maxNumber: config.maxNumber, rng: &corruptionRNG)
                    guard prompt.utf8.count + rejected.utf8.count + 1 <= config.maxContext else { continue }
                    made = PreferencePair(prompt: prompt, chosen: chosen, rejected: rejected, metadata: [
                        "id": "arith-\(i)",
                        "mode": modes[i].rawValue,
                        "answer": String(problem.answer),
                        "steps": String(steps),
                    ])
                    break search
                }
            }
            guard let pair = made else {
                throw DPOPError.invalidConfiguration(
                    "arith task: cannot fit a \(steps)-step problem into a context of \(config.maxContext) tokens; use fewer steps, a smaller maxNumber or a longer context")
            }
            pairs.append(pair)
        }
        return pairs
    }

    /// The N of the last "The answer is N" in `completion` (an optional minus sign and digits), or nil.
    public static func extractAnswer(from completion: String) -> String? {
        guard let marker = completion.range(of: "The answer is ", options: .backwards) else { return nil }
        var rest = completion[marker.upperBound...]
        var answer = ""
        if rest.first == "-" {
            answer = "-"
            rest = rest.dropFirst()
        }
        let digits = rest.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty else { return nil }
        return answer + digits
    }

    /// Whether `completion` states `answer` as its final answer.
    public static func isCorrect(completion: String, answer: String) -> Bool {
        extractAnswer(from: completion) == answer
    }

    /// Whether a generated completion for `pair` reaches the pair's `answer` metadata; nil if the pair has none.
    public static func answerCheck(_ pair: PreferencePair, _ completion: String) -> Bool? {
        guard let answer = pair.metadata["answer"] else { return nil }
        return isCorrect(completion: completion, answer: answer)
    }

    // MARK: - Corruptions

    private static func corrupt(_ p: Problem, mode: ArithCorruption, maxNumber: Int, rng: inout SplitMix64) -> String {
        let values = p.evaluate()
        let k = p.equations.count
        let target = k >= 2 ? rng.uniform(0...(k - 2)) : 0
        switch mode {
        case .step:
            var shown = values
            shown[target] = wrongNear(values[target], rng: &rng)
            return p.render(operandValues: values, shownResults: shown, answer: values[k - 1])
        case .propagate:
            var changed = p.evaluate(override: (target, wrongNear(values[target], rng: &rng)))
            if changed.contains(where: { $0 < 0 }) {
                // Every operation grows with its running value, so a wrong value above the right one keeps all later results positive.
                changed = p.evaluate(override: (target, values[target] + rng.uniform(1...9)))
            }
            return p.render(operandValues: changed, shownResults: changed, answer: changed[k - 1])
        case .final:
            return p.render(operandValues: values, shownResults: values, answer: wrongNear(values[k - 1], rng: &rng))
        case .resample:
            while true {
                let other = Problem.random(steps: k, maxNumber: maxNumber, rng: &rng)
                let text = other.correctSolution()
                if other.answer != p.answer && text != p.correctSolution() { return text }
            }
        }
    }

    /// A number near `x` but not `x` and not negative: x ± 1…9, or x ± 10 a quarter of the time.
    private static func wrongNear(_ x: Int, rng: inout SplitMix64) -> Int {
        while true {
            let delta = rng.uniform(0...3) == 0 ? 10 : rng.uniform(1...9)
            let w = rng.uniform(0...1) == 0 ? x - delta : x + delta
            if w >= 0 { return w }
        }
    }

    // MARK: - Problems

    private enum Operand {
        case literal(Int)
        case result(Int)
    }

    private struct Equation {
        var lhs: Operand
        var op: Character
        var rhs: Operand
    }

    private struct Problem {
        var prompt: String
        var equations: [Equation]

        var answer: Int { evaluate().last! }

        static let names = ["Tom", "Mia", "Sam", "Ana", "Leo", "Eva", "Max", "Zoe", "Ben", "Ivy", "Raj", "Kim"]
        static let objects = ["apples", "pens", "books", "cards", "eggs", "coins", "shells", "stamps", "cups", "nuts"]

        /// A random problem with exactly `steps` equations; results stay in 1...10·maxNumber.
        static func random(steps: Int, maxNumber m: Int, rng: inout SplitMix64) -> Problem {
            let cap = 10 * m
            let name = rng.pick(names)
            let object = rng.pick(objects)
            let start = rng.uniform(2...m)
            var v = start
            var current = Operand.literal(start)
            var equations: [Equation] = []
            var clauses: [String] = []

            func push(_ e: Equation, value: Int) {
                equations.append(e)
                current = .result(equations.count - 1)
                v = value
            }

            while equations.count < steps {
                enum Op { case add, sub, mul, bags }
                var ops: [Op] = []
                if v + 2 <= cap { ops.append(.add) }
                if v >= 3 { ops.append(.sub) }
                if v * 2 <= cap { ops.append(.mul) }
                if steps - equations.count >= 2 && v + 4 <= cap { ops.append(.bags) }
                switch rng.pick(ops) {
                case .add:
                    let b = rng.uniform(2...min(m, cap - v))
                    clauses.append(rng.pick(["buys \(b)", "finds \(b)", "gets \(b) more"]))
                    push(Equation(lhs: current, op: "+", rhs: .literal(b)), value: v + b)
                case .sub:
                    let b = rng.uniform(2...min(m, v - 1))
                    clauses.append(rng.pick(["sells \(b)", "loses \(b)", "gives \(b) away"]))
                    push(Equation(lhs: current, op: "-", rhs: .literal(b)), value: v - b)
                case .mul:
                    let k = rng.uniform(2...min(4, cap / v))
                    clauses.append(["doubles them", "triples them", "quadruples them"][k - 2])
                    push(Equation(lhs: current, op: "*", rhs: .literal(k)), value: v * k)
                case .bags:
                    let c = rng.uniform(2...min(9, (cap - v) / 2))
                    let d = rng.uniform(2...min(m, (cap - v) / c))
                    clauses.append(rng.pick(["buys \(c) bags of \(d)", "gets \(c) boxes of \(d)"]))
                    equations.append(Equation(lhs: .literal(c), op: "*", rhs: .literal(d)))
                    let product = equations.count - 1
                    push(Equation(lhs: current, op: "+", rhs: .result(product)), value: v + c * d)
                }
            }

            let story = clauses.count == 1
                ? " and \(clauses[0])"
                : ", " + clauses.dropLast().joined(separator: ", ") + " and \(clauses.last!)"
            let prompt = "Q: \(name) has \(start) \(object)\(story). How many now?\nA:"
            return Problem(prompt: prompt, equations: equations)
        }

        /// Results of all equations, optionally forcing one equation's result (later ones use it).
        func evaluate(override: (index: Int, value: Int)? = nil) -> [Int] {
            var results: [Int] = []
            for (j, e) in equations.enumerated() {
                if let o = override, o.index == j {
                    results.append(o.value)
                    continue
                }
                let a = value(e.lhs, results), b = value(e.rhs, results)
                switch e.op {
                case "+": results.append(a + b)
                case "-": results.append(a - b)
                default: results.append(a * b)
                }
            }
            return results
        }

        func value(_ o: Operand, _ results: [Int]) -> Int {
            switch o {
            case .literal(let x): return x
            case .result(let j): return results[j]
            }
        }

        func correctSolution() -> String {
            let values = evaluate()
            return render(operandValues: values, shownResults: values, answer: values.last!)
        }

        /// " a+b=r. r*k=s. The answer is s." with operands taken from `operandValues` and each
        /// equation's right-hand side from `shownResults`, so a corruption can change one without the other.
        func render(operandValues: [Int], shownResults: [Int], answer: Int) -> String {
            var text = ""
            for (j, e) in equations.enumerated() {
                text += " \(value(e.lhs, operandValues))\(e.op)\(value(e.rhs, operandValues))=\(shownResults[j])."
            }
            return text + " The answer is \(answer)."
        }
    }
}

fileprivate extension SplitMix64 {
    /// Uniform integer in `range`, by rejection so that no value is favoured and the stream is the same everywhere.
    mutating func uniform(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound) &+ 1
        if span == 0 { return Int(truncatingIfNeeded: next()) }
        let limit = UInt64.max - UInt64.max % span
        var x = next()
        while x >= limit { x = next() }
        return range.lowerBound + Int(x % span)
    }

    /// A uniformly chosen element of a non-empty array.
    mutating func pick<T>(_ items: [T]) -> T {
        items[uniform(0...(items.count - 1))]
    }
}
