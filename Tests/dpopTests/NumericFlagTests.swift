import Testing
@testable import dpop

/// Every numeric flag of `dpop train`, `sft`, `score` and `bench` refuses 0 (where 0 means nothing), a negative
/// number, NaN and an absurd value with a non-zero exit and a message naming the flag; before the settings were
/// validated, `dpop train --batch 0` exited 0 after training nothing (issue 10).
@Suite struct NumericFlagTests {
    /// One flag of one command: the arguments that make the rest of the command valid, and the values that
    /// are legitimate (not expected to fail).
    struct Flag: CustomTestStringConvertible, Sendable {
        var command: [String]
        var name: String
        var allowed: Set<String> = []
        var testDescription: String { "\(command[0]) --\(name)" }
    }

    static let zero = "0", negative = "-1", nan = "nan", absurdInteger = "1000000000000000000", absurdReal = "1e39"

    /// Seeds are any UInt64 (0 and 10^18 included); logging every 10^18 steps only logs the first and last; warm-ups, weight decay, λ, ε, γ, α and the task-eval
    /// count may be 0.
    static let flags: [Flag] = {
        let train = ["train", "--task", "arith"]
        let sft = ["sft", "--data", "pairs.jsonl", "--out", "model"]
        let score = ["score", "--model", "m", "--data", "pairs.jsonl"]
        let bench = ["bench"]
        func f(_ c: [String], _ n: String, _ allowed: Set<String> = []) -> Flag { Flag(command: c, name: n, allowed: allowed) }
        let seed: Set<String> = [zero, absurdInteger]
        let shape = ["embedding", "layers", "heads", "context"]
        return [
            f(train, "pairs"), f(train, "arith-steps"), f(train, "sft-steps"), f(train, "sft-lr"), f(train, "sft-batch"),
            f(train, "sft-warmup", [zero]), f(train, "sft-weight-decay", [zero]), f(train, "steps"), f(train, "lr"),
            f(train, "batch"), f(train, "warmup", [zero]), f(train, "weight-decay", [zero]), f(train, "eval-every"),
            f(train, "task-eval-pairs", [zero]), f(train, "eval-fraction"), f(train, "beta"), f(train, "lambda", [zero]),
            f(train + ["--loss", "cdpo"], "epsilon", [zero]), f(train + ["--loss", "simpo"], "gamma", [zero]),
            f(train + ["--loss", "orpo"], "alpha", [zero]), f(train, "seed", seed), f(train, "threads"),
            f(train + ["--loss", "exo_pair"], "epsilon"), f(train + ["--loss", "discopop"], "tau"),
            f(train + ["--loss", "dpo_shift"], "shift", [zero]),
        ] + shape.map { f(train, $0) } + [
            f(sft, "steps"), f(sft, "batch"), f(sft, "lr"), f(sft, "warmup", [zero]), f(sft, "weight-decay", [zero]),
            f(sft, "seed", seed), f(sft, "log-every", [absurdInteger]), f(sft, "threads"),
        ] + shape.map { f(sft, $0) } + [
            f(score, "beta"), f(score, "lambda", [zero]), f(score + ["--loss", "cdpo"], "epsilon", [zero]),
            f(score + ["--loss", "simpo"], "gamma", [zero]), f(score + ["--loss", "orpo"], "alpha", [zero]),
            f(score + ["--loss", "discopop"], "tau"), f(score + ["--loss", "dpo_shift"], "shift", [zero]),
        ] + ["embedding", "layers", "heads", "vocab", "context", "batch", "prompt-length", "completion-length", "steps", "threads"]
            .map { f(bench, $0) }
          + [f(bench, "warmup", [zero]), f(bench + ["--loss", "dpop"], "beta"), f(bench + ["--loss", "dpop"], "lambda", [zero])]
    }()

    @Test(arguments: flags)
    func badValuesExitNonZeroNamingTheFlag(flag: Flag) {
        for value in [Self.zero, Self.negative, Self.nan, Self.absurdInteger, Self.absurdReal] where !flag.allowed.contains(value) {
            // `--flag=-1`: a separate "-1" would be read as a flag.
            let outcome = CommandLineHarness.parse(flag.command + ["--\(flag.name)=\(value)"])
            #expect(outcome.exitCode != nil && outcome.exitCode != 0, "--\(flag.name) \(value) was accepted")
            #expect(outcome.message.contains("--\(flag.name)"), "--\(flag.name) \(value): \(outcome.message)")
        }
    }

    @Test(arguments: flags)
    func allowedValuesAndTheDefaultsAreAccepted(flag: Flag) {
        #expect(CommandLineHarness.parse(flag.command).exitCode == nil, "\(CommandLineHarness.parse(flag.command).message)")
        for value in flag.allowed {
            let outcome = CommandLineHarness.parse(flag.command + ["--\(flag.name)=\(value)"])
            #expect(outcome.exitCode == nil, "--\(flag.name) \(value): \(outcome.message)")
        }
    }

    @Test func theCommandAndTheSpecSayTheSame() {
        let outcome = CommandLineHarness.parse(["train", "--task", "arith", "--batch", "0"])
        #expect(outcome.message.contains("--batch must be in 1...1000000000, got 0 (train.batch in a spec)"), "\(outcome.message)")
        let memory = CommandLineHarness.parse(["train", "--task", "arith", "--embedding", "4611686018427387904", "--heads", "1"])
        #expect(memory.message.contains("--embedding 4611686018427387904: the run needs more than 8 EiB of memory"), "\(memory.message)")
    }
}
