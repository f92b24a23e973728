import Foundation
import Testing
@testable import DPOPReports

@Suite struct EmbeddedTemplatesTests {
    static let templatesFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Templates")

    /// The build plugin must embed every file of Templates/ byte for byte (trailing newlines, '#', quotes).
    @Test func everyTemplateFileIsEmbeddedVerbatim() throws {
        let files = try FileManager.default.contentsOfDirectory(atPath: Self.templatesFolder.path)
            .filter { $0.hasSuffix(".mustache") }.sorted()
        #expect(files.map { String($0.dropLast(".mustache".count)) } == TemplateSet.names.sorted())
        for file in files {
            let onDisk = try String(contentsOf: Self.templatesFolder.appendingPathComponent(file), encoding: .utf8)
            #expect(EmbeddedTemplates.all[String(file.dropLast(".mustache".count))] == onDisk, "\(file)")
        }
    }

    @Test func builtInSetRendersFromTheEmbeddedText() throws {
        let set = try TemplateSet.builtIn()
        let md = try set.render("table.md", ["caption": "CAPTION-MARK", "columns": [], "rows": []])
        #expect(md.contains("CAPTION-MARK"))
    }
}
