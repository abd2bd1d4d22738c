using System.Security.Cryptography;
using System.Text;

namespace Osr.Orleans.Silo.Push;

/// <summary>
/// Webhook signatures in the Standard Webhooks layout (standardwebhooks.com): headers <c>webhook-id</c> (the
/// notification id, the same on every attempt), <c>webhook-timestamp</c> (Unix seconds of the attempt) and
/// <c>webhook-signature</c> = <c>v1,</c> + base64(HMAC-SHA256(key, "{id}.{timestamp}.{body}")), where the key is the
/// base64 part of a <c>whsec_…</c> secret. A receiver recomputes the signature and rejects old timestamps (replays).
/// </summary>
public static class WebhookSignature
{
    public const string Prefix = "whsec_";
    public const string IdHeader = "webhook-id";
    public const string TimestampHeader = "webhook-timestamp";
    public const string SignatureHeader = "webhook-signature";
    public const int MinKeyBytes = 24;
    public const int MaxKeyBytes = 64;

    /// <summary>The HMAC key of a <c>whsec_</c> secret, or null with the reason it is not one.</summary>
    public static byte[]? ParseSecret(string? secret, out string? error)
    {
        error = null;
        if (string.IsNullOrEmpty(secret) || !secret.StartsWith(Prefix, StringComparison.Ordinal))
        {
            error = $"must start with '{Prefix}' followed by base64";
            return null;
        }
        byte[] key;
        try
        {
            key = Convert.FromBase64String(secret[Prefix.Length..]);
        }
        catch (FormatException)
        {
            error = $"the part after '{Prefix}' is not base64";
            return null;
        }
        if (key.Length is < MinKeyBytes or > MaxKeyBytes)
        {
            error = $"must hold {MinKeyBytes}–{MaxKeyBytes} bytes of key, got {key.Length}";
            return null;
        }
        return key;
    }

    /// <summary>The <c>webhook-signature</c> header value for one attempt.</summary>
    public static string Sign(byte[] key, string id, long unixSeconds, ReadOnlySpan<byte> body)
    {
        var prefix = Encoding.UTF8.GetBytes(FormattableString.Invariant($"{id}.{unixSeconds}."));
        var content = new byte[prefix.Length + body.Length];
        prefix.CopyTo(content, 0);
        body.CopyTo(content.AsSpan(prefix.Length));
        return "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, content));
    }
}
