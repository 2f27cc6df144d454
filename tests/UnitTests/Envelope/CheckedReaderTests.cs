using MessagePack;

namespace Cacheback.Tests.Envelopes;

/// <summary>
/// The general reader's own checks. Unreadable bytes come from any store, often (a store shared with
/// other software, a key another writer used): the reader finds what is wrong by looking, not by
/// letting <see cref="MessagePackReader"/> throw and catching it. Its catch clauses are a net for a
/// reader version that throws where this one does not; these tests pin that the net is not what
/// answers today.
/// </summary>
public class CheckedReaderTests
{
    private const long T0 = 1_767_225_600_000;
    private static readonly IPayloadSerializer<string> Json = JsonPayloadSerializer<string>.Default;

    [Fact]
    public void AnArrayDeclaringMoreThanTwoTo31Elements_IsTruncated_WithoutAnException()
    {
        // array 32 declaring 2^32 - 1 elements: more than an int counts, and far more than the bytes hold.
        var (result, thrown) = Watching(() => EnvelopeCodec.DecodeByReader(Convert.FromHexString("ddffffffff"), Json));

        var failed = Assert.IsType<DecodeResult<string>.Failed>(result);
        Assert.Equal(DecodeError.Truncated, failed.Error);
        Assert.Equal("", string.Join("; ", thrown.Select(e => e.GetType().Name + ": " + e.Message)));
    }

    [Theory]
    [InlineData("c4")] // bin 8 without its length
    [InlineData("c500")] // bin 16 with half its length
    [InlineData("c6000000")] // bin 32 with three quarters
    [InlineData("c405")] // bin 8 declaring 5 bytes, none there
    [InlineData("c50003aaaa")] // bin 16 declaring 3 bytes, 2 there
    [InlineData("c600000002aa")] // bin 32 declaring 2 bytes, 1 there
    public void APayloadCutShort_IsFoundTruncated_WithoutAnException(string payload)
    {
        var bytes = Header().Concat(Convert.FromHexString(payload)).ToArray();

        var (result, thrown) = Watching(() => EnvelopeCodec.DecodeByReader(bytes, Json));

        var failed = Assert.IsType<DecodeResult<string>.Failed>(result);
        Assert.Equal(DecodeError.Truncated, failed.Error);
        Assert.Contains("at byte 22", failed.Detail, StringComparison.Ordinal);
        Assert.Empty(thrown);
    }

    [Theory]
    [InlineData("c4052261626322")] // bin 8, exactly its bytes ("abc" in JSON)
    [InlineData("c500052261626322")] // bin 16
    [InlineData("c6000000052261626322")] // bin 32
    public void APayloadOfExactlyItsDeclaredLength_IsRead_WithoutAnException(string payload)
    {
        var bytes = Header().Concat(Convert.FromHexString(payload)).ToArray();

        var (result, thrown) = Watching(() => EnvelopeCodec.DecodeByReader(bytes, Json));

        Assert.Equal("abc", Assert.IsType<DecodeResult<string>.Decoded>(result).Envelope.Value);
        Assert.Empty(thrown);
    }

    /// <summary>An envelope's header, format 1, up to its payload (22 bytes: the payload starts at byte 22).</summary>
    private static byte[] Header()
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>();
        var writer = new MessagePackWriter(buffer);
        writer.WriteArrayHeader(6);
        writer.Write(1);
        writer.Write(42);
        writer.Write(T0);
        writer.Write(T0);
        writer.Write(0);
        writer.Flush();
        Assert.Equal(22, buffer.WrittenCount);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Runs <paramref name="decode"/>, with the exceptions thrown on this thread while it ran (caught or not).</summary>
    private static (T Result, List<Exception> Thrown) Watching<T>(Func<T> decode)
    {
        var thread = Environment.CurrentManagedThreadId;
        var thrown = new List<Exception>();
        void Record(object? sender, System.Runtime.ExceptionServices.FirstChanceExceptionEventArgs e)
        {
            if (Environment.CurrentManagedThreadId == thread)
                thrown.Add(e.Exception);
        }

        AppDomain.CurrentDomain.FirstChanceException += Record;
        try
        {
            return (decode(), thrown);
        }
        finally
        {
            AppDomain.CurrentDomain.FirstChanceException -= Record;
        }
    }
}
