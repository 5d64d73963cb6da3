using System.Collections.Concurrent;
using Dapr.Client.Autogen.Grpc.v1;
using Google.Protobuf;
using Google.Protobuf.WellKnownTypes;
using Grpc.Core;

namespace Clearing.Dapr.Tests.Sidecar;

/// <summary>
/// An in-test stand-in for daprd's runtime API (dapr.proto.runtime.v1.Dapr) over real gRPC, implementing the state,
/// publish and metadata methods the adapters use with daprd's rules and error codes:
/// a missing key reads as empty data and no ETag; an ETag (or first-write without ETag on an existing key) that does
/// not hold is gRPC Aborted on a single write or delete, and Internal with "possible etag mismatch" in a transaction,
/// which applies all operations or none; unknown components are InvalidArgument.
/// </summary>
public sealed class FakeDaprSidecar
{
    private readonly Lock _gate = new();
    private readonly Dictionary<string, Dictionary<string, (ByteString Data, long ETag)>> _stores = new(StringComparer.Ordinal);
    private readonly HashSet<string> _pubSubs = new(StringComparer.Ordinal);
    private long _lastETag;

    public FakeDaprSidecar(string appId, IEnumerable<string> stateStores, IEnumerable<string> pubSubs)
    {
        AppId = appId;
        foreach (var store in stateStores)
        {
            _stores[store] = new Dictionary<string, (ByteString, long)>(StringComparer.Ordinal);
        }

        _pubSubs.UnionWith(pubSubs);
    }

    public string AppId { get; }

    public ConcurrentQueue<PublishEventRequest> Published { get; } = new();

    /// <summary>How many gRPC calls of each method arrived, to show which API the adapter used.</summary>
    public ConcurrentDictionary<string, int> Calls { get; } = new(StringComparer.Ordinal);

    /// <summary>Forgets all state but keeps the ETag counter growing, as a real store would.</summary>
    public void Reset()
    {
        lock (_gate)
        {
            foreach (var store in _stores.Values)
            {
                store.Clear();
            }
        }

        Published.Clear();
        Calls.Clear();
    }

    public Task<GetStateResponse> GetState(GetStateRequest request, ServerCallContext context)
    {
        Count("GetState");
        lock (_gate)
        {
            var store = Store(request.StoreName);
            var response = new GetStateResponse();
            if (store.TryGetValue(request.Key, out var item))
            {
                response.Data = item.Data;
                response.Etag = Format(item.ETag);
            }

            return Task.FromResult(response);
        }
    }

    public Task<GetBulkStateResponse> GetBulkState(GetBulkStateRequest request, ServerCallContext context)
    {
        Count("GetBulkState");
        lock (_gate)
        {
            var store = Store(request.StoreName);
            var response = new GetBulkStateResponse();
            foreach (var key in request.Keys)
            {
                var item = new BulkStateItem { Key = key };
                if (store.TryGetValue(key, out var stored))
                {
                    item.Data = stored.Data;
                    item.Etag = Format(stored.ETag);
                }

                response.Items.Add(item);
            }

            return Task.FromResult(response);
        }
    }

    public Task<Empty> SaveState(SaveStateRequest request, ServerCallContext context)
    {
        Count("SaveState");
        lock (_gate)
        {
            var store = Store(request.StoreName);
            foreach (var item in request.States)
            {
                if (!ConditionHolds(store, item.Key, item.Etag, item.Options))
                {
                    throw new RpcException(new Status(StatusCode.Aborted,
                        $"failed saving state in state store {request.StoreName}: possible etag mismatch. error from state store: key {item.Key}"));
                }

                store[item.Key] = (item.Value, ++_lastETag);
            }

            return Task.FromResult(new Empty());
        }
    }

    public Task<Empty> DeleteState(DeleteStateRequest request, ServerCallContext context)
    {
        Count("DeleteState");
        lock (_gate)
        {
            var store = Store(request.StoreName);
            if (HasETag(request.Etag) && !ETagMatches(store, request.Key, request.Etag))
            {
                throw new RpcException(new Status(StatusCode.Aborted,
                    $"failed deleting state with key {request.Key}: possible etag mismatch. error from state store: key {request.Key}"));
            }

            store.Remove(request.Key);
            return Task.FromResult(new Empty());
        }
    }

    public Task<Empty> ExecuteStateTransaction(ExecuteStateTransactionRequest request, ServerCallContext context)
    {
        Count("ExecuteStateTransaction");
        lock (_gate)
        {
            var store = Store(request.StoreName);
            // Check every condition before touching anything: the transaction is all or nothing.
            foreach (var operation in request.Operations)
            {
                var item = operation.Request;
                var holds = operation.OperationType switch
                {
                    "upsert" => ConditionHolds(store, item.Key, item.Etag, item.Options),
                    "delete" => !HasETag(item.Etag) || ETagMatches(store, item.Key, item.Etag),
                    _ => throw new RpcException(new Status(StatusCode.InvalidArgument,
                        $"error while executing state transaction: operation type {operation.OperationType} not supported")),
                };
                if (!holds)
                {
                    throw new RpcException(new Status(StatusCode.Internal,
                        "error while executing state transaction: possible etag mismatch. error from state store: transaction rolled back"));
                }
            }

            foreach (var operation in request.Operations)
            {
                if (operation.OperationType == "upsert")
                {
                    store[operation.Request.Key] = (operation.Request.Value, ++_lastETag);
                }
                else
                {
                    store.Remove(operation.Request.Key);
                }
            }

            return Task.FromResult(new Empty());
        }
    }

    public Task<Empty> PublishEvent(PublishEventRequest request, ServerCallContext context)
    {
        Count("PublishEvent");
        if (!_pubSubs.Contains(request.PubsubName))
        {
            throw new RpcException(new Status(StatusCode.InvalidArgument, $"pubsub {request.PubsubName} not found"));
        }

        Published.Enqueue(request);
        return Task.FromResult(new Empty());
    }

    public Task<GetMetadataResponse> GetMetadata(GetMetadataRequest request, ServerCallContext context)
    {
        Count("GetMetadata");
        var response = new GetMetadataResponse { Id = AppId, RuntimeVersion = "fake-1.16" };
        lock (_gate)
        {
            foreach (var store in _stores.Keys)
            {
                response.RegisteredComponents.Add(new RegisteredComponents
                {
                    Name = store,
                    Type = "state.postgresql",
                    Version = "v2",
                    Capabilities = { "ETAG", "TRANSACTIONAL" },
                });
            }
        }

        foreach (var pubSub in _pubSubs)
        {
            response.RegisteredComponents.Add(new RegisteredComponents { Name = pubSub, Type = "pubsub.kafka", Version = "v1" });
        }

        return Task.FromResult(response);
    }

    private Dictionary<string, (ByteString Data, long ETag)> Store(string name) =>
        _stores.TryGetValue(name, out var store)
            ? store
            : throw new RpcException(new Status(StatusCode.InvalidArgument, $"state store {name} is not found"));

    // daprd treats an empty ETag as no ETag; FirstWrite without an ETag means "insert only".
    private static bool ConditionHolds(Dictionary<string, (ByteString Data, long ETag)> store, string key, Etag? etag, StateOptions? options)
    {
        if (HasETag(etag))
        {
            return ETagMatches(store, key, etag!);
        }

        return options?.Concurrency != StateOptions.Types.StateConcurrency.ConcurrencyFirstWrite || !store.ContainsKey(key);
    }

    private static bool HasETag(Etag? etag) => etag is not null && !string.IsNullOrEmpty(etag.Value);

    private static bool ETagMatches(Dictionary<string, (ByteString Data, long ETag)> store, string key, Etag etag) =>
        store.TryGetValue(key, out var stored) && Format(stored.ETag) == etag.Value;

    private static string Format(long etag) => etag.ToString(System.Globalization.CultureInfo.InvariantCulture);

    private void Count(string method) => Calls.AddOrUpdate(method, 1, (_, n) => n + 1);
}
