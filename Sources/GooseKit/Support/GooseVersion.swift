/// The goose release.
public enum GooseVersion {
    public static let current = "0.1.0"
}
