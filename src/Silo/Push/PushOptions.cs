using Microsoft.Extensions.Options;

namespace Osr.Orleans.Silo.Push;

/// <summary>
/// Push delivery (section <c>Osr:Push</c>, docs/contract.md "Notification"): the webhooks every
/// notification is POSTed to, how long a push stays deliverable, and the outbox's retry policy.
/// </summary>
public sealed class PushOptions
{
    public const string Section = "Osr:Push";

    /// <summary>Absolute https URLs (http only with <see cref="AllowHttp"/>) each notification is POSTed to. Default none.</summary>
    public string[] Webhooks { get; set; } = [];

    /// <summary>
    /// The Standard Webhooks secret (<c>whsec_</c> + base64 of 24–64 random bytes) every POST is signed with
    /// (<see cref="WebhookSignature"/>); required when webhooks are configured.
    /// </summary>
    public string? SigningSecret { get; set; }

    /// <summary>Allows plain-http webhook URLs (a private network, tests). Default false: https only.</summary>
    public bool AllowHttp { get; set; }

    /// <summary>
    /// Longest time a push stays deliverable after it was queued; the effective deadline is the
    /// earlier of this and the caller's deliver-by time. Default 15 min. Range (0, 1 day].
    /// </summary>
    public TimeSpan Ttl { get; set; } = TimeSpan.FromMinutes(15);

    /// <summary>
    /// Outbox attempts per webhook entry before it is given up as failed (each attempt may include
    /// a couple of quick in-request retries). Default 8. Range 1–100.
    /// </summary>
    public int MaxAttempts { get; set; } = 8;

    /// <summary>Backoff after the first failed attempt; doubles per attempt, with jitter. Default 1 s.</summary>
    public TimeSpan InitialBackoff { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>Cap of the backoff between attempts. Default 5 min. Range [InitialBackoff, 1 day].</summary>
    public TimeSpan MaxBackoff { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>Timeout of one HTTP request. Default 10 s. Range [100 ms, 5 min].</summary>
    public TimeSpan AttemptTimeout { get; set; } = TimeSpan.FromSeconds(10);
}

public sealed class PushOptionsValidator : IValidateOptions<PushOptions>
{
    private static readonly TimeSpan OneDay = TimeSpan.FromDays(1);

    public ValidateOptionsResult Validate(string? name, PushOptions o)
    {
        const string S = PushOptions.Section;
        var errors = new List<string>();
        var webhooks = o.Webhooks ?? [];
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < webhooks.Length; i++)
        {
            var url = webhooks[i];
            if (!IsHttpUrl(url))
                errors.Add($"{S}:Webhooks:{i} must be an absolute http or https URL, got '{url}'");
            else if (!seen.Add(url))
                errors.Add($"{S}:Webhooks:{i} '{url}' is listed more than once");
            else if (!o.AllowHttp && url!.StartsWith("http:", StringComparison.OrdinalIgnoreCase))
                errors.Add($"{S}:Webhooks:{i} '{url}' is plain http: notifications would cross the network readable and unsigned in transit; use https, or set {S}:AllowHttp=true on a private network");
        }
        if (webhooks.Length > 0 && WebhookSignature.ParseSecret(o.SigningSecret, out var secretError) is null)
            errors.Add(string.IsNullOrEmpty(o.SigningSecret)
                ? $"{S}:SigningSecret is required when webhooks are configured, so that receivers can tell our POSTs from forgeries: whsec_ + base64 of 24–64 random bytes, e.g. whsec_$(head -c 32 /dev/urandom | base64)"
                : $"{S}:SigningSecret {secretError}");
        if (o.Ttl <= TimeSpan.Zero || o.Ttl > OneDay)
            errors.Add($"{S}:Ttl must be greater than 0 and at most 1.00:00:00, got {o.Ttl}");
        if (o.MaxAttempts is < 1 or > 100)
            errors.Add($"{S}:MaxAttempts must be 1–100, got {o.MaxAttempts}");
        if (o.InitialBackoff <= TimeSpan.Zero || o.InitialBackoff > OneDay)
            errors.Add($"{S}:InitialBackoff must be greater than 0 and at most 1.00:00:00, got {o.InitialBackoff}");
        if (o.MaxBackoff < o.InitialBackoff || o.MaxBackoff > OneDay)
            errors.Add($"{S}:MaxBackoff must be at least InitialBackoff ({o.InitialBackoff}) and at most 1.00:00:00, got {o.MaxBackoff}");
        if (o.AttemptTimeout < TimeSpan.FromMilliseconds(100) || o.AttemptTimeout > TimeSpan.FromMinutes(5))
            errors.Add($"{S}:AttemptTimeout must be 00:00:00.1–00:05:00, got {o.AttemptTimeout}");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHttpUrl(string? url) =>
        !string.IsNullOrWhiteSpace(url)
        && Uri.TryCreate(url, UriKind.Absolute, out var uri)
        && (uri.Scheme == Uri.UriSchemeHttp || uri.Scheme == Uri.UriSchemeHttps)
        && !string.IsNullOrEmpty(uri.Host);
}
