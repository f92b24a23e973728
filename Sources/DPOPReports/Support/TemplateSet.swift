import Foundation
import Mustache

/// The Mustache templates of tables, comparisons and the report: built-in ones compiled into the
/// binary from `Templates/`, each replaceable by a user's file.
public struct TemplateSet: Sendable {
    /// Template names; the files are `<name>.mustache`.
    public static let names = ["table.md", "table.html", "compare.md", "compare.html", "report.md", "report.html"]

    private var templates: [String: MustacheTemplate]

    /// The templates of the package's `Templates/` folder, compiled into the binary.
    public static func builtIn() throws -> TemplateSet {
        var set = TemplateSet(templates: [:])
        for name in names {
            guard let text = EmbeddedTemplates.all[name] else {
                throw ReportError.template(name: name, message: "not compiled into this binary; Templates/\(name).mustache is missing from the package")
            }
            try set.register(text, as: name, source: "Templates/\(name).mustache")
        }
        return set
    }

    /// The built-in templates, with any `<name>.mustache` in `directory` taking precedence.
    public static func load(overridesIn directory: String?) throws -> TemplateSet {
        var set = try builtIn()
        guard let directory else { return set }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw ReportError.io(path: directory, message: "no such templates folder")
        }
        var found = false
        for name in names {
            let path = (directory as NSString).appendingPathComponent("\(name).mustache")
            if FileManager.default.fileExists(atPath: path) { try set.load(file: path, as: name); found = true }
        }
        guard found else {
            throw ReportError.io(path: directory, message: "no templates here; expected any of \(names.map { "\($0).mustache" }.joined(separator: ", "))")
        }
        return set
    }

    /// Replaces the template `name` with the file at `path`.
    public mutating func load(file path: String, as name: String) throws {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw ReportError.io(path: path, message: "cannot read template")
        }
        try register(String(decoding: data, as: UTF8.self), as: name, source: path)
    }

    /// Replaces the template `name` with `text`.
    public mutating func register(_ text: String, as name: String, source: String? = nil) throws {
        do {
            templates[name] = try MustacheTemplate(string: text)
        } catch let e as MustacheTemplate.ParserError {
            throw ReportError.template(name: source ?? name,
                                       message: "line \(e.context.lineNumber), column \(e.context.columnNumber): \(e.error)\n    \(e.context.line)")
        } catch {
            throw ReportError.template(name: source ?? name, message: "\(error)")
        }
    }

    /// Renders template `name` with `context` (dictionaries and arrays of them).
    public func render(_ name: String, _ context: [String: Any]) throws -> String {
        guard let template = templates[name] else {
            throw ReportError.template(name: name, message: "no such template; known: \(templates.keys.sorted().joined(separator: ", "))")
        }
        return template.render(context)
    }
}
