using System.Diagnostics;
using System.Globalization;

namespace Clearing.Cli.Commands.Replay;

/// <summary>
/// Progress of a long replay on stderr (stdout stays clean for the result): a bar redrawn in place on a terminal, a line
/// every two seconds otherwise (logs, Jobs). Ends with the total and the throughput.
/// </summary>
internal sealed class ReplayProgress(TextWriter error, long total, bool interactive)
{
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private TimeSpan _lastReport;

    public long Done { get; private set; }

    public TimeSpan Elapsed => _clock.Elapsed;

    public void Advance(long count = 1)
    {
        Done += count;
        var interval = interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(2);
        if (_clock.Elapsed - _lastReport >= interval)
        {
            _lastReport = _clock.Elapsed;
            Report(final: false);
        }
    }

    public double EventsPerSecond => Done / Math.Max(_clock.Elapsed.TotalSeconds, 1e-9);

    public void Complete() => Report(final: true);

    private void Report(bool final)
    {
        var fraction = total > 0 ? Math.Min(1.0, (double)Done / total) : 1.0;
        var text = string.Create(CultureInfo.InvariantCulture,
            $"replay: {Done:N0}/{total:N0} events ({fraction:P0}) {EventsPerSecond:N0} ev/s {_clock.Elapsed.TotalSeconds:F1} s");
        if (interactive)
        {
            const int width = 30;
            var filled = (int)Math.Round(fraction * width);
            error.Write($"\r[{new string('#', filled)}{new string('.', width - filled)}] {text}");
            if (final)
            {
                error.WriteLine();
            }
        }
        else
        {
            error.WriteLine(text);
        }
        error.Flush();
    }
}
