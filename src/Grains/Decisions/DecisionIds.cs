using System.Security.Cryptography;
using System.Text;

namespace Osr.Orleans.Grains.Decisions;

/// <summary>
/// Idempotent decision ids: one decision per user per scored state instant, so asking again for
/// the same state (a retried call) yields the same id and never a second push.
/// </summary>
public static class DecisionIds
{
    /// <summary><c>n-</c> + 32 hex digits of SHA-256(userId, stateUtcTicks).</summary>
    public static string For(string userId, long stateUtcTicks)
    {
        Span<byte> hash = stackalloc byte[32];
        var text = string.Create(System.Globalization.CultureInfo.InvariantCulture, $"{userId}\n{stateUtcTicks}");
        SHA256.HashData(Encoding.UTF8.GetBytes(text), hash);
        return "n-" + Convert.ToHexStringLower(hash[..16]);
    }

    /// <summary>A uniform draw in [0, 1) that is a pure function of the decision id and a salt (reproducible exploration).</summary>
    public static double Draw(string decisionId, string salt)
    {
        Span<byte> hash = stackalloc byte[32];
        SHA256.HashData(Encoding.UTF8.GetBytes(decisionId + "\n" + salt), hash);
        return (System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(hash) >> 11) * (1.0 / (1UL << 53));
    }
}
