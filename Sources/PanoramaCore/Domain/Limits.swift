/// Size limits of the tracking API, as Segment documents them.
public enum TrackingLimits {
    /// Largest accepted message, in bytes of JSON.
    public static let maxMessageBytes = 32 * 1024
    /// Largest accepted batch request body, in bytes of JSON after decompression.
    public static let maxBatchBytes = 500 * 1024
    /// Largest accepted compressed request body; larger gzip bodies are refused before inflating.
    public static let maxCompressedBytes = 500 * 1024
    /// Event times accepted after clock-skew correction: 1900-01-01 up to the end of 9999 (epoch ms).
    public static let eventTimeRange: ClosedRange<Int64> = -2_208_988_800_000...253_402_300_799_999
}
