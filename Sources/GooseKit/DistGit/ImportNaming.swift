/// Names dist-git imports use: tags and commit trailers.
public enum ImportNaming {
    /// A reference-safe form of an NVR: `%` and characters git refuses in refs (`~ ^ : ? * [ \` space) become `_`.
    public static func refSafe(_ nvr: String) -> String {
        var result = String(nvr.map { character -> Character in
            switch character {
            case "%", "~", "^", ":", "?", "*", "[", "\\", " ", "\t": return "_"
            default: return character
            }
        })
        while result.contains("..") { result = result.replacingOccurrences(of: "..", with: "._") }
        while result.contains("@{") { result = result.replacingOccurrences(of: "@{", with: "@_") }
        if result.hasSuffix(".lock") { result += "_" }
        if result.hasSuffix(".") { result += "_" }
        return result
    }

    /// `imports/<branch>/<nvr>`.
    public static func importTag(branch: String, nvr: String) -> String { "imports/\(branch)/\(refSafe(nvr))" }

    /// `patched/<branch>/<nvr>`.
    public static func patchedTag(branch: String, nvr: String) -> String { "patched/\(branch)/\(refSafe(nvr))" }

    static let shaTrailer = "Source-RPM-SHA256"
    static let evrTrailer = "Source-RPM-EVR"
    static let fileTrailer = "Source-RPM"

    /// The value of a `Key: value` trailer in a commit message.
    public static func trailer(_ key: String, in message: String) -> String? {
        for line in message.split(separator: "\n").reversed() where line.hasPrefix(key + ": ") {
            return String(line.dropFirst(key.count + 2)).trimmingCharacters(in: .whitespaces)
        }
        return nil
    }

    /// The commit message of an import.
    public static func importMessage(nvr: String, evr: EVR, fileName: String, sha256: String) -> String {
        """
        import \(nvr)

        \(fileTrailer): \(fileName)
        \(evrTrailer): \(evr)
        \(shaTrailer): \(sha256)

        """
    }
}
