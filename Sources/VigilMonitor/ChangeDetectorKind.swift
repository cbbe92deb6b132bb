/// Which sequential change detector watches a model's error stream; the raw values are the topology's spellings.
public enum ChangeDetectorKind: String, Sendable, CaseIterable {
    /// ``PageHinkley`` with River's defaults.
    case pageHinkley = "page_hinkley"
    /// ``ADWIN`` with River's defaults.
    case adwin
}
