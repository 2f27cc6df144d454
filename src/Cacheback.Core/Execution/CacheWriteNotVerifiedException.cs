namespace Cacheback;

/// <summary>
/// Thrown by <c>SetAsync</c> and <c>RefreshAsync</c> when the value written is not there when read
/// back (<see cref="CachebackRuntimeOptions.VerifyCacheWrite"/>): the store dropped the write
/// without an error (full, evicting at once, or misconfigured). django-cacheback raises
/// <c>RuntimeError("Unable to save data ...")</c> in the same case.
/// </summary>
public sealed class CacheWriteNotVerifiedException : InvalidOperationException
{
    /// <summary>Creates the exception for the write of <paramref name="key"/> in <paramref name="job"/>; <paramref name="found"/> says what the read-back found.</summary>
    public CacheWriteNotVerifiedException(string job, string key, string found)
        : base($"The write of {JobName.Display(job)} '{JobName.Display(key)}' was not stored: reading it back found {found}. The store may be full, evicting, or dropping writes; set VerifyCacheWrite to false to skip this check.")
        => (Job, Key) = (job, key);

    /// <summary>The job written.</summary>
    public string Job { get; }

    /// <summary>The key written.</summary>
    public string Key { get; }
}
