import TOMLKit

/// Parsing of goose's TOML files (goose.toml, buildroots, mirror lists, patch directives) with one error form.
public enum TOMLFile {
    /// Parses `text`; a syntax error becomes `file: line N: message`.
    public static func parse(_ text: String, file: String) throws -> TOMLTable {
        do { return try TOMLTable(string: text) } catch let error as TOMLParseError {
            throw GooseError.configuration(file: file, reason: "line \(error.source.begin.line): \(error.description)")
        } catch {
            throw GooseError.configuration(file: file, reason: "\(error)")
        }
    }
}
