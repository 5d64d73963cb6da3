using System.CommandLine;
using System.Text.Json;

namespace Clearing.Cli.Commands;

/// <summary>
/// `clearing verify`: re-computes every stream's hash chain in an event store and names the first broken link.
/// Exit 0 intact, 3 broken, 2 bad arguments or an unreachable store.
/// </summary>
internal static class VerifyCommand
{
    public const int Broken = 3;

    public static Command Create()
    {
        var store = new StoreArguments();
        var stream = new Option<string?>("--stream") { Description = "Verify one stream only." };
        var command = new Command("verify", "Proves an event store was not edited: re-checks every hash chain and reports the first broken link.")
        {
            stream,
        };
        store.AddTo(command);
        command.SetAction(async (result, cancellationToken) =>
        {
            var opened = await store.OpenAsync(result, cancellationToken);
            if (opened is null)
            {
                return 2;
            }

            await using (opened as IAsyncDisposable)
            {
                var verdict = await opened.VerifyAsync(result.GetValue(stream), cancellationToken);
                Console.WriteLine(JsonSerializer.Serialize(new
                {
                    intact = verdict.IsIntact,
                    events = verdict.EventsChecked,
                    streams = verdict.StreamsChecked,
                    firstBroken = verdict.FirstBroken is { } b ? new { stream = b.StreamId, version = b.StreamVersion, position = b.GlobalPosition, reason = b.Reason } : null,
                }));
                return verdict.IsIntact ? 0 : Broken;
            }
        });
        return command;
    }
}
