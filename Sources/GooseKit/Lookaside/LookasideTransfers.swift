import Foundation

/// `goose lookaside upload`: put files in the lookaside and, in a dist-git checkout, list them.
public enum LookasideUpload {
    /// Stores each file for `package` (SHA-512 computed while streaming it), reports one record per file,
    /// and when `checkoutDirectory` is a dist-git checkout records the stored files in its index and
    /// `.gitignore`. Stops at the first failure, after recording the files already stored.
    public static func run(package: String, files: [String], client: LookasideClient, checkoutDirectory: String?,
                           report: (LookasideTransferRecord) -> Void) throws {
        guard LookasideNames.isValid(package) else { throw GooseError.usage("invalid package name '\(package)'") }
        let checkout = checkoutDirectory.flatMap { DistGitCheckout.detect(directory: $0, package: package) }
        var recorded: [SourceEntry] = []
        do {
            for file in files {
                guard FileSystem.isRegularFile(file) else { throw GooseError.io(path: file, reason: "no such file") }
                let filename = (file as NSString).lastPathComponent
                guard LookasideNames.isValid(filename) else { throw GooseError.usage("\(file): unusable file name") }
                let hash = try ContentDigest.hexDigest(ofFile: file, algorithm: .sha512)
                let status = try client.store(package: package, filename: filename, sha512: hash, sourcePath: file)
                if let checkout {
                    recorded.append(SourceEntry(filename: filename, checkoutPath: checkout.checkoutPath(forFilename: filename),
                                                hashType: .sha512, hash: hash))
                }
                report(LookasideTransferRecord(file: file, hash: hash, status: status))
            }
        } catch {
            // What was stored before the failure is in the lookaside: the index must say so too.
            if let checkout { try? checkout.record(recorded) }
            throw error
        }
        try checkout?.record(recorded)
    }
}

/// `goose lookaside fetch`: download the archives a checkout's index lists.
public enum LookasideFetch {
    /// Fetches every entry of the checkout's `sources` / `.<name>.metadata` that is missing or has the
    /// wrong hash, `jobs` at a time, verifying each; files already right are skipped. Every file gets a
    /// record (failures too); the first failure in index order is thrown once all are done.
    public static func run(directory: String, package explicitPackage: String?, client: LookasideClient, jobs: Int,
                           report: @escaping @Sendable (LookasideTransferRecord) -> Void) async throws {
        let package = DistGitCheckout.packageName(in: directory, explicit: explicitPackage)
        let (checkout, entries) = try DistGitCheckout.sourcesIndex(directory: directory, package: package)
        let failures = await withTaskGroup(of: (Int, Error?).self) { group in
            var failures: [(Int, Error)] = []
            func collect(_ result: (Int, Error?)) {
                if let error = result.1 { failures.append((result.0, error)) }
            }
            for (index, entry) in entries.enumerated() {
                if index >= max(1, jobs), let finished = await group.next() { collect(finished) }
                group.addTask {
                    do {
                        let record = try await BlockingWork.run {
                            try fetchOne(entry, package: package, checkout: checkout, client: client)
                        }
                        report(record)
                        return (index, nil)
                    } catch {
                        report(LookasideTransferRecord(file: entry.checkoutPath, hash: entry.hash, status: .failed,
                                                       error: (error as? GooseError)?.description ?? "\(error)"))
                        return (index, error)
                    }
                }
            }
            for await finished in group { collect(finished) }
            return failures
        }
        if let first = failures.min(by: { $0.0 < $1.0 }) { throw first.1 }
    }

    /// Fetches one entry unless the checkout already has it with the right hash.
    static func fetchOne(_ entry: SourceEntry, package: String, checkout: DistGitCheckout, client: LookasideClient) throws -> LookasideTransferRecord {
        let destination = checkout.directory + "/" + entry.checkoutPath
        if FileSystem.isRegularFile(destination),
           try ContentDigest.hexDigest(ofFile: destination, algorithm: entry.hashType) == entry.hash {
            return LookasideTransferRecord(file: entry.checkoutPath, hash: entry.hash, status: .skipped)
        }
        try client.fetch(LookasideKey(package: package, entry: entry), to: destination)
        return LookasideTransferRecord(file: entry.checkoutPath, hash: entry.hash, status: .fetched)
    }
}
