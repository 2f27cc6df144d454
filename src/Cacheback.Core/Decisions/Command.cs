using System.Diagnostics.Contracts;

namespace Cacheback;

/// <summary>
/// What the executor asks <see cref="Decide.Next{T}"/> about: a closed union with one case per
/// operation on a key (a read, invalidate, a refresh requested, run now or run from the queue, a
/// write, a raw get, a write read back, the store or the tags' book failing). Each case carries the inputs of its decision that are not (now, what is
/// stored, the rules): the random draws, what the tags say, the value to write.
/// </summary>
/// <typeparam name="T">The cached value's type.</typeparam>
/// <remarks>
/// The cases without inputs are one instance per value type (<see cref="Read.Plain"/>,
/// <see cref="StoreUnavailable.Instance"/>, ...), so that asking allocates nothing: a miss asks
/// with <see cref="Read.Plain"/>.
/// </remarks>
internal abstract record Command<T>
{
    private Command()
    {
    }

    /// <summary>A read found <c>stored</c>: serve it, claim its refresh, or fetch.</summary>
    /// <param name="Draw">The early-refresh rule's random input, uniform in [0, 1); 0 never refreshes early.</param>
    /// <param name="Tags">What the entry's tags say of it (<see cref="TagRules.Judge(TagStamp, TagStamp)"/>).</param>
    internal sealed record Read(double Draw, TagVerdict Tags) : Command<T>
    {
        /// <summary>The common read: no early-refresh draw, tags valid (or none).</summary>
        public static Read Plain { get; } = new(0, TagVerdict.Valid);

        /// <summary>A read with these inputs; the common one allocates nothing.</summary>
        [Pure]
        public static Read Of(double draw, TagVerdict tags) =>
            draw == 0 && tags == TagVerdict.Valid ? Plain : new(draw, tags);
    }

    /// <summary>A read the store failed to answer.</summary>
    internal sealed record StoreUnavailable : Command<T>
    {
        private StoreUnavailable()
        {
        }

        /// <summary>The one instance.</summary>
        public static StoreUnavailable Instance { get; } = new();
    }

    /// <summary>
    /// The tags' book failed to stamp a read's synchronous fetch (<see cref="Effect{T}.FetchSync"/>
    /// of <paramref name="Status"/> over <paramref name="ExpectedVersion"/>): its value could not be shown fresh later.
    /// </summary>
    /// <param name="Status">The fetch's status.</param>
    /// <param name="ExpectedVersion">The version the fetch would have landed over.</param>
    internal sealed record TagsUnavailable(CacheStatus Status, long ExpectedVersion) : Command<T>;

    /// <summary>Invalidate: mark what is stored stale and refresh it.</summary>
    internal sealed record Invalidate : Command<T>
    {
        private Invalidate()
        {
        }

        /// <summary>The one instance.</summary>
        public static Invalidate Instance { get; } = new();
    }

    /// <summary>A refresh the caller asked for (enqueue a refresh): lease what is stored, as it is, and refresh it.</summary>
    internal sealed record RequestRefresh : Command<T>
    {
        private RequestRefresh()
        {
        }

        /// <summary>The one instance.</summary>
        public static RequestRefresh Instance { get; } = new();
    }

    /// <summary>An explicit refresh, fetched by its caller now: over what version does it land?</summary>
    internal sealed record RefreshNow : Command<T>
    {
        private RefreshNow()
        {
        }

        /// <summary>The one instance.</summary>
        public static RefreshNow Instance { get; } = new();
    }

    /// <summary>A value to store: a set, or a fetch landing.</summary>
    /// <param name="Value">The value.</param>
    /// <param name="Version">The new version to write it under.</param>
    /// <param name="ExpectedVersion">Write only over this version (0: only where nothing is stored); null: unconditionally.</param>
    /// <param name="Draw">The lifetime jitter's random input, uniform in [0, 1); 0: no jitter.</param>
    /// <param name="Tags">A tagged job's stamp of its tags, read before its fetch ran; null for an untagged job.</param>
    internal sealed record Write(T Value, long Version, long? ExpectedVersion, double Draw = 0, TagStamp? Tags = null) : Command<T>;

    /// <summary>A queued refresh is about to run: it lands only over <paramref name="ExpectedVersion"/>.</summary>
    /// <param name="ExpectedVersion">The version its claim wrote (0: the key was absent).</param>
    internal sealed record RunRefresh(long ExpectedVersion) : Command<T>;

    /// <summary>A raw get: what is stored, no side effects.</summary>
    internal sealed record RawGet : Command<T>
    {
        private RawGet()
        {
        }

        /// <summary>The one instance.</summary>
        public static RawGet Instance { get; } = new();
    }

    /// <summary>A write read back (<see cref="CachebackRuntimeOptions.VerifyCacheWrite"/>): is <paramref name="Written"/> there?</summary>
    /// <param name="Written">The envelope written.</param>
    internal sealed record Verify(Envelope<T> Written) : Command<T>;
}
