namespace Cacheback.Tests;

/// <summary>
/// A bound on a wait that cannot be mistaken for the outcome under test. <c>task.WaitAsync(bound)</c>
/// throws a <see cref="TimeoutException"/> when the bound passes, so
/// <c>Assert.ThrowsAsync&lt;TimeoutException&gt;(() =&gt; task.WaitAsync(bound))</c> passes for a
/// task that never finishes at all. <see cref="Within{T}"/> fails the test instead.
/// </summary>
internal static class Bounded
{
    /// <summary>The task's own outcome (value or exception); a test failure if it has none within <paramref name="bound"/>.</summary>
    public static async Task<T> Within<T>(this Task<T> task, TimeSpan bound)
    {
        await Finished(task, bound);
        return await task;
    }

    /// <summary>The task's own outcome (completion or exception); a test failure if it has none within <paramref name="bound"/>.</summary>
    public static async Task Within(this Task task, TimeSpan bound)
    {
        await Finished(task, bound);
        await task;
    }

    private static async Task Finished(Task task, TimeSpan bound)
    {
        // The bound is how long a failing test may hang, not part of what it tests: a TimeoutException
        // from an unfinished task is the bound passing; anything the task itself ended with is the
        // caller's to await.
        try
        {
            await task.WaitAsync(bound);
        }
        catch (TimeoutException) when (!task.IsCompleted)
        {
            throw new Xunit.Sdk.XunitException($"The awaited task had not finished after the test's bound of {bound.TotalSeconds} s.");
        }
#pragma warning disable CA1031 // The task's own outcome: the caller awaits the task and sees it.
        catch (Exception) when (task.IsCompleted)
#pragma warning restore CA1031
        {
        }
    }
}
