using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace Cacheback;

/// <summary>Binds a section to options so that a value that does not convert fails like every other bad setting: in an <see cref="OptionsValidationException"/> naming each bad key.</summary>
internal static class OptionsBinding
{
    /// <exception cref="OptionsValidationException">A value does not convert to its setting's type; every such key is named.</exception>
    public static void Bind<TOptions>(IConfigurationSection section, TOptions options, IEnumerable<string>? owned = null, IReadOnlyDictionary<string, Type>? read = null)
        where TOptions : class
    {
        try
        {
            section.Bind(options);
        }
        catch (InvalidOperationException e)
        {
            // The binder stops at the first value it cannot convert; the check names them all.
            var problems = ConfigurationCheck.Problems(section, typeof(TOptions), owned, read);
            throw new OptionsValidationException(
                Options.DefaultName, typeof(TOptions), problems.Count > 0 ? problems : [$"{section.Path}: {e.Message} {e.InnerException?.Message}".TrimEnd()]);
        }
    }
}
