using System.Text;

namespace Osr.Orleans.Models.Audit;

/// <summary>
/// Who an admin change is recorded as (docs/decisions.md, "Audit trail"). <c>osr-admin</c> names itself
/// (<see cref="Describe"/>) and sends the name with every call (<see cref="RequestKey"/>); the silo takes
/// it as sent (<see cref="FromClaim"/>), cleaned. Trust: in cluster mode with TLS only holders of an
/// admin certificate reach the gateway at all, but the name is what their tool says, not what the
/// silo saw on the connection.
/// </summary>
public static class AdminIdentity
{
    /// <summary>The Orleans request-context key that carries the name.</summary>
    public const string RequestKey = "osr.admin";

    /// <summary>Recorded when a call carried no name (a client other than <c>osr-admin</c>).</summary>
    public const string Unknown = "unknown";

    /// <summary>Longest name kept; longer ones are cut.</summary>
    public const int MaxLength = 200;

    /// <summary>
    /// The name <c>osr-admin</c> sends: <c>cert:SUBJECT</c> when it connects with a client certificate,
    /// else <c>os:USER@HOST</c> (the local account that ran it).
    /// </summary>
    public static string Describe(string? certificateSubject, string osUser, string host) =>
        Clean(!string.IsNullOrWhiteSpace(certificateSubject)
            ? "cert:" + certificateSubject.Trim()
            : $"os:{(string.IsNullOrWhiteSpace(osUser) ? "?" : osUser.Trim())}@{(string.IsNullOrWhiteSpace(host) ? "?" : host.Trim())}");

    /// <summary>The name a call carried, cleaned; <see cref="Unknown"/> when none or not text.</summary>
    public static string FromClaim(object? claim) =>
        claim is string text && !string.IsNullOrWhiteSpace(text) ? Clean(text) : Unknown;

    /// <summary>Control characters become spaces (a name is one line), at most <see cref="MaxLength"/> characters.</summary>
    private static string Clean(string text)
    {
        var builder = new StringBuilder(Math.Min(text.Length, MaxLength));
        foreach (var c in text)
        {
            if (builder.Length == MaxLength) break;
            builder.Append(char.IsControl(c) ? ' ' : c);
        }
        return builder.ToString().Trim();
    }
}
