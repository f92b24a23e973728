import Foundation
import Testing

/// `dpop` must render reports wherever its binary is copied: the templates are compiled in.
@Suite struct PortableBinaryTests {
    static let packageRoot = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    /// Where SwiftPM put the test binary, and beside it the `dpop` executable.
    static let productsDirectory = Bundle.main.bundleURL

    /// A resource bundle of the reports target would be a folder the copied binary cannot find
    /// (SwiftPM's generated accessor then falls back to this build folder's absolute path, or crashes):
    /// the accessor writes the bundle's name into the binary, so the name must not be there.
    @Test func theBinaryLooksForNoResourceBundle() throws {
        let binary = try Data(contentsOf: Self.productsDirectory.appendingPathComponent("dpop"))
        #expect(binary.range(of: Data("dpop_DPOPReports.resources".utf8)) == nil)
    }

    @Test func aCopiedBinaryRendersTheReport() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dpop-portable-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let binary = folder.appendingPathComponent("dpop")
        try FileManager.default.copyItem(at: Self.productsDirectory.appendingPathComponent("dpop"), to: binary)

        let process = Process()
        process.executableURL = binary
        process.arguments = ["report", Self.packageRoot.appendingPathComponent("Tests/DPOPReportsTests/Fixtures/edit-distance").path,
                             "--out", folder.appendingPathComponent("report.html").path]
        process.currentDirectoryURL = folder
        process.standardOutput = FileHandle.nullDevice
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        let stderr = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(stderr)")
        let html = try String(contentsOf: folder.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.contains("<table"))
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent("report.md").path))
    }
}
