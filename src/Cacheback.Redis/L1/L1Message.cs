using System.Globalization;

namespace Cacheback;

/// <summary>
/// An invalidation as published on the pub/sub channel, and its text:
/// <c>1|{node}|{job length}|{job}{key}</c>. The version comes first; a message of another version
/// or form is ignored (bad bytes are a value, not an exception).
/// </summary>
/// <param name="Node">The publishing node's id; a node ignores its own messages.</param>
/// <param name="Job">The partition (job name).</param>
/// <param name="Key">The key within the job.</param>
internal sealed record L1Message(string Node, string Job, string Key)
{
    private const string Version = "1";

    public string Encode() =>
        string.Create(CultureInfo.InvariantCulture, $"{Version}|{Node}|{Job.Length}|{Job}{Key}");

    /// <summary>The message <paramref name="text"/> holds, or null when it is not one.</summary>
    public static L1Message? TryParse(string? text)
    {
        if (text is null || !text.StartsWith(Version + "|", StringComparison.Ordinal))
            return null;
        var nodeStart = Version.Length + 1;
        var nodeEnd = text.IndexOf('|', nodeStart);
        if (nodeEnd < 0)
            return null;
        var lengthEnd = text.IndexOf('|', nodeEnd + 1);
        if (lengthEnd < 0
            || !int.TryParse(text.AsSpan(nodeEnd + 1, lengthEnd - nodeEnd - 1), NumberStyles.None, CultureInfo.InvariantCulture, out var jobLength)
            || jobLength > text.Length - lengthEnd - 1)
            return null;
        var jobStart = lengthEnd + 1;
        return new L1Message(text[nodeStart..nodeEnd], text.Substring(jobStart, jobLength), text[(jobStart + jobLength)..]);
    }
}
