import Foundation
import Testing
@testable import DPOPReports

/// Reads back what the exporter writes: protobuf fields (test-only decoder) inside TFRecord framing.
private struct ProtobufFields {
    enum Value: Equatable {
        case varint(UInt64), fixed64(UInt64), fixed32(UInt32), bytes([UInt8])
    }
    var fields: [(number: Int, value: Value)] = []

    init(_ b: [UInt8]) throws {
        var i = 0
        func varint() -> UInt64 {
            var v: UInt64 = 0, shift: UInt64 = 0
            while true {
                let byte = b[i]; i += 1
                v |= UInt64(byte & 0x7F) << shift
                if byte < 0x80 { return v }
                shift += 7
            }
        }
        while i < b.count {
            let key = varint()
            let number = Int(key >> 3)
            switch key & 7 {
            case 0: fields.append((number, .varint(varint())))
            case 1:
                var v: UInt64 = 0
                for k in 0..<8 { v |= UInt64(b[i + k]) << (8 * UInt64(k)) }
                i += 8; fields.append((number, .fixed64(v)))
            case 2:
                let n = Int(varint()); fields.append((number, .bytes(Array(b[i..<(i + n)])))); i += n
            case 5:
                var v: UInt32 = 0
                for k in 0..<4 { v |= UInt32(b[i + k]) << (8 * UInt32(k)) }
                i += 4; fields.append((number, .fixed32(v)))
            default: throw ReportError.eventFile(message: "wire type \(key & 7)")
            }
        }
    }

    func all(_ n: Int) -> [Value] { fields.filter { $0.number == n }.map(\.value) }
    func message(_ n: Int) throws -> ProtobufFields? {
        guard case .bytes(let b)? = all(n).first else { return nil }
        return try ProtobufFields(b)
    }
    func string(_ n: Int) -> String? {
        guard case .bytes(let b)? = all(n).first else { return nil }
        return String(decoding: b, as: UTF8.self)
    }
}

@Suite struct ExportEncodingTests {
    @Test func crc32cMatchesTheStandardCheckValue() {
        #expect(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
        #expect(CRC32C.checksum([UInt8](repeating: 0, count: 32)) == 0x8A91_36AA)  // RFC 3720 B.4
        let crc = CRC32C.checksum(Array("abc".utf8))
        #expect(CRC32C.masked(Array("abc".utf8)) == ((crc >> 15) | (crc << 17)) &+ 0xA282_EAD8)
    }

    @Test func protobufWireFormatMatchesTheSpecificationsExamples() {
        var m = ProtobufMessage()
        m.int(1, 150)               // protobuf docs: 08 96 01
        m.string(2, "testing")      // 12 07 74 65 73 74 69 6e 67
        #expect(m.bytes == [0x08, 0x96, 0x01, 0x12, 0x07, 0x74, 0x65, 0x73, 0x74, 0x69, 0x6E, 0x67])
        var n = ProtobufMessage()
        n.int(2, -1)                // ten bytes of two's complement
        #expect(n.bytes == [0x10] + [UInt8](repeating: 0xFF, count: 9) + [0x01])
        var d = ProtobufMessage()
        d.double(1, 1.0)
        d.float(2, 1.0)
        #expect(d.bytes == [0x09, 0, 0, 0, 0, 0, 0, 0xF0, 0x3F, 0x15, 0, 0, 0x80, 0x3F])
    }

    @Test func tfRecordFramingRoundTripsAndCatchesCorruption() throws {
        let records: [[UInt8]] = [[], Array("brain.Event:2".utf8), [UInt8](repeating: 7, count: 300)]
        let framed = records.flatMap(TFRecordFile.frame)
        #expect(try TFRecordFile.records(framed) == records)
        var damaged = framed
        damaged[framed.count - 10] ^= 1
        #expect(throws: ReportError.self) { try TFRecordFile.records(damaged) }
        #expect(throws: ReportError.self) { try TFRecordFile.records(Array(framed.dropLast())) }
    }
}

@Suite struct TensorBoardExportTests {
    static func exported() throws -> (ExperimentResults, URL, [URL]) {
        let results = try Fixture.editDistance()
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-tb-\(UUID().uuidString)")
        return (results, out, try TensorBoardExport(results: results).write(to: out))
    }

    @Test func everyMetricOfEveryRecordIsAScalarAtItsStep() throws {
        let (results, out, files) = try Self.exported()
        defer { try? FileManager.default.removeItem(at: out) }
        let runs = results.runs.filter { !$0.history.isEmpty }
        #expect(files.count == runs.count + 1)
        for run in runs {
            let folder = out.appendingPathComponent(TensorBoardExport(results: results).runFolderName(run))
            let file = try #require(try FileManager.default.contentsOfDirectory(atPath: folder.path).first)
            let events = try TFRecordFile.records(Array(try Data(contentsOf: folder.appendingPathComponent(file))))
                .map(ProtobufFields.init)
            #expect(events.first?.string(3) == "brain.Event:2")
            var scalars: [String: Float] = [:]
            for event in events {
                guard case .varint(let step)? = event.all(2).first, let summary = try event.message(5) else { continue }
                for case .bytes(let raw) in summary.all(1) {
                    let value = try ProtobufFields(raw)
                    if case .fixed32(let bits)? = value.all(2).first, let tag = value.string(1) {
                        scalars["\(tag)@\(step)"] = Float(bitPattern: bits)
                    }
                }
            }
            let expected = MetricSeries(run.history).points
            #expect(scalars.count == expected.count)
            for p in expected {
                #expect(scalars["\(p.tag)@\(p.step)"] == Float(p.value), "\(run.id) \(p.tag) at \(p.step)")
            }
            #expect(expected.contains { $0.tag == "eval/logps/chosen_delta" })
        }
    }

    @Test func theRootHoldsTheHParamsExperimentWithTheVaryingAxes() throws {
        let (results, out, files) = try Self.exported()
        defer { try? FileManager.default.removeItem(at: out) }
        let root = try TFRecordFile.records(Array(try Data(contentsOf: files[0]))).map(ProtobufFields.init)
        let value = try #require(try root[1].message(5)?.message(1))
        #expect(value.string(1) == HParamsPluginData.experimentTag)
        let plugin = try #require(try value.message(9)?.message(1))
        #expect(plugin.string(1) == "hparams")
        let experiment = try #require(try plugin.message(2)?.message(2))
        let names = try experiment.all(4).map { v -> String in
            guard case .bytes(let b) = v else { return "" }
            return try ProtobufFields(b).string(1) ?? ""
        }
        #expect(names == results.varyingAxes)
        #expect(!names.isEmpty)
    }

    @Test func exportingAgainReplacesTheSameFiles() throws {
        let (results, out, first) = try Self.exported()
        defer { try? FileManager.default.removeItem(at: out) }
        let second = try TensorBoardExport(results: results).write(to: out)
        #expect(first == second)
        let runFolder = second[1].deletingLastPathComponent()
        #expect(try FileManager.default.contentsOfDirectory(atPath: runFolder.path).count == 1)
    }

    @Test func theLongCSVHasOneRowPerCellStepAndMetric() throws {
        let results = try Fixture.editDistance()
        let lines = LongCSVExport(results: results).render().split(separator: "\n")
        #expect(lines.first.map(String.init) == (["cell"] + results.axes + ["status", "step", "scope", "metric", "value"]).joined(separator: ","))
        #expect(lines.count == 1 + results.runs.map { MetricSeries($0.history).points.count }.reduce(0, +))
    }
}
