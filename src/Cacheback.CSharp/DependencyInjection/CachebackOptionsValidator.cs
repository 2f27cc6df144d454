using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Cacheback;

/// <summary>
/// Checks <see cref="CachebackOptions"/> when the host starts (<c>ValidateOnStart</c>) or when they
/// are first read, and names every problem, by its configuration key, in one
/// <see cref="OptionsValidationException"/>: keys of the <c>"Cacheback"</c> section that are no
/// setting, values out of range, and thresholds that make no policy (<see cref="PolicySettings"/>).
/// </summary>
internal sealed class CachebackOptionsValidator(IServiceProvider provider, IOptions<CachebackSections> sections) : IValidateOptions<CachebackOptions>
{
    private const string Section = CachebackOptions.SectionName;

    public ValidateOptionsResult Validate(string? name, CachebackOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        if (provider.GetService<IConfiguration>()?.GetSection(Section) is { } section)
            errors.AddRange(ConfigurationCheck.Problems(section, typeof(CachebackOptions), sections.Value.Owned, PolicySettings.Keys));
        errors.AddRange(Ranges(options));
        errors.AddRange(options.PolicyProblems.Select(error => $"{Section}:{error}."));

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static IEnumerable<string> Ranges(CachebackOptions options)
    {
        if (options.MaxConcurrentRefreshes <= 0)
            yield return $"{Section}:{nameof(options.MaxConcurrentRefreshes)} must be positive (was {options.MaxConcurrentRefreshes}).";
        if (options.MaxConcurrentRefreshes > PolicyLimits.MaxConcurrency)
            yield return $"{Section}:{nameof(options.MaxConcurrentRefreshes)} must be at most {PolicyLimits.MaxConcurrency} (was {options.MaxConcurrentRefreshes}).";
        if (options.DrainTimeout < TimeSpan.Zero)
            yield return $"{Section}:{nameof(options.DrainTimeout)} must not be negative (was {options.DrainTimeout}).";
        if (options.DrainTimeout > PolicyLimits.MaxTimerDuration)
            yield return $"{Section}:{nameof(options.DrainTimeout)} must be at most {PolicyLimits.MaxTimerDuration}, the longest timer .NET can start (was {options.DrainTimeout}).";
        if (options.QueueCapacity <= 0)
            yield return $"{Section}:{nameof(options.QueueCapacity)} must be positive (was {options.QueueCapacity}).";
        foreach (var problem in options.MemoryStore.Problems($"{Section}:{nameof(options.MemoryStore)}:"))
            yield return problem;
        foreach (var store in options.StoreNames.Where(string.IsNullOrWhiteSpace))
            yield return $"{Section}:{nameof(options.StoreNames)} holds a name that is empty or white space (was '{store}').";
        foreach (var queue in options.QueueNames.Where(string.IsNullOrWhiteSpace))
            yield return $"{Section}:{nameof(options.QueueNames)} holds a name that is empty or white space (was '{queue}').";
    }
}
