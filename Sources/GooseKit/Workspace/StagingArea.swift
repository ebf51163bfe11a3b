import Foundation

/// Scratch directories under `.goose/tmp`, named after the process that owns them so that
/// what a killed run left behind can be told from a live run's work and removed.
public enum StagingArea {
    /// Creates `<parent>/<purpose>.<pid>.XXXXXX`, first removing directories of processes that no longer exist.
    public static func create(in parent: String, purpose: String) throws -> String {
        removeAbandoned(in: parent)
        return try FileSystem.makeTemporaryDirectory(in: parent, prefix: "\(purpose).\(getpid()).")
    }

    /// Removes scratch directories whose owning process is gone (a run killed with -9, or a zombie not yet reaped).
    public static func removeAbandoned(in parent: String) {
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: parent) else { return }
        for name in names {
            let parts = name.split(separator: ".")
            guard parts.count >= 3, let pid = Int32(parts[parts.count - 2]) else { continue }
            if pid != getpid() && !ProcessTable.isRunning(pid) {
                FileSystem.remove(parent + "/" + name)
            }
        }
    }
}
