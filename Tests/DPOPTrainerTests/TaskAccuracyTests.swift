import Foundation
import Testing
@testable import DPOPTrainer

/// Task accuracy as a metric of every eval step: its Wilson interval and its change against the reference.
@Suite struct TaskAccuracyTests {
    @Test func wilsonIntervalMatchesPublishedValues() {
        // Newcombe (1998), table I: 0/10 → [0, 0.2775], 5/10 → [0.2366, 0.7634], 81/263 → [0.2553, 0.3662].
        let none = WilsonInterval(successes: 0, trials: 10)
        #expect(none.low == 0 && abs(none.high - 0.2775) < 1e-4)
        let half = WilsonInterval(successes: 5, trials: 10)
        #expect(abs(half.low - 0.2366) < 1e-4 && abs(half.high - 0.7634) < 1e-4)
        let some = WilsonInterval(successes: 81, trials: 263)
        #expect(abs(some.low - 0.2553) < 1e-4 && abs(some.high - 0.3662) < 1e-4)
        let all = WilsonInterval(successes: 10, trials: 10)
        #expect(abs(all.high - 1) < 1e-12 && abs(all.low - 0.7225) < 1e-4)
        // ±5% at any accuracy needs 385 problems; the interval of 385 at p = ½ is that wide.
        #expect(WilsonInterval.trialsFor(halfWidth: 0.05) == 385)
        let w = WilsonInterval(successes: 192, trials: 385)
        #expect(w.high - w.low <= 0.1 && w.high - w.low > 0.098)
    }

    @Test func everyEvalStepMeasuresTaskAccuracyWithItsIntervalAndDelta() throws {
        let pairs = try PreferenceTrainingTests.pairs(48, mix: "step:0.5,resample:0.5")
        var config = PreferenceTrainingTests.runConfig(loss: PreferenceLossConfig(kind: .dpo, beta: 0.5))
        config.train.taskEvalPairs = 8
        let run = PreferenceRun(config: config, pairs: pairs, answerCheck: AnswerCheck.arith)
        var lines: [String] = []
        run.log = { lines.append($0) }
        let records = try run.run()
        #expect(records.map(\.step) == [0, 10, 20, 30])
        let first = records[0]
        for r in records {
            let e = r.eval
            let accuracy = try #require(e.taskAccuracy, "step \(r.step) has no task accuracy")
            let low = try #require(e.taskAccuracyLow), high = try #require(e.taskAccuracyHigh)
            #expect(low <= accuracy && accuracy <= high && low >= 0 && high <= 1)
            #expect(e.taskAccuracyDelta == accuracy - first.eval.taskAccuracy!)
            for (name, bucket) in r.buckets {
                if let a = bucket.taskAccuracy, let a0 = first.buckets[name]?.taskAccuracy {
                    #expect(bucket.taskAccuracyDelta == a - a0)
                }
            }
        }
        #expect(first.eval.taskAccuracyDelta == 0)
        // The decoded problems: at most 8 of the eval pairs, so the interval is that of 8 trials or fewer.
        let solved = (first.eval.taskAccuracy! * 8).rounded()
        #expect(first.eval.taskAccuracyLow == WilsonInterval(successes: Int(solved), trials: 8).low)
        // One timing line per eval step.
        #expect(lines.filter { $0.hasPrefix("task eval step") }.count == records.count)
    }

    @Test func newMetricsHaveDescriptorsAndRoundTrip() throws {
        for name in ["task/accuracy_delta", "task/accuracy_ci_low", "task/accuracy_ci_high"] {
            #expect(MetricDescriptor.lookup(name) != nil)
        }
        var m = PreferenceMetrics.zero(n: 3)
        m.taskAccuracy = 2.0 / 3
        m.taskAccuracyDelta = -1.0 / 3
        m.taskAccuracyLow = 0.2
        m.taskAccuracyHigh = 0.9
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.withoutEscapingSlashes]
        let data = try encoder.encode(m)
        #expect(try JSONDecoder().decode(PreferenceMetrics.self, from: data) == m)
        #expect(String(decoding: data, as: UTF8.self).contains("\"task/accuracy_delta\""))
    }
}
