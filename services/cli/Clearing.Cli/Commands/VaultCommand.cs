using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;
using Clearing.Contracts.Vault.V1;
using Clearing.ServiceDefaults.Security;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Core.Interceptors;
using Grpc.Net.Client;
using NSec.Cryptography;
using VaultClient = Clearing.Contracts.Vault.V1.Vault.VaultClient;

namespace Clearing.Cli.Commands;

/// <summary>
/// `clearing vault`: the LP vault (services/vault). Every call is signed as the LP's trading account (a trader of a
/// `clearing up` dev keyring, or a key file with "account" and "privateKey"); a trader may act only for itself.
/// Exit 0 done, 1 refused by the service, 2 bad input.
/// </summary>
internal static class VaultCommand
{
    public const string DefaultServer = "http://127.0.0.1:7108";

    public const string DefaultMarginServer = "http://127.0.0.1:7102";

    public static Command Create()
    {
        var command = new Command("vault", "The LP vault: deposit, request or cancel a withdrawal, NAV and share price history, exposure per market, your statement.");
        command.Subcommands.Add(Deposit());
        command.Subcommands.Add(Withdraw());
        command.Subcommands.Add(CancelWithdrawal());
        command.Subcommands.Add(Show());
        command.Subcommands.Add(History());
        command.Subcommands.Add(Statement());
        return command;
    }

    private static Option<string> Server() => new("--server") { Description = $"Vault service gRPC address (default {DefaultServer}, the `clearing up` address; a host started alone listens on 7109).", DefaultValueFactory = _ => DefaultServer };

    private static Option<FileInfo> KeyOption() => new("--key") { Description = "A `clearing up` dev keyring (<data>/dev-keyring.json) or a key file {\"account\", \"privateKey\"}.", Required = true };

    private static Option<string?> AccountOption() => new("--account") { Description = "The LP's account (a trader of the dev keyring; default: the first)." };

    private static Command Deposit()
    {
        var amount = new Argument<string>("amount") { Description = "Amount of the vault's asset to deposit, e.g. 1000." };
        var reference = new Option<string?>("--reference") { Description = "The deposit id, its idempotency key (default: a fresh one)." };
        var margin = new Option<string>("--margin-server")
        {
            Description = $"Margin service gRPC address, where the money moves (default {DefaultMarginServer}, the `clearing up` address; a host started alone listens on 7103).",
            DefaultValueFactory = _ => DefaultMarginServer,
        };
        var vaultAccount = new Option<string>("--vault-account") { Description = "The vault's account in margin (default vault-hlp).", DefaultValueFactory = _ => Clearing.Primitives.Accounts.VaultAccounts.DefaultAccountId };
        var asset = new Option<string>("--asset") { Description = "The vault's asset (default USDC).", DefaultValueFactory = _ => "USDC" };
        var (server, key, account) = (Server(), KeyOption(), AccountOption());
        var command = new Command("deposit",
            "Moves collateral from your margin account to the vault's (refused if you lack free collateral), then waits for the vault to mint your shares at the NAV then.")
            { amount, reference, margin, vaultAccount, asset, server, key, account };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(account), async (client, lp, signing) =>
        {
            var before = await client.GetStatementAsync(new GetStatementRequest { LpAccountId = lp }, cancellationToken: ct);
            using var channel = GrpcChannel.ForAddress(result.GetValue(margin)!);
            var accounts = new Clearing.Contracts.Margin.V1.Accounts.AccountsClient(channel.Intercept(signing));
            var moved = await accounts.DepositToVaultAsync(new Clearing.Contracts.Margin.V1.VaultDepositRequest
            {
                AccountId = lp, VaultAccountId = result.GetValue(vaultAccount)!, Asset = result.GetValue(asset)!, Amount = result.GetValue(amount)!,
                Reference = result.GetValue(reference) ?? $"cli-{Guid.NewGuid():N}",
            }, cancellationToken: ct);
            if (moved.AlreadyApplied)
            {
                Console.WriteLine($"deposit id already booked in margin: nothing new ({lp} balance {moved.Balance} {moved.Asset})");
                return;
            }

            Console.WriteLine($"margin moved {result.GetValue(amount)} {moved.Asset} from {lp} to {result.GetValue(vaultAccount)} ({lp} balance now {moved.Balance})");
            // The vault mints when it reads the ledger entry: wait a little for the statement to show the shares.
            for (var attempt = 0; attempt < 50; attempt++)
            {
                var now = await client.GetStatementAsync(new GetStatementRequest { LpAccountId = lp }, cancellationToken: ct);
                if (now.Deposited != before.Deposited || now.Shares != before.Shares)
                {
                    Console.WriteLine($"{lp}: {now.Shares} shares, value {now.Value}, deposited {now.Deposited}");
                    return;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200), ct);
            }

            Console.WriteLine("the vault has not minted the shares yet (it does when it reads the ledger entry); check `clearing vault statement`");
        }));
        return command;
    }

    private static Command Withdraw()
    {
        var shares = new Argument<string>("shares") { Description = "Shares to redeem; paid at the NAV of the payout time after the lock-up." };
        var (server, key, account) = (Server(), KeyOption(), AccountOption());
        var command = new Command("withdraw", "Requests a withdrawal: the shares are locked and paid after the lock-up.") { shares, server, key, account };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(account), async (client, lp) =>
        {
            var reply = await client.RequestWithdrawalAsync(new RequestWithdrawalRequest { LpAccountId = lp, Shares = result.GetValue(shares)! }, cancellationToken: ct);
            Console.WriteLine($"withdrawal {reply.WithdrawalId}: {reply.Shares} shares of {lp}, payable from {Time(reply.PayableAtUnixNanos)}");
        }));
        return command;
    }

    private static Command CancelWithdrawal()
    {
        var id = new Argument<string>("withdrawal-id") { Description = "The withdrawal to cancel, e.g. w-1." };
        var (server, key, account) = (Server(), KeyOption(), AccountOption());
        var command = new Command("cancel-withdrawal", "Cancels a pending withdrawal; its shares are free again.") { id, server, key, account };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(account), async (client, lp) =>
        {
            var reply = await client.CancelWithdrawalAsync(new CancelWithdrawalRequest { LpAccountId = lp, WithdrawalId = result.GetValue(id)! }, cancellationToken: ct);
            Console.WriteLine($"withdrawal {reply.WithdrawalId} cancelled: {reply.Shares} shares of {lp} free again");
        }));
        return command;
    }

    private static Command Show()
    {
        var (server, key, account) = (Server(), KeyOption(), AccountOption());
        var command = new Command("show", "NAV, share price, fee income, funding and exposure per market.") { server, key, account };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(account), async (client, _) =>
        {
            var v = await client.GetVaultAsync(new GetVaultRequest(), cancellationToken: ct);
            Console.WriteLine($"vault {v.VaultId} ({v.Asset}): NAV {v.Nav} = collateral {v.Collateral} + unrealized {v.UnrealizedPnl} - fees owed {v.FeesOwed}");
            Console.WriteLine($"shares {v.Shares}, share price {v.SharePrice}; fee income trading {v.TradingFeeIncome}, liquidation {v.LiquidationFeeIncome}; funding {v.Funding} (+ received, - paid); liquidation fees paid {v.LiquidationFeesPaid}; pending withdrawals {v.PendingWithdrawals}");
            Console.WriteLine($"{"market",-14} {"size",14} {"entry",12} {"mark",12} {"notional",14} {"unrealized",12} {"backstop loss",14} {"funding",12} {"cap",12}");
            foreach (var e in v.Exposures)
            {
                Console.WriteLine($"{e.Market,-14} {e.Size,14} {e.EntryPrice,12} {e.MarkPrice,12} {e.Notional,14} {e.UnrealizedPnl,12} {e.BackstopLoss,14} {e.Funding,12} {e.ExposureCap,12}");
            }
        }));
        return command;
    }

    private static Command History()
    {
        var limit = new Option<int>("--limit") { Description = "How many NAV points, newest first (1-1000).", DefaultValueFactory = _ => 20 };
        var (server, key, account) = (Server(), KeyOption(), AccountOption());
        var command = new Command("history", "NAV and share price history, newest first.") { limit, server, key, account };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(account), async (client, _) =>
        {
            var reply = await client.GetNavHistoryAsync(new GetNavHistoryRequest { Limit = result.GetValue(limit) }, cancellationToken: ct);
            Console.WriteLine($"{"time (UTC)",-24} {"NAV",16} {"shares",16} {"share price",12} {"trading fees",14} {"liq. fees",14} {"funding",14}");
            foreach (var p in reply.Points)
            {
                Console.WriteLine($"{Time(p.TimeUnixNanos),-24} {p.Nav,16} {p.Shares,16} {p.SharePrice,12} {p.TradingFeeIncome,14} {p.LiquidationFeeIncome,14} {p.Funding,14}");
            }
        }));
        return command;
    }

    private static Command Statement()
    {
        var (server, key, account) = (Server(), KeyOption(), AccountOption());
        var command = new Command("statement", "Your LP statement: shares, value, money in and out, your share of fee income.") { server, key, account };
        command.SetAction((result, ct) => Run(result.GetValue(server)!, result.GetValue(key)!, result.GetValue(account), async (client, lp) =>
        {
            var s = await client.GetStatementAsync(new GetStatementRequest { LpAccountId = lp }, cancellationToken: ct);
            Console.WriteLine($"{lp}: {s.Shares} shares ({s.LockedShares} locked), value {s.Value}; deposited {s.Deposited}, withdrawn {s.Withdrawn}, fee income {s.FeeIncome}, PnL {s.ProfitAndLoss}");
            Console.WriteLine($"  vault to date: fee income trading {s.VaultTradingFeeIncome}, liquidation {s.VaultLiquidationFeeIncome}; funding {s.VaultFunding} (+ received, - paid); all in the value above");
            foreach (var w in s.PendingWithdrawals)
            {
                Console.WriteLine($"  {w.WithdrawalId}: {w.Shares} shares, payable from {Time(w.PayableAtUnixNanos)}{(w.Deferred ? " (deferred: free collateral short)" : string.Empty)}");
            }

            // Each line is a fee share margin paid into the vault's account (per epoch); an LP's part is its shares then × per share.
            foreach (var f in s.VaultFeeIncome)
            {
                Console.WriteLine($"  fee income {Time(f.TimeUnixNanos)} {f.Reference} ({f.Kind.ToLowerInvariant()}): vault +{f.Amount}, {f.IncomePerShare} per share of {f.SharesOutstanding}, ledger #{f.LedgerSequence}");
            }
        }));
        return command;
    }

    private static Task<int> Run(string server, FileInfo keyFile, string? account, Func<VaultClient, string, Task> action) =>
        Run(server, keyFile, account, (client, lp, _) => action(client, lp));

    /// <summary>Runs <paramref name="action"/> with a vault client and the interceptor signing as the LP (for calls to other services).</summary>
    private static async Task<int> Run(string server, FileInfo keyFile, string? account, Func<VaultClient, string, Interceptor, Task> action)
    {
        (string Account, Key Key) lp;
        try
        {
            lp = ReadKey(keyFile, account);
        }
        catch (InvalidDataException e)
        {
            Console.Error.WriteLine(e.Message);
            return 2;
        }

        if (!Uri.TryCreate(server, UriKind.Absolute, out var address))
        {
            Console.Error.WriteLine($"--server must be an absolute URI like {DefaultServer}, got '{server}'.");
            return 2;
        }

        using var channel = GrpcChannel.ForAddress(address);
        var signer = new RequestSigner(lp.Key, SignerKind.Trader, lp.Account);
        try
        {
            var signing = new SigningInterceptor(signer);
            await action(new VaultClient(channel.Intercept(signing)), lp.Account, signing);
            return 0;
        }
        catch (RpcException e)
        {
            Console.Error.WriteLine($"refused ({e.StatusCode}): {e.Status.Detail}");
            return e.StatusCode is StatusCode.InvalidArgument ? 2 : 1;
        }
    }

    /// <summary>A trader of a dev keyring ("traders" section) or a key file {"account", "privateKey"}.</summary>
    private static (string Account, Key Key) ReadKey(FileInfo file, string? account)
    {
        if (!file.Exists)
        {
            throw new InvalidDataException($"No key file at {file.FullName}.");
        }

        var json = JsonNode.Parse(File.ReadAllText(file.FullName)) as JsonObject
            ?? throw new InvalidDataException($"{file.FullName} is not a JSON object.");
        if (json["traders"] is JsonObject traders)
        {
            var entry = account is null ? traders.FirstOrDefault() : traders.FirstOrDefault(p => p.Key == account);
            json = entry.Value as JsonObject ?? throw new InvalidDataException($"{file.FullName} has no trader '{account}'.");
            json["account"] = entry.Key;
        }

        var id = account ?? json["account"]?.GetValue<string>();
        var seed = json["privateKey"]?.GetValue<string>();
        var bytes = new byte[48];
        if (string.IsNullOrWhiteSpace(id) || seed is null || !Convert.TryFromBase64String(seed, bytes, out var length) || length != 32)
        {
            throw new InvalidDataException($"{file.FullName} needs \"account\" and \"privateKey\" (base64 of the 32-byte Ed25519 seed).");
        }

        return (id, Key.Import(SignatureAlgorithm.Ed25519, bytes.AsSpan(0, 32), KeyBlobFormat.RawPrivateKey));
    }

    private static string Time(long unixNanos) =>
        DateTimeOffset.UnixEpoch.AddTicks(unixNanos / 100).ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    private sealed class SigningInterceptor(RequestSigner signer) : Interceptor
    {
        public override AsyncUnaryCall<TResponse> AsyncUnaryCall<TRequest, TResponse>(
            TRequest request, ClientInterceptorContext<TRequest, TResponse> context, AsyncUnaryCallContinuation<TRequest, TResponse> continuation)
        {
            var headers = context.Options.Headers ?? new Metadata();
            foreach (var entry in signer.SignGrpc(context.Method.FullName.TrimStart('/'), (IMessage)request))
            {
                headers.Add(entry);
            }

            return continuation(request, new ClientInterceptorContext<TRequest, TResponse>(context.Method, context.Host, context.Options.WithHeaders(headers)));
        }
    }
}
