namespace Cacheback;

/// <summary>
/// Thrown when a <see cref="Policy"/> is built from invalid thresholds. Lists every problem at
/// once, each naming the field and the value it was given.
/// </summary>
public sealed class PolicyValidationException : ArgumentException
{
    /// <summary>Creates the exception from the list of problems found.</summary>
    public PolicyValidationException(IReadOnlyList<string> errors)
        : base("Invalid cache policy: " + string.Join("; ", errors))
        => Errors = errors;

    /// <summary>Each problem, one sentence apiece.</summary>
    public IReadOnlyList<string> Errors { get; }
}
