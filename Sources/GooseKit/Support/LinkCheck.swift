import CCreaterepo
import CGPGME
import CLazyLibraries

/// Versions of the C libraries goose links, for `goose --version` style diagnostics.
public enum LinkedLibraries {
    /// libsolv, createrepo_c and gpgme versions, as the libraries report them.
    public static var versions: [String: String] {
        [
            // A variable: read from the library, which goose loads when first used (see CLazyLibraries).
            "libsolv": goose_lazy_variable("libsolv.so.1", "solv_version").map { String(cString: $0.assumingMemoryBound(to: CChar.self)) } ?? "unknown",
            "createrepo_c": String(cString: cr_version_string_with_features()),
            "gpgme": goose_gpgme_check_version(nil).map { String(cString: $0) } ?? "unknown",
        ]
    }
}
