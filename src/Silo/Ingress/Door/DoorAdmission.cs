using System.Net;
using Microsoft.Extensions.Logging;
using Osr.Orleans.Grains.Metrics;
using Osr.Orleans.Models.Door;
using Osr.Orleans.Silo.Options;

namespace Osr.Orleans.Silo.Ingress.Door;

/// <summary>
/// Who may come in, decided per accepted socket before anything is read (the connection cap and the connect rate
/// per address) and per CONNECT before the device's grain is asked (the backoff after failed logins). Every refusal
/// is counted as a refused connect; the log gets one warning a minute at most, with the count.
/// </summary>
internal sealed class DoorAdmission(MqttOptions options, IngestCounters counters, ILogger logger, TimeProvider time)
{
    /// <summary>Addresses (and address + device pairs) tracked at most; see <see cref="AddressRateLimiter{TKey}"/> and <see cref="LoginBackoff{TKey}"/>.</summary>
    public const int TableCapacity = 65_536;

    /// <summary>Consecutive failed logins of one device from one address before the backoff starts.</summary>
    public const int FreeFailuresPerDevice = LoginBackoff<int>.DefaultFreeFailures;

    /// <summary>Consecutive failed logins from one address (any device, no success in between) before it is backed off.</summary>
    public const int FreeFailuresPerAddress = 20;

    private readonly AddressRateLimiter<UInt128> _rate = new(options.ConnectRatePerAddress, options.ConnectBurstPerAddress, TableCapacity);
    private readonly LoginBackoff<(UInt128, string)> _deviceFailures = new(FreeFailuresPerDevice, TableCapacity);
    private readonly LoginBackoff<UInt128> _addressFailures = new(FreeFailuresPerAddress, TableCapacity);
    private readonly long _start = time.GetTimestamp();
    private int _open;
    private long _refused;
    private long _lastWarningMs = -60_000;

    public int OpenConnections => Volatile.Read(ref _open);

    private long NowMs => (long)time.GetElapsedTime(_start).TotalMilliseconds;

    /// <summary>Takes a connection slot for a socket from <paramref name="remote"/>; null, or why it is refused. <see cref="Release"/> after an admitted one.</summary>
    public string? TryAdmit(IPAddress remote)
    {
        if (Interlocked.Increment(ref _open) > options.MaxConnections)
        {
            Interlocked.Decrement(ref _open);
            return "connection limit reached";
        }
        if (!_rate.TryAcquire(AddressKey.Of(remote), NowMs))
        {
            Interlocked.Decrement(ref _open);
            return "too many new connections from this address";
        }
        return null;
    }

    public void Release() => Interlocked.Decrement(ref _open);

    /// <summary>Whether a login of <paramref name="deviceId"/> from <paramref name="remote"/> is refused without asking the grain.</summary>
    public bool IsBackedOff(IPAddress? remote, string deviceId, out TimeSpan retryAfter)
    {
        retryAfter = TimeSpan.Zero;
        if (remote is null) return false;
        var key = AddressKey.Of(remote);
        var now = NowMs;
        return _addressFailures.IsLocked(key, now, out retryAfter) || _deviceFailures.IsLocked((key, deviceId), now, out retryAfter);
    }

    public void LoginFailed(IPAddress? remote, string? deviceId)
    {
        if (remote is null) return;
        var key = AddressKey.Of(remote);
        var now = NowMs;
        _addressFailures.Failure(key, now);
        _deviceFailures.Failure((key, deviceId ?? ""), now);
    }

    public void LoginSucceeded(IPAddress? remote, string deviceId)
    {
        if (remote is null) return;
        var key = AddressKey.Of(remote);
        _addressFailures.Success(key);
        _deviceFailures.Success((key, deviceId));
    }

    /// <summary>Counts a refusal at the door and logs it (debug each, a warning with the count at most once a minute).</summary>
    public void Refused(string reason, EndPoint? endpoint)
    {
        counters.ConnectRefused();
        var count = Interlocked.Increment(ref _refused);
        var where = endpoint?.ToString() ?? "?";
        DoorLog.Refused(logger, where, reason);
        var now = NowMs;
        var last = Volatile.Read(ref _lastWarningMs);
        if (now - last < 60_000 || Interlocked.CompareExchange(ref _lastWarningMs, now, last) != last) return;
        DoorLog.RefusedSummary(logger, Interlocked.Exchange(ref _refused, 0), reason, where);
    }
}
