using System.Collections.Concurrent;
using Clearing.Contracts.Gateway.V1;

namespace Clearing.Cli.Commands.Simulate;

/// <summary>What the actors did, counted as they go (thread-safe): the left half of the report.</summary>
internal sealed class SimulationStats
{
    private long _commandsSent, _ordersPlaced, _commandsAccepted, _commandsRefused, _deposits;
    private decimal _deposited;
    private readonly Lock _gate = new();

    public ConcurrentDictionary<string, long> RefusalsByRule { get; } = new(StringComparer.Ordinal);

    /// <summary>command_id → order id of every command the gateway accepted: each must show up in matching's events.</summary>
    public ConcurrentDictionary<string, string> AcceptedCommands { get; } = new(StringComparer.Ordinal);

    /// <summary>When each taker order was sent (Stopwatch ticks), for order→fill latency.</summary>
    public ConcurrentDictionary<string, long> TakerSentAt { get; } = new(StringComparer.Ordinal);

    /// <summary>When the gateway accepted each taker order (its own clock, Unix nanoseconds), for the order→fill stages.</summary>
    public ConcurrentDictionary<string, long> TakerAcceptedAt { get; } = new(StringComparer.Ordinal);

    /// <summary>Send → gateway reply of each taker order, milliseconds (the first stage of order→fill).</summary>
    public ConcurrentQueue<double> TakerReplyMillis { get; } = new();

    /// <summary>How late each taker send was against the open-loop schedule, milliseconds (the generator's own delay, not the stack's).</summary>
    public ConcurrentQueue<double> TakerSendLagMillis { get; } = new();

    /// <summary>
    /// The takers' offer window: seconds offered, commands accepted in it (the rate the stack kept up with) and commands
    /// the gateway refused in it because the stack was behind its load bounds.
    /// </summary>
    public (double Seconds, long Offered, long Accepted, long Backpressured) OfferWindow { get; set; }

    /// <summary>The gateway's rule for a refusal because the stack is behind (RESOURCE_EXHAUSTED).</summary>
    public const string BackpressureRule = "backpressure";

    /// <summary>Commands refused because the stack was behind, not because of anything in the command.</summary>
    public long RefusedForBackpressure => RefusalsByRule.GetValueOrDefault(BackpressureRule);

    /// <summary>Deposit references the simulator made: each must appear in the ledger.</summary>
    public ConcurrentDictionary<string, decimal> DepositReferences { get; } = new(StringComparer.Ordinal);

    public long CommandsSent => Interlocked.Read(ref _commandsSent);
    public long OrdersPlaced => Interlocked.Read(ref _ordersPlaced);
    public long CommandsAccepted => Interlocked.Read(ref _commandsAccepted);
    public long CommandsRefused => Interlocked.Read(ref _commandsRefused);
    public long Deposits => Interlocked.Read(ref _deposits);

    public decimal Deposited
    {
        get
        {
            lock (_gate)
            {
                return _deposited;
            }
        }
    }

    /// <summary>
    /// A taker send <paramref name="sinceStart"/> into the offer whose first order, number <paramref name="firstOrder"/>, was
    /// due at firstOrder / rate: how late the generator itself was. Order→fill starts at the actual send, so the report
    /// shows this lag beside it rather than inside it.
    /// </summary>
    public void TakerSent(TimeSpan sinceStart, long firstOrder, double ratePerSecond) =>
        TakerSendLagMillis.Enqueue(Math.Max(0, (sinceStart - TimeSpan.FromSeconds(firstOrder / ratePerSecond)).TotalMilliseconds));

    public void CommandSent(bool placed)
    {
        Interlocked.Increment(ref _commandsSent);
        if (placed)
        {
            Interlocked.Increment(ref _ordersPlaced);
        }
    }

    public void CommandAccepted(OrderReply reply, bool placed)
    {
        Interlocked.Increment(ref _commandsAccepted);
        if (!reply.Duplicate)
        {
            AcceptedCommands[reply.CommandId] = reply.OrderId;
        }
    }

    public void CommandRefused(string rule, string? message = null)
    {
        Interlocked.Increment(ref _commandsRefused);
        RefusalsByRule.AddOrUpdate(rule, 1, (_, n) => n + 1);
        if (rule == BackpressureRule)
        {
            BackpressureBy.AddOrUpdate(BackpressureSource(message), 1, (_, n) => n + 1);
            LastBackpressure = message;
        }
    }

    /// <summary>Backpressure refusals by what was behind: a consumer group's name, or "gateway-outbox".</summary>
    public ConcurrentDictionary<string, long> BackpressureBy { get; } = new(StringComparer.Ordinal);

    /// <summary>The gateway's sentence for the latest backpressure refusal (names the lag and the bound).</summary>
    public string? LastBackpressure { get; private set; }

    /// <summary>"backpressure: consumer group 'margin-fills' is 5210 …" → margin-fills; the gateway's own outbox → gateway-outbox.</summary>
    internal static string BackpressureSource(string? message)
    {
        const string marker = "consumer group '";
        var at = message?.IndexOf(marker, StringComparison.Ordinal) ?? -1;
        if (at >= 0)
        {
            var start = at + marker.Length;
            var end = message!.IndexOf('\'', start);
            return end > start ? message[start..end] : "unknown";
        }

        return message?.Contains("not yet published", StringComparison.Ordinal) == true ? "gateway-outbox" : "unknown";
    }

    public void Deposit(string reference, decimal amount)
    {
        Interlocked.Increment(ref _deposits);
        DepositReferences[reference] = amount;
        lock (_gate)
        {
            _deposited += amount;
        }
    }
}
