import Foundation
import Testing
@testable import DPOPTrainer

/// What users name as files: a device, a folder or a FIFO is named as what it is, and text that is not
/// UTF-8 is located at its first bad byte.
@Suite struct TextFileTests {
    @Test func nonRegularPathsAreNamedForWhatTheyAre() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-textfile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let fifo = dir.appendingPathComponent("pipe").path
        #expect(mkfifo(fifo, 0o644) == 0)
        #expect(TextFile.nonRegularKind("/dev/null") == "a character device")
        #expect(TextFile.nonRegularKind(dir.path) == "a directory")
        #expect(TextFile.nonRegularKind(fifo) == "a FIFO (named pipe)")
        #expect(TextFile.nonRegularKind(dir.appendingPathComponent("missing").path) == nil)
        // The FIFO is refused before it is opened (opening it would wait for a writer forever).
        #expect(throws: DPOPError.io(path: fifo, message: "cannot read the pairs file: it is a FIFO (named pipe), not a file")) {
            try PairsLoader.load(path: fifo)
        }
        #expect(throws: DPOPError.io(path: "/dev/null", message: "cannot read the pairs file: it is a character device, not a file")) {
            try PairsLoader.load(path: "/dev/null")
        }
    }

    @Test func theFirstByteThatIsNotUTF8IsLocated() throws {
        #expect(TextFile.utf8Problem(Array("name: é 🙂\n".utf8)) == nil)
        let latin1: [UInt8] = Array("name: x\ndescription: caf".utf8) + [0xE9] + Array(" au lait\n".utf8)
        let p = try #require(TextFile.utf8Problem(latin1))
        #expect(p.offset == 24 && p.line == 2 && p.column == 17)
        #expect(p.message == "byte 0xE9 at byte offset 24 is not UTF-8")
        #expect(p.sourceLine == "description: caf\u{FFFD} au lait")
        // A column counts characters, not bytes; a truncated sequence at the end is caught too.
        #expect(TextFile.utf8Problem(Array("é".utf8) + [0xC3])?.column == 2)
        let utf16 = try #require(TextFile.utf8Problem([0xFF, 0xFE] + Array("n\0a\0".utf8)))
        #expect(utf16.message.hasPrefix("the file is UTF-16 (little-endian byte-order mark 0xFF 0xFE)"))
        #expect(TextFile.utf8Problem(Array("n\0a\0m\0".utf8))?.message.contains("looks like UTF-16") == true)
        // Overlong forms and surrogates are not UTF-8.
        #expect(TextFile.utf8Problem([0x61, 0xC0, 0xAF])?.offset == 1)
        #expect(TextFile.utf8Problem([0xED, 0xA0, 0x80])?.offset == 0)
    }
}
