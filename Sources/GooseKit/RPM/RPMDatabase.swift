import CRPM
import Foundation

/// Read-only queries of the rpm database inside a root directory (a build root's), through librpm.
public enum RPMDatabase {
    /// The dependencies among `wanted` that no installed package of the root provides (with rpm's own
    /// version matching); rich dependencies always count as unprovided (dnf resolves them).
    public static func unsatisfied(_ wanted: [Dependency], root: String, databasePath: String) -> [Dependency] {
        withDatabase(root: root, databasePath: databasePath) { transactionSet in
            guard let transactionSet else { return wanted }
            return wanted.filter { dependency in
                if dependency.isRich { return true }
                let index = dependency.name.hasPrefix("/") ? RPMDBI_INSTFILENAMES : RPMDBI_PROVIDENAME
                guard let iterator = rpmtsInitIterator(transactionSet, rpmDbiTagVal(index.rawValue), dependency.name, 0) else { return true }
                defer { rpmdbFreeIterator(iterator) }
                let requirement = rpmdsSingle(rpmTagVal(RPMTAG_REQUIRENAME.rawValue), dependency.name,
                                              dependency.version.isEmpty ? nil : dependency.version, rpmsenseFlags(dependency.flags.rawValue))
                defer { rpmdsFree(requirement) }
                while let header = rpmdbNextIterator(iterator) {
                    if index == RPMDBI_INSTFILENAMES || rpmdsAnyMatchesDep(header, requirement, 1) != 0 { return false }
                }
                return true
            }
        }
    }

    /// `%{nevra} %{buildtime} %{size}` of every installed package of the root, sorted (mock's installed_pkgs.log).
    public static func installedPackages(root: String, databasePath: String) -> [String] {
        withDatabase(root: root, databasePath: databasePath) { transactionSet -> [String] in
            guard let transactionSet,
                  let iterator = rpmtsInitIterator(transactionSet, rpmDbiTagVal(RPMDBI_PACKAGES.rawValue), nil, 0) else { return [] }
            defer { rpmdbFreeIterator(iterator) }
            var lines: [String] = []
            while let header = rpmdbNextIterator(iterator) {
                var error: errmsg_t?
                if let text = headerFormat(header, "%{nevra} %{buildtime} %{size}\n", &error) {
                    lines.append(String(cString: text))
                    free(text)
                }
            }
            return lines.sorted()
        }
    }

    /// Whether `directory` holds an rpm database (sqlite, ndb or bdb backend). Opening a directory without
    /// one, even read-only, makes librpm (and rpm -q) create an empty database there: check first.
    public static func exists(in directory: String) -> Bool {
        ["rpmdb.sqlite", "Packages.db", "Packages"].contains { FileSystem.isRegularFile(directory + "/" + $0) }
    }

    /// Opens the root's database read-only for `body` (nil when there is none). librpm takes the database's
    /// place from the `_dbpath` macro, which is process-wide: it is set only while librpm's log lock is held.
    static func withDatabase<T>(root: String, databasePath: String, _ body: (rpmts?) -> T) -> T {
        guard exists(in: root + databasePath) else { return body(nil) }
        return RPMLibrary.capturingLog { () -> T in
            rpmPushMacro(nil, "_dbpath", nil, databasePath, RMIL_CMDLINE)
            defer { rpmPopMacro(nil, "_dbpath") }
            let transactionSet = RPMTransactionSet(keyring: nil, checkSignatures: false)
            guard rpmtsSetRootDir(transactionSet.pointer, root) == 0, rpmtsOpenDB(transactionSet.pointer, O_RDONLY) == 0 else { return body(nil) }
            defer { rpmtsCloseDB(transactionSet.pointer) }
            return body(transactionSet.pointer)
        }.0
    }
}
