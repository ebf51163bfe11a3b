import Foundation

/// Every failure goose reports: one line that names the file and the cause.
public enum GooseError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The file is not a usable RPM (bad magic, truncated, failed digest, wrong kind).
    case invalidPackage(file: String, reason: String)
    /// A payload entry would land outside the extraction target.
    case unsafePayloadEntry(file: String, entry: String, reason: String)
    /// A file's content does not match the hash that names it.
    case hashMismatch(file: String, expected: String, actual: String)
    /// Reading or writing a path failed.
    case io(path: String, reason: String)
    /// The workspace is missing, malformed or in use.
    case workspace(String)
    /// A configuration file has an error.
    case configuration(file: String, reason: String)
    /// A git operation failed.
    case git(context: String, reason: String)
    /// The lookaside cache refused or lacks something.
    case lookaside(String)
    /// A network transfer failed.
    case network(url: String, reason: String)
    /// Another goose process holds the lock.
    case locked(path: String)
    /// A debranding directive failed to apply.
    case patchDirective(package: String, directive: String, reason: String)
    /// The import was refused by a rule (older NVR, conflicting SRPM).
    case importRefused(file: String, reason: String)
    /// The command line asks for something impossible.
    case usage(String)
    /// A build (mock-build) failed; `code` is mock's exit code for the cause (see MockExitCode).
    case buildFailed(subject: String, reason: String, code: Int32)
    /// A signing key or passphrase is unusable (missing, no secret part, expired, revoked, wrong passphrase).
    case signing(String)
    /// A mirror manifest (or the repodata standing in for one) is unreadable.
    case invalidManifest(source: String, reason: String)

    public var description: String {
        switch self {
        case let .invalidPackage(file, reason): return "\(file): \(reason)"
        case let .unsafePayloadEntry(file, entry, reason): return "\(file): unsafe payload entry '\(entry)': \(reason)"
        case let .hashMismatch(file, expected, actual): return "\(file): hash mismatch (expected \(expected), got \(actual))"
        case let .io(path, reason): return "\(path): \(reason)"
        case let .workspace(reason): return "workspace: \(reason)"
        case let .configuration(file, reason): return "\(file): \(reason)"
        case let .git(context, reason): return "\(context): git: \(reason)"
        case let .lookaside(reason): return "lookaside: \(reason)"
        case let .network(url, reason): return "\(url): \(reason)"
        case let .locked(path): return "\(path): locked by another goose process"
        case let .patchDirective(package, directive, reason): return "\(package): patch directive \(directive) failed: \(reason)"
        case let .importRefused(file, reason): return "\(file): \(reason)"
        case let .usage(reason): return reason
        case let .buildFailed(subject, reason, _): return "\(subject): \(reason)"
        case let .signing(reason): return reason
        case let .invalidManifest(source, reason): return "\(source): \(reason)"
        }
    }

    /// The process exit code for this failure (documented in goose(1)).
    public var exitCode: Int32 {
        switch self {
        case .usage: return 2
        case .configuration, .workspace: return 3
        case .invalidPackage, .unsafePayloadEntry, .importRefused, .patchDirective, .invalidManifest: return 4
        case .hashMismatch: return 5
        case .network, .lookaside: return 6
        case .locked: return 7
        case .signing: return 8
        case .io, .git: return 1
        case let .buildFailed(_, _, code): return code
        }
    }

    static func errno(_ path: String, _ what: String, _ code: Int32 = Foundation.errno) -> GooseError {
        .io(path: path, reason: "\(what): \(String(cString: strerror(code)))")
    }
}
