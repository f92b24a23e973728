import Foundation
import Testing
@testable import DPOPExperiments

/// The store's status names: `completed` is written, the legacy `done` of earlier versions is read as it.
@Suite struct CellStatusTests {
    static func decode(_ text: String) throws -> CellStatus {
        try JSONDecoder().decode(CellStatus.self, from: Data("\"\(text)\"".utf8))
    }

    @Test func legacyDoneDecodesAsCompleted() throws {
        #expect(try Self.decode("done") == .completed)
        #expect(try Self.decode("completed") == .completed)
        for status in CellStatus.allCases { #expect(try Self.decode(status.rawValue) == status) }
        #expect(throws: DecodingError.self) { try Self.decode("finished") }
        #expect(CellStatus(stored: "done") == .completed && CellStatus(stored: "interrupted") == .interrupted)
        #expect(CellStatus(rawValue: "done") == nil)   // raw values are the current names only
    }

    @Test func encodesCompleted() throws {
        #expect(CellStatus.completed.rawValue == "completed")
        #expect(String(decoding: try JSONEncoder().encode(CellStatus.completed), as: UTF8.self) == "\"completed\"")
        #expect(String(decoding: try JSONEncoder().encode([CellStatus.interrupted]), as: UTF8.self) == "[\"interrupted\"]")
    }
}
