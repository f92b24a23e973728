import Foundation
import Testing
@testable import DPOPTrainer

/// The one table of metric names: PreferenceMetrics' JSON keys, `names` and `value(_:)` all come from it.
@Suite struct MetricDescriptorTests {
    /// An `eval` object of a committed results/quickstart metrics.jsonl (written with the synthesized coder).
    static let committed = #"{"logps/chosen":-31.79207525066301,"logps/chosen_decreased":0.1568627450980392,"logps/chosen_delta":0.6725683773265165,"logps/chosen_delta_differing":-0.105958106471043,"logps/chosen_delta_prefix":0.3094575239970878,"logps/chosen_delta_suffix":0.46906942866574836,"logps/rejected":-32.16050929649204,"logps/rejected_delta":0.6334436828014898,"loss":0.9549223697827778,"n":51,"rewards/accuracies":0.5294117647058824,"rewards/chosen":-0.2624893338072533,"rewards/margins":-0.3258337020874023,"rewards/rejected":0.06334436828014899,"task/accuracy":0.0196078431372549}"#

    static func encode(_ m: PreferenceMetrics) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(m), as: UTF8.self)
    }

    @Test func recordsWrittenBeforeReadAndWriteBackByteForByte() throws {
        let m = try JSONDecoder().decode(PreferenceMetrics.self, from: Data(Self.committed.utf8))
        #expect(m.n == 51 && m.logpsChosenDelta == 0.6725683773265165 && m.taskAccuracy == 0.0196078431372549)
        #expect(try Self.encode(m) == Self.committed)
        // Without a task accuracy the key is left out, as before.
        var noTask = m
        noTask.taskAccuracy = nil
        #expect(!(try Self.encode(noTask)).contains("task/accuracy"))
        #expect(try JSONDecoder().decode(PreferenceMetrics.self, from: Data(try Self.encode(noTask).utf8)) == noTask)
        // A missing metric names its key.
        let missing = Self.committed.replacingOccurrences(of: #""rewards/margins":-0.3258337020874023,"#, with: "")
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PreferenceMetrics.self, from: Data(missing.utf8)) }
    }

    @Test func everyDescriptorReadsItsOwnField() throws {
        // Each metric gets a distinct value: a descriptor pointing at another's field would read the wrong one.
        var fields = ["\"n\":7"]
        for (i, metric) in MetricDescriptor.eval.enumerated() { fields.append("\"\(metric.name)\":\(i + 1)") }
        let m = try JSONDecoder().decode(PreferenceMetrics.self, from: Data("{\(fields.joined(separator: ","))}".utf8))
        for (i, metric) in MetricDescriptor.eval.enumerated() {
            #expect(metric.value(in: m) == Double(i + 1), "\(metric.name)")
            #expect(m.value(metric.name) == Double(i + 1))
        }
        #expect(m.value("n") == 7 && m.value("nope") == nil)
        #expect(m.rewardsMargins == Double(MetricDescriptor.eval.firstIndex(of: .rewardsMargins)! + 1))
        #expect(PreferenceMetrics.names == MetricDescriptor.eval.map(\.name))
        #expect(Set(MetricDescriptor.all.map(\.name)).count == MetricDescriptor.all.count)
        #expect(MetricDescriptor.trainLoss.value(in: m) == nil && MetricDescriptor.lookup("train/loss") == .trainLoss)
    }

    @Test func directions() {
        #expect(MetricDescriptor.logpsChosenDelta.isBetter(1, than: -1))
        #expect(MetricDescriptor.logpsChosenDecreased.isBetter(0.1, than: 0.5))
        let nearZero = MetricDescriptor("x", "x", better: .closerToZero, nil)
        #expect(nearZero.isBetter(-0.1, than: 0.5) && !nearZero.isBetter(2, than: -1))
        #expect([MetricDescriptor.Direction.higher, .lower, .closerToZero].map(\.arrow) == ["↑", "↓", "→0"])
    }
}
