using System.Text;
using Dapr;
using Dapr.Client;
using Grpc.Core;
using Polly;

namespace Clearing.Dapr.State;

/// <summary>
/// <see cref="IStateStore"/> through the Dapr sidecar's state API (gRPC). ETag rules follow Dapr: a write with an
/// ETag and <see cref="ConcurrencyMode.FirstWrite"/> succeeds only if the stored ETag matches; a write without an
/// ETag and FirstWrite is an insert that fails when the key exists.
/// </summary>
public sealed class DaprStateStore : IStateStore
{
    private static readonly StateOptions ConditionalWrite = new()
    {
        Concurrency = ConcurrencyMode.FirstWrite,
        Consistency = ConsistencyMode.Strong,
    };

    private static readonly StateOptions LastWriteWins = new()
    {
        Concurrency = ConcurrencyMode.LastWrite,
        Consistency = ConsistencyMode.Strong,
    };

    private readonly DaprClient _client;
    private readonly ResiliencePipeline _pipeline;

    public DaprStateStore(DaprClient client, string storeName, ResiliencePipeline? pipeline = null)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrWhiteSpace(storeName);
        _client = client;
        Name = storeName;
        _pipeline = pipeline ?? ResiliencePipeline.Empty;
    }

    public string Name { get; }

    public async ValueTask<StateEntry?> GetAsync(string key, CancellationToken cancellationToken = default)
    {
        StateArguments.ValidateKey(key);
        var (value, etag) = await _pipeline.ExecuteAsync(
            async ct => await _client.GetByteStateAndETagAsync(Name, key, ConsistencyMode.Strong, cancellationToken: ct),
            cancellationToken);
        // The sidecar answers a missing key with empty data and no ETag rather than an error.
        return value.IsEmpty && string.IsNullOrEmpty(etag) ? null : new StateEntry(key, value.ToArray(), etag ?? string.Empty);
    }

    public async ValueTask<IReadOnlyDictionary<string, StateEntry>> GetBulkAsync(IReadOnlyCollection<string> keys,
        CancellationToken cancellationToken = default)
    {
        StateArguments.ValidateKeys(keys);
        var result = new Dictionary<string, StateEntry>(keys.Count, StringComparer.Ordinal);
        if (keys.Count == 0)
        {
            return result;
        }

        var distinct = keys.Distinct(StringComparer.Ordinal).ToArray();
        var items = await _pipeline.ExecuteAsync(
            async ct => await _client.GetBulkStateAsync(Name, distinct, parallelism: null, cancellationToken: ct),
            cancellationToken);
        foreach (var item in items)
        {
            // The untyped bulk API hands values back as UTF-8 text, which is exactly what a JSON document is.
            if (string.IsNullOrEmpty(item.Value) && string.IsNullOrEmpty(item.ETag))
            {
                continue;
            }

            result[item.Key] = new StateEntry(item.Key, Encoding.UTF8.GetBytes(item.Value), item.ETag ?? string.Empty);
        }

        return result;
    }

    public async ValueTask SaveAsync(string key, ReadOnlyMemory<byte> utf8Json, WriteCondition condition,
        CancellationToken cancellationToken = default)
    {
        StateArguments.ValidateKey(key);
        StateArguments.ValidateJson(key, utf8Json);
        if (condition.Kind == WriteConditionKind.Unconditional)
        {
            await Guard(key, async ct => await _client.SaveByteStateAsync(Name, key, utf8Json, LastWriteWins, cancellationToken: ct),
                cancellationToken);
            return;
        }

        // An empty ETag with FirstWrite is Dapr's "insert only if absent".
        var etag = condition.Kind == WriteConditionKind.IfMatch ? condition.ETag! : string.Empty;
        var saved = await Guard(key,
            async ct => await _client.TrySaveByteStateAsync(Name, key, utf8Json, etag, ConditionalWrite, cancellationToken: ct),
            cancellationToken);
        if (!saved)
        {
            throw new StateConcurrencyException(Name, [key], Describe(condition));
        }
    }

    public async ValueTask DeleteAsync(string key, string? etag = null, CancellationToken cancellationToken = default)
    {
        StateArguments.ValidateKey(key);
        if (string.IsNullOrEmpty(etag))
        {
            await Guard(key, async ct => await _client.DeleteStateAsync(Name, key, LastWriteWins, cancellationToken: ct),
                cancellationToken);
            return;
        }

        var deleted = await Guard(key,
            async ct => await _client.TryDeleteStateAsync(Name, key, etag, ConditionalWrite, cancellationToken: ct),
            cancellationToken);
        if (!deleted)
        {
            throw new StateConcurrencyException(Name, [key], $"delete expected ETag {etag}");
        }
    }

    public async ValueTask ExecuteTransactionAsync(IReadOnlyList<StateOperation> operations,
        CancellationToken cancellationToken = default)
    {
        StateArguments.ValidateOperations(operations);
        var requests = operations.Select(ToTransactionRequest).ToArray();
        try
        {
            await _pipeline.ExecuteAsync(
                async ct => await _client.ExecuteStateTransactionAsync(Name, requests, cancellationToken: ct),
                cancellationToken);
        }
        catch (Exception ex) when (IsConcurrencyConflict(ex))
        {
            var conditionalKeys = operations.Where(o => o.IsConditional).Select(o => o.Key).ToArray();
            throw new StateConcurrencyException(Name, conditionalKeys, "the sidecar rejected the transaction: " + Detail(ex), ex);
        }
    }

    private static StateTransactionRequest ToTransactionRequest(StateOperation operation) => operation switch
    {
        UpsertOperation { Condition.Kind: WriteConditionKind.Unconditional } upsert =>
            new StateTransactionRequest(upsert.Key, upsert.Value.ToArray(), StateOperationType.Upsert, etag: null, options: LastWriteWins),
        UpsertOperation upsert =>
            new StateTransactionRequest(upsert.Key, upsert.Value.ToArray(), StateOperationType.Upsert,
                etag: upsert.Condition.Kind == WriteConditionKind.IfMatch ? upsert.Condition.ETag : string.Empty,
                options: ConditionalWrite),
        DeleteOperation delete when string.IsNullOrEmpty(delete.ETag) =>
            new StateTransactionRequest(delete.Key, null, StateOperationType.Delete, etag: null, options: LastWriteWins),
        DeleteOperation delete =>
            new StateTransactionRequest(delete.Key, null, StateOperationType.Delete, etag: delete.ETag, options: ConditionalWrite),
        _ => throw new ArgumentException($"Unknown state operation type {operation.GetType().Name}.", nameof(operation)),
    };

    private async ValueTask<T> Guard<T>(string key, Func<CancellationToken, ValueTask<T>> call, CancellationToken cancellationToken)
    {
        try
        {
            return await _pipeline.ExecuteAsync(call, cancellationToken);
        }
        catch (Exception ex) when (IsConcurrencyConflict(ex))
        {
            throw new StateConcurrencyException(Name, [key], "the sidecar rejected the write: " + Detail(ex), ex);
        }
    }

    private async ValueTask Guard(string key, Func<CancellationToken, ValueTask> call, CancellationToken cancellationToken) =>
        await Guard<bool>(key, async ct =>
        {
            await call(ct);
            return true;
        }, cancellationToken);

    /// <summary>
    /// daprd reports an ETag mismatch on a single write as gRPC Aborted (the SDK's Try* methods turn that into
    /// false), but inside a transaction as Internal with the store's message, and some stores (PostgreSQL v1) report
    /// a failed first-write insert as "no item was updated". All of these mean "your condition did not hold".
    /// </summary>
    internal static bool IsConcurrencyConflict(Exception exception)
    {
        var rpc = exception as RpcException ?? (exception as DaprException)?.InnerException as RpcException;
        if (rpc is null)
        {
            return false;
        }

        if (rpc.StatusCode == StatusCode.Aborted)
        {
            return true;
        }

        var detail = rpc.Status.Detail ?? string.Empty;
        return detail.Contains("etag mismatch", StringComparison.OrdinalIgnoreCase)
            || detail.Contains("no item was updated", StringComparison.OrdinalIgnoreCase);
    }

    private static string Detail(Exception exception) =>
        (exception as RpcException ?? (exception as DaprException)?.InnerException as RpcException)?.Status.Detail ?? exception.Message;

    private static string Describe(WriteCondition condition) => condition.Kind switch
    {
        WriteConditionKind.IfAbsent => "first-write: the key already exists",
        _ => $"expected ETag {condition.ETag} does not match the stored one (or the key does not exist)",
    };
}
