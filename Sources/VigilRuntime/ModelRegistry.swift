public import Logging
public import VigilModel
public import VigilTopology
import Foundation
import Synchronization

/// The models a topology scores with — the champion and an optional challenger — loaded from their bundle paths
/// and swapped without a restart when a bundle changes on disk (`scoring.reload`).
///
/// A new version is loaded and validated completely (manifest, model, every feature the topology must compute)
/// before it replaces the old one in a single step: each event is scored by exactly one version, named in its
/// prediction. A bundle that fails is rejected with a log line and a counter, and the old one keeps serving; the
/// same rejected content is not retried (nor logged) again until it changes.
///
/// Thread-safe: stream threads read `current` while the watcher calls `reload()`.
public final class ModelRegistry: Sendable {
    /// One loaded bundle, ready to score events of this topology. Immutable.
    public final class Loaded: Sendable {
        public let bundle: ModelBundle
        /// Maps the topology's feature values (in `Topology.featureNames` order) to the model's inputs.
        public let assembly: FeatureAssembly
        /// A hash of the bundle's files, to notice a change.
        public let fingerprint: UInt64

        init(bundle: ModelBundle, assembly: FeatureAssembly, fingerprint: UInt64) {
            self.bundle = bundle
            self.assembly = assembly
            self.fingerprint = fingerprint
        }

        public var name: String { bundle.manifest.name }
        public var version: String { bundle.manifest.version }
        /// `name@version`.
        public var identifier: String { bundle.manifest.identifier }
        /// How alerts explain this model's scores: `treeshap` or `linear`.
        public var contributionMethod: String { bundle.manifest.modelKind == .logistic ? "linear" : "treeshap" }
    }

    /// The models in force.
    public struct Models: Sendable {
        public var champion: Loaded
        public var challenger: Loaded?
    }

    /// What one `reload()` did for one bundle path.
    public enum Change: Sendable, CustomStringConvertible {
        case swapped(role: String, from: String, to: String)
        case rejected(role: String, path: String, reason: String)

        public var description: String {
            switch self {
            case .swapped(let role, let from, let to): "\(role) model swapped: \(from) -> \(to)"
            case .rejected(let role, let path, let reason):
                "new \(role) bundle at \(path) rejected, the current model keeps serving: \(reason)"
            }
        }
    }

    public let scoring: Topology.Scoring
    /// The names of the values the topology computes for each event, in order.
    public let featureNames: [String]
    private let models: Mutex<Models>
    /// The bundle paths in force: the topology's, until a model-control event names others.
    private let paths: Mutex<(champion: String, challenger: String?)>
    /// Per path, the fingerprint of content that was rejected (not retried until it changes).
    private let rejectedContent = Mutex<[String: UInt64]>([:])
    private let _swaps = Atomic<Int>(0)
    private let _rejections = Atomic<Int>(0)
    private let logger: Logger

    /// Loads the topology's bundles. Throws `RuntimeError.startup` naming the bundle and the problem — among them
    /// every feature a model needs that the topology does not compute (training–serving skew stops the start).
    public init(topology: Topology, logger: Logger) throws {
        guard let scoring = topology.scoring else {
            throw RuntimeError.startup("topology \(topology.name) has no scoring section")
        }
        let names = topology.featureNames
        self.scoring = scoring
        featureNames = names
        self.logger = logger
        let champion = try Self.load(path: scoring.model, role: "champion", featureNames: names)
        let challenger = try scoring.challenger.map {
            try Self.load(path: $0, role: "challenger", featureNames: names)
        }
        models = Mutex(Models(champion: champion, challenger: challenger))
        paths = Mutex((scoring.model, scoring.challenger))
    }

    /// The bundle paths in force (the champion's, and the challenger's when there is one).
    public var currentPaths: (champion: String, challenger: String?) { paths.withLock { $0 } }

    /// Applies a model-control event (docs/monitoring.md): `shadow` loads a bundle as the challenger, `promote`
    /// makes a bundle (by default the challenger's) the champion, `retire` drops the challenger. The new bundle is
    /// loaded and validated completely first; on failure nothing changes and the error says why.
    @discardableResult
    public func apply(_ control: ModelControl) throws -> Change {
        let now = current
        switch control.action {
        case .shadow:
            guard let path = control.bundle else { throw RuntimeError.startup("model control shadow: no bundle") }
            let next = try Self.load(path: path, role: "challenger", featureNames: featureNames)
            models.withLock { $0.challenger = next }
            paths.withLock { $0.challenger = path }
            _swaps.add(1, ordering: .relaxed)
            let change = Change.swapped(role: "challenger", from: now.challenger?.identifier ?? "none", to: next.identifier)
            logger.notice("\(change)", metadata: ["path": "\(path)", "reason": "\(control.reason ?? "")"])
            return change
        case .promote:
            let current = paths.withLock { $0 }
            guard let path = control.bundle ?? current.challenger else {
                throw RuntimeError.startup("model control promote: no bundle given and no challenger to promote")
            }
            let next = try Self.load(path: path, role: "champion", featureNames: featureNames)
            let wasChallenger = path == current.challenger
            models.withLock {
                $0.champion = next
                if wasChallenger { $0.challenger = nil }
            }
            paths.withLock {
                $0.champion = path
                if wasChallenger { $0.challenger = nil }
            }
            _swaps.add(1, ordering: .relaxed)
            let change = Change.swapped(role: "champion", from: now.champion.identifier, to: next.identifier)
            logger.notice("\(change)", metadata: ["path": "\(path)", "reason": "\(control.reason ?? "")"])
            return change
        case .retire:
            models.withLock { $0.challenger = nil }
            paths.withLock { $0.challenger = nil }
            let change = Change.swapped(role: "challenger", from: now.challenger?.identifier ?? "none", to: "none")
            logger.notice("\(change)")
            return change
        }
    }

    /// The models in force now.
    public var current: Models { models.withLock { $0 } }

    /// Bundles swapped in since start.
    public var swaps: Int { _swaps.load(ordering: .relaxed) }
    /// New bundle versions rejected since start.
    public var rejections: Int { _rejections.load(ordering: .relaxed) }

    /// Checks each bundle path for new content; loads, validates and swaps in what changed. Returns what happened
    /// (nothing when no bundle changed). Called by the watcher every `scoring.reload`, or directly.
    @discardableResult
    public func reload() -> [Change] {
        var changes: [Change] = []
        let now = current
        let inForce = self.paths.withLock { $0 }
        var paths: [(role: String, path: String, loaded: Loaded?)] = [("champion", inForce.champion, now.champion)]
        if let challenger = inForce.challenger { paths.append(("challenger", challenger, now.challenger)) }
        for (role, path, loaded) in paths {
            guard let fingerprint = try? Self.fingerprint(path: path) else { continue }  // mid-replacement: next time
            if fingerprint == loaded?.fingerprint { continue }
            if rejectedContent.withLock({ $0[path] == fingerprint }) { continue }
            do {
                let next = try Self.load(path: path, role: role, featureNames: featureNames)
                let from = loaded?.identifier ?? "none"
                // A model-control event may have changed the paths meanwhile: swap only what is still in force.
                let swapped = self.paths.withLock { p -> Bool in
                    (role == "champion" ? p.champion : p.challenger) == path
                }
                guard swapped else { continue }
                models.withLock {
                    if role == "champion" { $0.champion = next } else { $0.challenger = next }
                }
                rejectedContent.withLock { $0[path] = nil }
                _swaps.add(1, ordering: .relaxed)
                let change = Change.swapped(role: role, from: from, to: next.identifier)
                logger.notice("\(change)", metadata: ["path": "\(path)"])
                changes.append(change)
            } catch {
                rejectedContent.withLock { $0[path] = fingerprint }
                _rejections.add(1, ordering: .relaxed)
                let change = Change.rejected(role: role, path: path, reason: "\(error)")
                logger.error("\(change)")
                changes.append(change)
            }
        }
        return changes
    }

    static func load(path: String, role: String, featureNames: [String]) throws -> Loaded {
        do {
            let fingerprint = try fingerprint(path: path)
            let bundle = try ModelBundle.load(from: path)
            let assembly = try FeatureAssembly(
                features: bundle.manifest.features, available: featureNames, model: bundle.manifest.identifier)
            return Loaded(bundle: bundle, assembly: assembly, fingerprint: fingerprint)
        } catch let error as ModelError {
            throw RuntimeError.startup("\(role) model bundle \(path): \(error)")
        }
    }

    /// FNV-1a 64 over the bundle's files: for a directory, each regular file's name and bytes in name order; for
    /// an archive, its bytes.
    static func fingerprint(path: String) throws -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        func mix(_ bytes: some Sequence<UInt8>) {
            for b in bytes {
                hash ^= UInt64(b)
                hash = hash &* 0x0000_0100_0000_01B3
            }
        }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw RuntimeError.startup("model bundle \(path): no such file or directory")
        }
        let files = isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).sorted().map { "\(path)/\($0)" }
            : [path]
        for file in files {
            guard let data = FileManager.default.contents(atPath: file) else { continue }  // a subdirectory
            mix(file.utf8)
            mix(data)
        }
        return hash
    }
}

/// Calls `ModelRegistry.reload()` every `scoring.reload` on a background queue until stopped.
///
/// Unchecked Sendable: a dispatch source is thread-safe, and it is only configured in `init`.
public final class ModelWatcher: @unchecked Sendable {
    private let timer: any DispatchSourceTimer

    public init(registry: ModelRegistry) {
        let queue = DispatchQueue(label: "vigil.model-watcher")
        timer = DispatchSource.makeTimerSource(queue: queue)
        let interval = DispatchTimeInterval.milliseconds(Int(registry.scoring.reloadMillis))
        timer.schedule(deadline: .now() + interval, repeating: interval)
        timer.setEventHandler { registry.reload() }
        timer.resume()
    }

    public func stop() {
        timer.cancel()
    }

    deinit { timer.cancel() }
}
