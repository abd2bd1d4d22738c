using System.Collections.Concurrent;
using System.Net;
using Osr.Orleans.IntegrationTests.Infrastructure;

namespace Osr.Orleans.IntegrationTests.Push;

/// <summary>One request as the receiver saw it, with the status it answered.</summary>
internal sealed record WebhookReceipt(int Index, string Method, string? ContentType, string? IdempotencyKey, byte[] Body, int Status,
    string? WebhookId = null, string? WebhookTimestamp = null, string? WebhookSignature = null);

/// <summary>
/// A real HTTP webhook endpoint (<see cref="HttpListener"/> on 127.0.0.1 and a free port). Each
/// request is answered with the status <see cref="Respond"/> picks for its 0-based index; a
/// <c>null</c> status leaves the request hanging until the receiver is disposed (a timeout for the
/// client). Every request is recorded and releases <see cref="Signal"/>.
/// </summary>
internal sealed class WebhookReceiver : IAsyncDisposable
{
    private readonly HttpListener _listener = new();
    private readonly ConcurrentQueue<WebhookReceipt> _receipts = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;
    private int _count;

    private WebhookReceiver(int port, Func<int, int?> respond, SemaphoreSlim signal)
    {
        Port = port;
        Respond = respond;
        Signal = signal;
        _listener.Prefixes.Add($"http://127.0.0.1:{port}/");
        _listener.Start();
        _loop = Task.Run(LoopAsync);
    }

    public int Port { get; }

    public string Url => $"http://127.0.0.1:{Port}/hook";

    /// <summary>Status to answer for the request with this index; null = never answer.</summary>
    public Func<int, int?> Respond { get; set; }

    public SemaphoreSlim Signal { get; }

    public IReadOnlyList<WebhookReceipt> Receipts => _receipts.OrderBy(r => r.Index).ToList();

    public int Count => Volatile.Read(ref _count);

    public IReadOnlyList<WebhookReceipt> Successful => Receipts.Where(r => r.Status is >= 200 and < 300).ToList();

    public static WebhookReceiver Start(SemaphoreSlim signal, Func<int, int?>? respond = null, int? port = null) =>
        new(port ?? FreePort.Next(), respond ?? (_ => 200), signal);

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        _listener.Close();
        try
        {
            await _loop;
        }
        catch (Exception)
        {
            // The listener was closed under the pending GetContextAsync.
        }
        _stop.Dispose();
    }

    private async Task LoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception) when (_stop.IsCancellationRequested)
            {
                return;
            }
            _ = Task.Run(() => HandleAsync(context));
        }
    }

    private async Task HandleAsync(HttpListenerContext context)
    {
        var index = Interlocked.Increment(ref _count) - 1;
        using var body = new MemoryStream();
        await context.Request.InputStream.CopyToAsync(body);
        var status = Respond(index);
        _receipts.Enqueue(new WebhookReceipt(index, context.Request.HttpMethod, context.Request.ContentType,
            context.Request.Headers["Idempotency-Key"], body.ToArray(), status ?? 0,
            context.Request.Headers["webhook-id"], context.Request.Headers["webhook-timestamp"], context.Request.Headers["webhook-signature"]));
        Signal.Release();
        if (status is null)
        {
            try
            {
                await Task.Delay(Timeout.Infinite, _stop.Token);
            }
            catch (OperationCanceledException)
            {
                context.Response.Abort();
                return;
            }
        }
        context.Response.StatusCode = status!.Value;
        context.Response.Close();
    }
}
