namespace Clearing.Cli.Commands.Tail;

/// <summary>What `clearing tail` reads and how it prints. <see cref="Count"/> 0 follows until cancelled.</summary>
internal sealed record TailOptions(string Topic, string BootstrapServers, bool FromBeginning, bool Json, int Count, string? Key,
    TimeSpan? IdleExit);
