using StackExchange.Redis;

namespace Cacheback;

/// <summary>The Redis keys of one named queue, in the order its scripts expect them (see Scripts/QueueCommon.lua).</summary>
internal sealed class RedisQueueKeys
{
    public RedisQueueKeys(string keyPrefix, string name)
    {
        // The name in braces is the hash tag: in a Redis Cluster all of a queue's keys share a slot,
        // which its multi-key scripts need.
        var root = $"{keyPrefix}{{{name}}}:";
        Pending = root + "pending";
        InFlight = root + "inflight";
        Payloads = root + "payloads";
        Attempts = root + "attempts";
        Dead = root + "dead";
        Wake = root + "wake";
        All = [Pending, InFlight, Payloads, Attempts, Dead];
    }

    public RedisKey Pending { get; }
    public RedisKey InFlight { get; }
    public RedisKey Payloads { get; }
    public RedisKey Attempts { get; }
    public RedisKey Dead { get; }

    /// <summary>The pub/sub channel that wakes idle takers.</summary>
    public string Wake { get; }

    /// <summary>KEYS for every queue script.</summary>
    public RedisKey[] All { get; }
}
