namespace Clearing.Cli.Tests;

/// <summary>Margin's module names the streams it folds, as every other service's does, when asked for one it cannot show.</summary>
public sealed class ReplayMarginStreamsTests : IAsyncDisposable
{
    private readonly ReplayModuleStore _store = new("margin");

    [Fact]
    public async Task a_margin_stream_without_events_is_an_error_that_names_the_streams_margin_folds()
    {
        var (exit, _, error) = await _store.TimeTravelAsync("account-nobody");

        exit.ShouldBe(2);
        error.ShouldContain("stream 'account-nobody' has no events");
        error.ShouldContain("margin folds: account-{owner}, ledger-main.");
    }

    public ValueTask DisposeAsync() => _store.DisposeAsync();
}
