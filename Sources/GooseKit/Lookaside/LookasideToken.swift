import Foundation

/// The bearer token that guards uploads to a lookaside.
public enum LookasideToken {
    /// Reads a token file: its content without surrounding white space; an empty token is an error.
    public static func read(file: String) throws -> String {
        let text = String(decoding: try FileSystem.contents(of: file), as: UTF8.self)
            .trimmingCharacters(in: .whitespacesAndNewlines)
        guard !text.isEmpty, !text.contains(where: { $0.isNewline }) else {
            throw GooseError.configuration(file: file, reason: "the token file must hold one non-empty line")
        }
        return text
    }

    /// Resolves a token file named in goose.toml: relative paths are relative to the workspace.
    public static func path(_ configured: String, workspace: Workspace) -> String {
        configured.hasPrefix("/") ? configured : workspace.root + "/" + configured
    }

    /// The `Authorization` header value for a token.
    public static func authorizationHeader(_ token: String) -> String { "Authorization: Bearer \(token)" }

    /// Compares two secrets in time that depends only on their lengths, not on where they differ.
    public static func constantTimeEquals(_ left: String, _ right: String) -> Bool {
        let leftBytes = Array(left.utf8), rightBytes = Array(right.utf8)
        var difference: UInt8 = leftBytes.count == rightBytes.count ? 0 : 1
        for index in 0..<max(leftBytes.count, rightBytes.count) {
            let leftByte = index < leftBytes.count ? leftBytes[index] : 0
            let rightByte = index < rightBytes.count ? rightBytes[index] : 0
            difference |= leftByte ^ rightByte
        }
        return difference == 0
    }
}
