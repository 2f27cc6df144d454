namespace Cacheback;

/// <summary>
/// The subsections of <c>"Cacheback"</c> that another registration binds and checks itself
/// (<c>"Redis"</c> for <c>AddCachebackRedis</c>): the check of <see cref="CachebackOptions"/> does
/// not report them as unknown keys. Configured as options: <c>services.Configure&lt;CachebackSections&gt;(s =&gt; s.Owned.Add("Redis"))</c>.
/// </summary>
internal sealed class CachebackSections
{
    public ISet<string> Owned { get; } = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
}
