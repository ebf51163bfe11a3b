import CLazyLibraries
import CRPM
import Foundation

/// librpm's process-wide set-up and its logging, captured instead of printed.
enum RPMLibrary {
    private static let initialization: Void = {
        _ = rpmReadConfigFiles(nil, nil)
        // Nothing goose does may read or create the host's rpmdb.
        rpmPushMacro(nil, "_dbpath", nil, "/nonexistent/goose-no-rpmdb", RMIL_GLOBAL)
        _ = rpmlogSetCallback({ _, _ in 0 }, nil)
    }()

    /// librpm's log sink and verbosity are process-wide: calls that read them are serialised.
    private static let logLock = NSLock()

    static func ensureInitialized() { _ = initialization }

    /// The thread `startInBackground` starts, once; goose's exit waits for it (a process must not exit while its loader
    /// is busy).
    private static let backgroundStart: LibraryPreload = {
        let preload = LibraryPreload([]) { ensureInitialized() }
        atexit { RPMLibrary.backgroundStart.wait() }
        return preload
    }()

    /// Loads librpm and reads its configuration (~3 ms: the library and the ten it links, rpmrc, the macro files) on
    /// a thread of its own, so that it runs beside other work (the parsing of the command line, a root's set-up); the
    /// first call that needs librpm waits for it. Only the first call starts it.
    static func startInBackground() { _ = backgroundStart }

    /// librpm's version (its `RPMVERSION`): a variable, read from the library, which goose loads when first used (see
    /// CLazyLibraries).
    static var version: String {
        guard let variable = goose_lazy_variable("librpm.so.9", "RPMVERSION") else { return "unknown" }
        return variable.assumingMemoryBound(to: UnsafePointer<CChar>?.self).pointee.map { String(cString: $0) } ?? "unknown"
    }

    /// Runs `body` with librpm's messages captured (not printed) and returns them with its result.
    static func capturingLog<T>(verbose: Bool = false, _ body: () throws -> T) rethrows -> (T, [String]) {
        ensureInitialized()
        logLock.lock()
        defer { logLock.unlock() }
        let sink = RPMLogSink()
        let unmanaged = Unmanaged.passRetained(sink)
        defer { unmanaged.release() }
        _ = rpmlogSetCallback({ record, data in
            if let record, let data, let message = rpmlogRecMessage(record) {
                let text = String(cString: message).trimmingCharacters(in: .whitespacesAndNewlines)
                if !text.isEmpty { Unmanaged<RPMLogSink>.fromOpaque(data).takeUnretainedValue().messages.append(text) }
            }
            return 0
        }, unmanaged.toOpaque())
        let previousMask = rpmlogSetMask(Int32(verbose ? (1 << (Int32(RPMLOG_INFO.rawValue) + 1)) - 1 : (1 << (Int32(RPMLOG_NOTICE.rawValue) + 1)) - 1))
        defer {
            _ = rpmlogSetMask(previousMask)
            _ = rpmlogSetCallback({ _, _ in 0 }, nil)
        }
        let result = try body()
        return (result, sink.messages)
    }
}

/// Collects librpm's log records during one captured call.
final class RPMLogSink {
    var messages: [String] = []
}

/// Work on C libraries that goose starts before it parses its command line.
public enum LibraryStartUp {
    /// For a subcommand whose first work needs librpm (reading a package's header, comparing versions): librpm is
    /// loaded and set up beside the parsing of the command line (see `RPMLibrary.startInBackground`).
    public static func beginRPM() { RPMLibrary.startInBackground() }
}
