using LanguageExt;

namespace Cacheback;

internal static class OptionExtensions
{
    /// <summary>The envelope or null, without allocating (LanguageExt 3 is not nullable-annotated).</summary>
    public static Envelope<T>? OrNull<T>(this Option<Envelope<T>> option) => option.IsSome ? (Envelope<T>)option : null;
}
