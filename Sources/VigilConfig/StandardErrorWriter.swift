#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Writes whole lines, and one updating status line, to standard error: log records, diagnostics and progress
/// share it, so that a log line never lands in the middle of a progress bar.
///
/// A status line (`writeStatus`) is drawn with `\r` and cleared to the end of the line; the next ordinary line
/// clears it first, and the next status update draws it again.
///
/// Thread-safe: every write happens under one lock, each line in a single `write(2)`.
public final class StandardErrorWriter: Sendable {
    /// Standard error of this process.
    public static let shared = StandardErrorWriter(fileDescriptor: 2)

    /// Erase from the cursor to the end of the line (ANSI).
    static let eraseLine = "\u{1B}[K"

    private let sink: @Sendable ([UInt8]) -> Void
    /// Whether a status line is on screen.
    private let statusShown = Mutex(false)

    /// Writes to a file descriptor (not closed by this object).
    public convenience init(fileDescriptor: Int32) {
        self.init { bytes in Self.writeAll(bytes, to: fileDescriptor) }
    }

    /// Hands every write's bytes to `sink` (tests).
    public init(sink: @escaping @Sendable ([UInt8]) -> Void) {
        self.sink = sink
    }

    /// Writes `line` and a newline, after clearing the status line if one is shown.
    public func writeLine(_ line: String) {
        statusShown.withLock { shown in
            var text = shown ? "\r" + Self.eraseLine : ""
            shown = false
            text += line
            text += "\n"
            sink(Array(text.utf8))
        }
    }

    /// Replaces the status line with `line` (which must not hold a newline).
    public func writeStatus(_ line: String) {
        statusShown.withLock { shown in
            shown = true
            sink(Array(("\r" + line + Self.eraseLine).utf8))
        }
    }

    /// Clears the status line, if one is shown.
    public func clearStatus() {
        statusShown.withLock { shown in
            guard shown else { return }
            shown = false
            sink(Array(("\r" + Self.eraseLine).utf8))
        }
    }

    private static func writeAll(_ bytes: [UInt8], to fd: Int32) {
        bytes.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let n = write(fd, buffer.baseAddress! + offset, buffer.count - offset)
                if n > 0 {
                    offset += n
                } else if n < 0 && errno == EINTR {
                    continue
                } else {
                    return  // standard error is gone: nothing else can be told
                }
            }
        }
    }
}
