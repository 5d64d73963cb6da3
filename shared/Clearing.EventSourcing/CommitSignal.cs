using System.Text;

namespace Clearing.EventSourcing;

/// <summary>Wakes live subscribers after each commit; a new waiter never misses a commit that follows it.</summary>
internal sealed class CommitSignal
{
    private TaskCompletionSource _next = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public void Pulse() => Interlocked.Exchange(ref _next, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).TrySetResult();

    public Task Next => Volatile.Read(ref _next).Task;

    public static async Task WaitAsync(Task task, TimeSpan timeout, CancellationToken cancellationToken)
    {
        try
        {
            await task.WaitAsync(timeout, cancellationToken).ConfigureAwait(false);
        }
        catch (TimeoutException)
        {
            // Timing out is the normal answer when nothing was written: the caller polls again.
        }
    }
}

internal static class Utf8
{
    public static string Text(ReadOnlyMemory<byte> bytes) => bytes.IsEmpty ? string.Empty : Encoding.UTF8.GetString(bytes.Span);
}
