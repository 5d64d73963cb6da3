using System.Text;
using System.Text.Json.Serialization;
using Clearing.Dapr.State;

namespace Clearing.Dapr.Tests.State;

public sealed record Counter(int Value);

public sealed record Claim(string By);

[JsonSourceGenerationOptions(PropertyNamingPolicy = JsonKnownNamingPolicy.CamelCase)]
[JsonSerializable(typeof(Counter))]
[JsonSerializable(typeof(Claim))]
internal sealed partial class TestJsonContext : JsonSerializerContext;

/// <summary>
/// The one behaviour every <see cref="IStateStore"/> adapter must show. Each adapter runs it through a derived class
/// (SqliteStateStoreContract, DaprSidecarStateStoreContract), so the test names in the output say which one ran.
/// </summary>
public abstract class StateStoreContract : IAsyncLifetime
{
    protected IStateStore Store { get; private set; } = null!;

    public async Task InitializeAsync() => Store = await CreateStoreAsync();

    public Task DisposeAsync() => DisposeStoreAsync();

    protected abstract Task<IStateStore> CreateStoreAsync();

    protected virtual Task DisposeStoreAsync() => Task.CompletedTask;

    protected static ReadOnlyMemory<byte> Json(string json) => Encoding.UTF8.GetBytes(json);

    protected static string Text(StateEntry? entry) => Encoding.UTF8.GetString(entry.ShouldNotBeNull().Value.Span);

    [Fact]
    public async Task a_missing_key_reads_as_absent()
    {
        (await Store.GetAsync("account-404")).ShouldBeNull();
    }

    [Fact]
    public async Task a_saved_value_reads_back_with_an_etag()
    {
        await Store.SaveAsync("account-1", Json("""{"balance":"100.25"}"""), WriteCondition.Unconditional);

        var entry = await Store.GetAsync("account-1");

        Text(entry).ShouldBe("""{"balance":"100.25"}""");
        entry!.Key.ShouldBe("account-1");
        entry.ETag.ShouldNotBeNullOrWhiteSpace();
    }

    [Fact]
    public async Task an_unconditional_save_overwrites_and_changes_the_etag()
    {
        await Store.SaveAsync("k", Json("1"), WriteCondition.Unconditional);
        var first = await Store.GetAsync("k");

        await Store.SaveAsync("k", Json("2"), WriteCondition.Unconditional);
        var second = await Store.GetAsync("k");

        Text(second).ShouldBe("2");
        second!.ETag.ShouldNotBe(first!.ETag);
    }

    [Fact]
    public async Task a_save_with_the_current_etag_succeeds_and_issues_a_new_etag()
    {
        await Store.SaveAsync("k", Json("1"), WriteCondition.Unconditional);
        var read = await Store.GetAsync("k");

        await Store.SaveAsync("k", Json("2"), WriteCondition.IfMatch(read!.ETag));

        var after = await Store.GetAsync("k");
        Text(after).ShouldBe("2");
        after!.ETag.ShouldNotBe(read.ETag);
    }

    [Fact]
    public async Task a_save_with_a_stale_etag_fails_with_a_concurrency_error_naming_the_key_and_changes_nothing()
    {
        await Store.SaveAsync("risk-7", Json("""{"v":1}"""), WriteCondition.Unconditional);
        var stale = await Store.GetAsync("risk-7");
        await Store.SaveAsync("risk-7", Json("""{"v":2}"""), WriteCondition.IfMatch(stale!.ETag));

        var error = await Should.ThrowAsync<StateConcurrencyException>(
            () => Store.SaveAsync("risk-7", Json("""{"v":3}"""), WriteCondition.IfMatch(stale.ETag)).AsTask());

        error.Keys.ShouldBe(["risk-7"]);
        error.StoreName.ShouldBe(Store.Name);
        error.Message.ShouldContain("risk-7");
        Text(await Store.GetAsync("risk-7")).ShouldBe("""{"v":2}""");
    }

    [Fact]
    public async Task a_save_with_an_etag_on_a_missing_key_fails_with_a_concurrency_error()
    {
        await Store.SaveAsync("k", Json("1"), WriteCondition.Unconditional);
        var etag = (await Store.GetAsync("k"))!.ETag;
        await Store.DeleteAsync("k");

        var error = await Should.ThrowAsync<StateConcurrencyException>(
            () => Store.SaveAsync("k", Json("2"), WriteCondition.IfMatch(etag)).AsTask());

        error.Key.ShouldBe("k");
        (await Store.GetAsync("k")).ShouldBeNull();
    }

    [Fact]
    public async Task a_first_write_creates_a_missing_key()
    {
        await Store.SaveAsync("idem-1", Json("""{"by":"order-9"}"""), WriteCondition.IfAbsent);

        Text(await Store.GetAsync("idem-1")).ShouldBe("""{"by":"order-9"}""");
    }

    [Fact]
    public async Task a_first_write_on_an_existing_key_fails_and_keeps_the_first_value()
    {
        await Store.SaveAsync("idem-1", Json("""{"by":"first"}"""), WriteCondition.IfAbsent);

        var error = await Should.ThrowAsync<StateConcurrencyException>(
            () => Store.SaveAsync("idem-1", Json("""{"by":"second"}"""), WriteCondition.IfAbsent).AsTask());

        error.Key.ShouldBe("idem-1");
        Text(await Store.GetAsync("idem-1")).ShouldBe("""{"by":"first"}""");
    }

    [Fact]
    public async Task an_idempotency_key_is_claimed_exactly_once()
    {
        var first = await Store.TryAddAsync("nonce-acc1-42", Json("""{"by":"req-a"}"""));
        var second = await Store.TryAddAsync("nonce-acc1-42", Json("""{"by":"req-b"}"""));

        first.ShouldBeTrue();
        second.ShouldBeFalse();
        (await Store.GetAsync("nonce-acc1-42", TestJsonContext.Default.Claim))!.Value.ShouldBe(new Claim("req-a"));
    }

    [Fact]
    public async Task a_delete_with_the_current_etag_removes_the_key()
    {
        await Store.SaveAsync("k", Json("1"), WriteCondition.Unconditional);
        var entry = await Store.GetAsync("k");

        await Store.DeleteAsync("k", entry!.ETag);

        (await Store.GetAsync("k")).ShouldBeNull();
    }

    [Fact]
    public async Task a_delete_with_a_stale_etag_fails_and_keeps_the_key()
    {
        await Store.SaveAsync("k", Json("1"), WriteCondition.Unconditional);
        var stale = await Store.GetAsync("k");
        await Store.SaveAsync("k", Json("2"), WriteCondition.Unconditional);

        var error = await Should.ThrowAsync<StateConcurrencyException>(() => Store.DeleteAsync("k", stale!.ETag).AsTask());

        error.Key.ShouldBe("k");
        Text(await Store.GetAsync("k")).ShouldBe("2");
    }

    [Fact]
    public async Task a_delete_without_etag_of_a_missing_key_is_not_an_error()
    {
        await Store.DeleteAsync("never-written");

        (await Store.GetAsync("never-written")).ShouldBeNull();
    }

    [Fact]
    public async Task a_key_deleted_and_written_again_never_gets_an_etag_it_had_before()
    {
        await Store.SaveAsync("k", Json("1"), WriteCondition.Unconditional);
        var old = await Store.GetAsync("k");
        await Store.DeleteAsync("k");
        await Store.SaveAsync("k", Json("2"), WriteCondition.IfAbsent);

        await Should.ThrowAsync<StateConcurrencyException>(
            () => Store.SaveAsync("k", Json("3"), WriteCondition.IfMatch(old!.ETag)).AsTask());
        Text(await Store.GetAsync("k")).ShouldBe("2");
    }

    [Fact]
    public async Task a_bulk_get_returns_the_present_keys_with_their_etags_and_omits_missing_ones()
    {
        await Store.SaveAsync("a", Json("""{"n":1}"""), WriteCondition.Unconditional);
        await Store.SaveAsync("b", Json("""{"n":2}"""), WriteCondition.Unconditional);
        var a = await Store.GetAsync("a");
        var b = await Store.GetAsync("b");

        var bulk = await Store.GetBulkAsync(["a", "b", "missing"]);

        bulk.Keys.Order(StringComparer.Ordinal).ShouldBe(["a", "b"]);
        Text(bulk["a"]).ShouldBe("""{"n":1}""");
        Text(bulk["b"]).ShouldBe("""{"n":2}""");
        bulk["a"].ETag.ShouldBe(a!.ETag);
        bulk["b"].ETag.ShouldBe(b!.ETag);
    }

    [Fact]
    public async Task a_bulk_get_of_no_keys_is_empty()
    {
        (await Store.GetBulkAsync([])).ShouldBeEmpty();
    }

    [Fact]
    public async Task a_transaction_applies_all_its_operations()
    {
        await Store.SaveAsync("view-1", Json("1"), WriteCondition.Unconditional);
        await Store.SaveAsync("view-2", Json("2"), WriteCondition.Unconditional);
        var view1 = await Store.GetAsync("view-1");

        await Store.ExecuteTransactionAsync(
        [
            StateOperation.Upsert("view-1", Json("10"), WriteCondition.IfMatch(view1!.ETag)),
            StateOperation.Upsert("view-3", Json("30"), WriteCondition.IfAbsent),
            StateOperation.Delete("view-2"),
        ]);

        Text(await Store.GetAsync("view-1")).ShouldBe("10");
        Text(await Store.GetAsync("view-3")).ShouldBe("30");
        (await Store.GetAsync("view-2")).ShouldBeNull();
    }

    [Fact]
    public async Task a_transaction_with_a_stale_etag_applies_nothing_and_names_the_key()
    {
        await Store.SaveAsync("view-1", Json("1"), WriteCondition.Unconditional);
        await Store.SaveAsync("view-2", Json("2"), WriteCondition.Unconditional);
        var stale = await Store.GetAsync("view-2");
        await Store.SaveAsync("view-2", Json("22"), WriteCondition.Unconditional);

        var error = await Should.ThrowAsync<StateConcurrencyException>(() => Store.ExecuteTransactionAsync(
        [
            StateOperation.Upsert("view-1", Json("10"), WriteCondition.Unconditional),
            StateOperation.Delete("view-2", stale!.ETag),
            StateOperation.Upsert("view-3", Json("30"), WriteCondition.Unconditional),
        ]).AsTask());

        error.Keys.ShouldContain("view-2");
        Text(await Store.GetAsync("view-1")).ShouldBe("1");
        Text(await Store.GetAsync("view-2")).ShouldBe("22");
        (await Store.GetAsync("view-3")).ShouldBeNull();
    }

    [Fact]
    public async Task a_transaction_naming_a_key_twice_is_refused_before_anything_is_written()
    {
        var error = await Should.ThrowAsync<ArgumentException>(() => Store.ExecuteTransactionAsync(
        [
            StateOperation.Upsert("dup", Json("1"), WriteCondition.Unconditional),
            StateOperation.Delete("dup"),
        ]).AsTask());

        error.Message.ShouldContain("'dup' appears twice");
        (await Store.GetAsync("dup")).ShouldBeNull();
    }

    [Fact]
    public async Task concurrent_etag_guarded_increments_lose_no_update()
    {
        const int writers = 4;
        const int incrementsEach = 10;

        await Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (var i = 0; i < incrementsEach; i++)
            {
                await Store.UpdateAsync("counter", TestJsonContext.Default.Counter,
                    current => new Counter((current?.Value ?? 0) + 1), maxAttempts: 200);
            }
        })));

        (await Store.GetAsync("counter", TestJsonContext.Default.Counter))!.Value.ShouldBe(new Counter(writers * incrementsEach));
    }

    [Theory]
    [InlineData("")]
    [InlineData("margin||account-1")]
    public async Task an_invalid_key_is_rejected_with_a_message_naming_the_problem(string key)
    {
        var error = await Should.ThrowAsync<ArgumentException>(
            () => Store.SaveAsync(key, Json("1"), WriteCondition.Unconditional).AsTask());

        error.Message.ShouldContain(key.Length == 0 ? "must not be empty" : "'||'");
    }

    [Fact]
    public async Task a_value_that_is_not_json_is_rejected_and_nothing_is_written()
    {
        var error = await Should.ThrowAsync<ArgumentException>(
            () => Store.SaveAsync("k", Json("{not json"), WriteCondition.Unconditional).AsTask());

        error.Message.ShouldContain("'k' is not valid UTF-8 JSON");
        (await Store.GetAsync("k")).ShouldBeNull();
    }
}
