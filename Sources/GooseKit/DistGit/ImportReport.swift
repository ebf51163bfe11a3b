import Foundation

/// Input expansion for commands that take SRPMs: files, directories of them, `-` for a list on stdin.
public enum SRPMInputs {
    public static func expand(_ inputs: [String], standardInput: () -> String? = { readLine(strippingNewline: true) }) throws -> [String] {
        var paths: [String] = []
        for input in inputs {
            if input == "-" {
                while let line = standardInput() {
                    let trimmed = line.trimmingCharacters(in: .whitespaces)
                    if !trimmed.isEmpty { paths.append(trimmed) }
                }
            } else if FileSystem.isDirectory(input) {
                let names = (try? FileManager.default.contentsOfDirectory(atPath: input)) ?? []
                paths += names.filter { $0.hasSuffix(".src.rpm") || $0.hasSuffix(".nosrc.rpm") }.sorted().map { input + "/" + $0 }
            } else {
                paths.append(input)
            }
        }
        if paths.isEmpty { throw GooseError.usage("no source RPMs given") }
        return paths
    }
}

/// Human-readable lines for import results.
public enum ImportReport {
    public static func line(for result: ImportResult) -> String {
        let commit = result.patchedCommit ?? result.commit ?? ""
        let short = String(commit.prefix(12))
        let lookaside = result.lookasideFiles.isEmpty ? "" : "  (\(result.lookasideFiles.count) to lookaside)"
        let patched = result.patchedTag.map { "  patched \($0)" } ?? ""
        return "\(result.status.rawValue.padding(toLength: 16, withPad: " ", startingAt: 0)) \(result.nvr ?? result.file)  \(result.branch)  \(short)\(lookaside)\(patched)"
    }
}
