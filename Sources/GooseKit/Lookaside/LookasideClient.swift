import Foundation

/// The configured lookaside cache: the workspace's own store, or the dist-git server that goose.toml's
/// `[lookaside] url` names. Safe to share between concurrent tasks; calls block while they transfer.
///
/// The importer's entry point is `store(package:filename:sha512:sourcePath:)`:
///
///     let lookaside = try LookasideClient(workspace: workspace)
///     let status = try lookaside.store(package: "bash", filename: "bash-5.2.tar.gz",
///                                      sha512: digest, sourcePath: stagedFile)
///     // .stored (local store), .uploaded (HTTP) or .alreadyPresent
public struct LookasideClient: Sendable {
    public let backend: any LookasideBackend

    /// A client for an explicit backend (tests, or a server other than goose.toml's).
    public init(backend: any LookasideBackend) {
        self.backend = backend
    }

    /// The lookaside goose.toml configures: HTTP when `lookaside.url` is set (with the token in
    /// `lookaside.token_file`, if any), else `lookaside/` in the workspace.
    public init(workspace: Workspace, retryPolicy: RetryPolicy = RetryPolicy()) throws {
        let configuration = workspace.configuration
        if configuration.lookasideURL.isEmpty {
            backend = LocalLookaside(store: LookasideStore(root: workspace.lookasideDirectory))
            return
        }
        guard configuration.lookasideURL.hasPrefix("http://") || configuration.lookasideURL.hasPrefix("https://") else {
            throw GooseError.configuration(file: workspace.configurationPath,
                                           reason: "lookaside.url must start with http:// or https://, not '\(configuration.lookasideURL)'")
        }
        let token = try configuration.lookasideTokenFile.isEmpty
            ? nil : LookasideToken.read(file: LookasideToken.path(configuration.lookasideTokenFile, workspace: workspace))
        backend = HTTPLookaside(baseURL: configuration.lookasideURL, token: token, retryPolicy: retryPolicy)
    }

    /// Makes sure this object is in the configured lookaside: copies it into the workspace store, or
    /// asks the server and uploads it only when missing. `sourcePath` must hash to `sha512` (a copy into
    /// the store is verified on the way, the server verifies what it receives). `modificationTime`
    /// defaults to the file's own. `allowHardLink` lets the local store hard-link the file instead of
    /// copying it: only for files nobody changes in place afterwards, such as the importer's staged files.
    /// Returns `.stored`, `.uploaded` or `.alreadyPresent`.
    @discardableResult
    public func store(package: String, filename: String, sha512: String, sourcePath: String,
                      modificationTime: Int? = nil, allowHardLink: Bool = false) throws -> LookasideTransferStatus {
        let key = LookasideKey(package: package, filename: filename, hashType: .sha512, hash: sha512)
        return try backend.store(key, from: sourcePath, modificationTime: modificationTime, allowHardLink: allowHardLink)
    }

    /// `store` for the importer's staged files, in the shape of `SRPMImporter`'s `LookasideSink`.
    public var importSink: LookasideSink {
        { package, object in
            try store(package: package, filename: object.filename, sha512: object.sha512, sourcePath: object.sourcePath,
                      allowHardLink: true)
        }
    }

    /// Whether the configured lookaside has the object.
    public func contains(_ key: LookasideKey) throws -> Bool {
        try backend.contains(key)
    }

    /// Writes a verified copy of the object to `destination` (atomically, with the lookaside's mtime).
    public func fetch(_ key: LookasideKey, to destination: String) throws {
        try backend.fetch(key, to: destination)
    }
}
