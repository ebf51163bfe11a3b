import Foundation

/// A goose workspace: a directory of plain files laid out as DESIGN.md describes.
public struct Workspace: Sendable {
    public static let configurationFileName = "goose.toml"
    /// Directories `goose init` creates.
    public static let layoutDirectories = ["git", "lookaside", "builds", "tags", "repos", "composes", "mirrors", "patches", ".goose/locks", ".goose/tmp"]

    public let root: String
    public let configuration: WorkspaceConfiguration

    public var configurationPath: String { root + "/" + Self.configurationFileName }
    public var gitDirectory: String { root + "/git" }
    public var lookasideDirectory: String { root + "/lookaside" }
    public var patchesDirectory: String { root + "/patches" }
    public var locksDirectory: String { root + "/.goose/locks" }
    /// Scratch space on the workspace's file system, so that staged files rename into place.
    public var temporaryDirectory: String { root + "/.goose/tmp" }

    public func gitRepositoryPath(package: String) -> String { gitDirectory + "/\(package).git" }
    public func lockPath(_ scope: String) -> String { locksDirectory + "/\(scope).lock" }

    /// Opens the workspace at `root`, reading its goose.toml.
    public init(root: String) throws {
        let absolute = FileSystem.absolute(root)
        let configPath = absolute + "/" + Self.configurationFileName
        guard FileSystem.isRegularFile(configPath) else {
            throw GooseError.workspace("\(absolute) is not a goose workspace (no \(Self.configurationFileName); run 'goose init')")
        }
        self.root = absolute
        self.configuration = try WorkspaceConfiguration.load(from: configPath)
    }

    /// Finds the workspace: an explicit path, else `$GOOSE_HOME`, else the current directory and its parents.
    public static func locate(explicit: String?, environment: [String: String] = ProcessInfo.processInfo.environment,
                              currentDirectory: String = FileManager.default.currentDirectoryPath) throws -> Workspace {
        if let explicit, !explicit.isEmpty { return try Workspace(root: explicit) }
        if let home = environment["GOOSE_HOME"], !home.isEmpty { return try Workspace(root: home) }
        var directory = URL(fileURLWithPath: currentDirectory).standardizedFileURL
        while true {
            if FileSystem.isRegularFile(directory.path + "/" + configurationFileName) {
                return try Workspace(root: directory.path)
            }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { break }
            directory = parent
        }
        throw GooseError.workspace("no goose workspace found from \(currentDirectory) upward (use --workspace, GOOSE_HOME or 'goose init')")
    }

    /// Creates the layout and a default goose.toml; an existing configuration is kept.
    @discardableResult
    public static func initialize(at root: String, distTag: String? = nil) throws -> Workspace {
        let absolute = FileSystem.absolute(root)
        try FileSystem.createDirectory(absolute)
        let lock = try FileLock(path: absolute + "/.goose/locks/workspace.lock", wait: false)
        defer { lock.unlock() }
        for directory in layoutDirectories {
            try FileSystem.createDirectory(absolute + "/" + directory)
        }
        let configPath = absolute + "/" + configurationFileName
        if !FileSystem.exists(configPath) {
            var configuration = WorkspaceConfiguration()
            if let distTag { configuration.distTag = distTag }
            try AtomicFileWriter.write(configuration.rendered(), to: configPath)
        }
        return try Workspace(root: absolute)
    }
}
