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
