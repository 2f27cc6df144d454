namespace Cacheback;

/// <summary>An envelope's fields as the codec reads them, and where its payload lies in the bytes.</summary>
internal readonly record struct EnvelopeHeader(long Version, long FetchedAtMs, long FreshUntilMs, long LeaseUntilMs, bool HasPayload, int PayloadStart, int PayloadLength);
