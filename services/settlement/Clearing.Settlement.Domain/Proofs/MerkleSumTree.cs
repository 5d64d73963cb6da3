using System.Buffers.Binary;
using System.Security.Cryptography;

namespace Clearing.Settlement.Domain.Proofs;

/// <summary>One account's input to the tree: its id, and its liability (balance clamped at zero) in the tree's asset.</summary>
public readonly record struct LiabilityLeafInput(string AccountId, decimal Liability, decimal LedgerBalance);

/// <summary>
/// A Merkle sum tree over one asset's liabilities for one epoch (layouts in <see cref="ProofHashing"/>). Leaves are
/// ordered by their salted account hash, so neither the order nor the hashes say whose leaf is whose; the root's sum is
/// the total published with the root. Hashing runs in parallel chunks: the result does not depend on the split.
/// </summary>
public sealed class MerkleSumTree
{
    private const int ParallelChunk = 4096;

    private readonly string[] _accounts;
    private readonly decimal[] _ledgerBalances;
    private readonly byte[] _salts;
    private readonly int[] _positionOf;
    private readonly byte[][] _hashes;
    private readonly decimal[][] _sums;
    private Dictionary<string, int>? _indexOf;

    private MerkleSumTree(long epoch, string asset, string[] accounts, decimal[] ledgerBalances, byte[] salts, int[] positionOf, byte[][] hashes, decimal[][] sums)
    {
        Epoch = epoch;
        Asset = asset;
        _accounts = accounts;
        _ledgerBalances = ledgerBalances;
        _salts = salts;
        _positionOf = positionOf;
        _hashes = hashes;
        _sums = sums;
    }

    public long Epoch { get; }

    public string Asset { get; }

    public int LeafCount => _accounts.Length;

    /// <summary>Levels above the leaves: a proof has this many siblings.</summary>
    public int Height => _hashes.Length - 1;

    public ReadOnlySpan<byte> Root => _hashes[^1].AsSpan(0, ProofHashing.HashSize);

    public string RootHex => Convert.ToHexStringLower(Root);

    public decimal Total => _sums[^1][0];

    public static MerkleSumTree Build(long epoch, string asset, IReadOnlyList<LiabilityLeafInput> leaves, ReadOnlySpan<byte> saltSecret)
    {
        ArgumentNullException.ThrowIfNull(leaves);
        ArgumentException.ThrowIfNullOrWhiteSpace(asset);
        if (saltSecret.Length < 16)
        {
            throw new ArgumentException("the salt secret must be at least 16 bytes, or account hashes could be guessed", nameof(saltSecret));
        }

        var n = leaves.Count;
        var accounts = new string[n];
        var liabilities = new decimal[n];
        var ledgerBalances = new decimal[n];
        for (var i = 0; i < n; i++)
        {
            var leaf = leaves[i];
            if (string.IsNullOrEmpty(leaf.AccountId))
            {
                throw new ArgumentException($"leaf {i} has no account id", nameof(leaves));
            }

            if (leaf.Liability < 0m)
            {
                throw new ArgumentException($"{leaf.AccountId}: a liability is never negative (clamp it and report the deficit), got {leaf.Liability}", nameof(leaves));
            }

            accounts[i] = leaf.AccountId;
            liabilities[i] = leaf.Liability;
            ledgerBalances[i] = leaf.LedgerBalance;
        }

        // Salts and account hashes: two keyed hashes per account, the bulk of the work, in parallel.
        var salts = new byte[n * ProofHashing.HashSize];
        var accountHashes = new byte[n * ProofHashing.HashSize];
        var deriver = new SaltDeriver(saltSecret, epoch, asset);
        ForChunks(n, (from, to, hasher) =>
        {
            for (var i = from; i < to; i++)
            {
                var salt = salts.AsSpan(i * ProofHashing.HashSize, ProofHashing.HashSize);
                deriver.Derive(accounts[i], salt, hasher);
                ProofHashing.AccountHash(salt, accounts[i], accountHashes.AsSpan(i * ProofHashing.HashSize, ProofHashing.HashSize), hasher);
            }
        });

        var order = SortByHash(accountHashes, n);

        // The same id gets the same salt and so the same account hash: duplicates end up side by side after the sort,
        // found without a set of a million strings.
        for (var p = 1; p < n; p++)
        {
            var (a, b) = (order[p - 1], order[p]);
            if (accountHashes.AsSpan(a * ProofHashing.HashSize, ProofHashing.HashSize).SequenceEqual(accountHashes.AsSpan(b * ProofHashing.HashSize, ProofHashing.HashSize)))
            {
                throw new ArgumentException($"{accounts[b]} appears twice in the {asset} tree", nameof(leaves));
            }
        }

        var positionOf = new int[n];
        for (var p = 0; p < n; p++)
        {
            positionOf[order[p]] = p;
        }

        var levels = new List<byte[]>();
        var sums = new List<decimal[]>();
        var leafHashes = new byte[Math.Max(n, 1) * ProofHashing.HashSize];
        var leafSums = new decimal[Math.Max(n, 1)];
        if (n == 0)
        {
            ProofHashing.Padding(0).CopyTo(leafHashes, 0);
        }

        ForChunks(n, (from, to, hasher) =>
        {
            for (var p = from; p < to; p++)
            {
                var i = order[p];
                leafSums[p] = liabilities[i];
                ProofHashing.Leaf(accountHashes.AsSpan(i * ProofHashing.HashSize, ProofHashing.HashSize), liabilities[i], leafHashes.AsSpan(p * ProofHashing.HashSize, ProofHashing.HashSize), hasher);
            }
        });
        levels.Add(leafHashes);
        sums.Add(leafSums);

        var level = 0;
        while (sums[level].Length > 1)
        {
            var below = levels[level];
            var belowSums = sums[level];
            var count = belowSums.Length;
            var padding = ProofHashing.Padding(level);
            var parents = (count + 1) / 2;
            var hashes = new byte[parents * ProofHashing.HashSize];
            var parentSums = new decimal[parents];
            ForChunks(parents, (from, to, hasher) =>
            {
                for (var p = from; p < to; p++)
                {
                    var l = 2 * p;
                    var r = l + 1;
                    var leftHash = below.AsSpan(l * ProofHashing.HashSize, ProofHashing.HashSize);
                    ReadOnlySpan<byte> rightHash = r < count ? below.AsSpan(r * ProofHashing.HashSize, ProofHashing.HashSize) : padding;
                    var rightSum = r < count ? belowSums[r] : 0m;
                    ProofHashing.Node(leftHash, belowSums[l], rightHash, rightSum, hashes.AsSpan(p * ProofHashing.HashSize, ProofHashing.HashSize), hasher);
                    parentSums[p] = belowSums[l] + rightSum;
                }
            });
            levels.Add(hashes);
            sums.Add(parentSums);
            level++;
        }

        return new MerkleSumTree(epoch, asset, accounts, ledgerBalances, salts, positionOf, [.. levels], [.. sums]);
    }

    public bool Contains(string accountId) => IndexOf(accountId) >= 0;

    /// <summary>The inclusion proof of <paramref name="accountId"/>, with its salt; null when the account has no leaf.</summary>
    public InclusionProof? ProofFor(string accountId)
    {
        var index = IndexOf(accountId);
        if (index < 0)
        {
            return null;
        }

        var salt = _salts.AsSpan(index * ProofHashing.HashSize, ProofHashing.HashSize);
        var position = _positionOf[index];
        var steps = new List<ProofStep>(Height);
        var at = position;
        for (var level = 0; level < Height; level++)
        {
            var count = _sums[level].Length;
            var siblingAt = at ^ 1;
            var siblingIsRight = (at & 1) == 0;
            byte[] siblingHash;
            decimal siblingSum;
            if (siblingAt < count)
            {
                siblingHash = _hashes[level].AsSpan(siblingAt * ProofHashing.HashSize, ProofHashing.HashSize).ToArray();
                siblingSum = _sums[level][siblingAt];
            }
            else
            {
                siblingHash = ProofHashing.Padding(level);
                siblingSum = 0m;
            }

            var parent = at / 2;
            steps.Add(new ProofStep(
                level + 1,
                siblingIsRight ? ProofSide.Right : ProofSide.Left,
                Convert.ToHexStringLower(siblingHash),
                ProofHashing.CanonicalText(siblingSum),
                Convert.ToHexStringLower(_hashes[level + 1].AsSpan(parent * ProofHashing.HashSize, ProofHashing.HashSize)),
                ProofHashing.CanonicalText(_sums[level + 1][parent])));
            at = parent;
        }

        var accountHash = ProofHashing.AccountHash(salt, accountId);
        return new InclusionProof
        {
            Version = InclusionProof.CurrentVersion,
            Epoch = Epoch,
            Asset = Asset,
            AccountId = accountId,
            Salt = Convert.ToHexStringLower(salt),
            AccountHash = Convert.ToHexStringLower(accountHash),
            Liability = ProofHashing.CanonicalText(_sums[0][position]),
            LedgerBalance = ProofHashing.CanonicalText(_ledgerBalances[index]),
            LeafIndex = position,
            LeafHash = Convert.ToHexStringLower(_hashes[0].AsSpan(position * ProofHashing.HashSize, ProofHashing.HashSize)),
            Levels = steps,
            Root = RootHex,
            Total = ProofHashing.CanonicalText(Total),
        };
    }

    private int IndexOf(string accountId)
    {
        if (_indexOf is null)
        {
            var map = new Dictionary<string, int>(_accounts.Length, StringComparer.Ordinal);
            for (var i = 0; i < _accounts.Length; i++)
            {
                map[_accounts[i]] = i;
            }

            Interlocked.CompareExchange(ref _indexOf, map, null);
        }

        return _indexOf.TryGetValue(accountId, out var index) ? index : -1;
    }

    private static int[] SortByHash(byte[] hashes, int n)
    {
        var keys = new ulong[n];
        var order = new int[n];
        for (var i = 0; i < n; i++)
        {
            keys[i] = BinaryPrimitives.ReadUInt64BigEndian(hashes.AsSpan(i * ProofHashing.HashSize, 8));
            order[i] = i;
        }

        Array.Sort(keys, order);

        // 64-bit prefixes all but never collide; where they do, order the run by the full hash so the tree stays canonical.
        for (var start = 0; start < n;)
        {
            var end = start + 1;
            while (end < n && keys[end] == keys[start])
            {
                end++;
            }

            if (end - start > 1)
            {
                Array.Sort(order, start, end - start, Comparer<int>.Create((a, b) =>
                    hashes.AsSpan(a * ProofHashing.HashSize, ProofHashing.HashSize).SequenceCompareTo(hashes.AsSpan(b * ProofHashing.HashSize, ProofHashing.HashSize))));
            }

            start = end;
        }

        return order;
    }

    /// <summary>Runs <paramref name="body"/> over fixed ranges, each with its own hasher; every item's output has its own slot, so the split never shows in the result.</summary>
    private static void ForChunks(int count, Action<int, int, IncrementalHash> body)
    {
        if (count <= ParallelChunk)
        {
            using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            body(0, count, hasher);
            return;
        }

        var chunks = (count + ParallelChunk - 1) / ParallelChunk;
        Parallel.For(0, chunks, c =>
        {
            using var hasher = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            body(c * ParallelChunk, Math.Min(count, (c + 1) * ParallelChunk), hasher);
        });
    }
}
