import CCreaterepo
import CGPGME
@preconcurrency import CSolv

/// Versions of the C libraries goose links, for `goose --version` style diagnostics.
public enum LinkedLibraries {
    /// libsolv, createrepo_c and gpgme versions, as the libraries report them.
    public static var versions: [String: String] {
        [
            "libsolv": "\(solv_version_major).\(solv_version_minor).\(solv_version_patch)",
            "createrepo_c": String(cString: cr_version_string_with_features()),
            "gpgme": goose_gpgme_check_version(nil).map { String(cString: $0) } ?? "unknown",
        ]
    }
}
