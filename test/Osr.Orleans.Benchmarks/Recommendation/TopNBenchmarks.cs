using BenchmarkDotNet.Attributes;
using Osr.Orleans.Models.Recommendation;

namespace Osr.Orleans.Benchmarks.Recommendation;

/// <summary>
/// Top-10 retrieval for one user at rank 64 over 10k and 100k items: SIMD scores Y·x plus the
/// size-10 heap, excluding 20 consumed items, on row-major factors and on the packed
/// <see cref="ItemFactorIndex"/>; the user factor rotates over 64 users so branch
/// predictors and caches see varied input. Also the score pass alone (memory-bound part).
/// <c>dotnet run -c Release --project test/Osr.Orleans.Benchmarks -- --filter '*TopN*'</c>.
/// </summary>
[MemoryDiagnoser]
public class TopNBenchmarks
{
    private const int Rank = 64;
    private const int Users = 64;

    private readonly ScoredItem[] _result = new ScoredItem[10];
    private readonly int[] _exclude = new int[20];
    private float[] _items = [];
    private float[] _users = [];
    private float[] _scores = [];
    private ItemFactorIndex _index = null!;
    private int _u;

    [Params(10_000, 100_000)]
    public int Items { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        _items = new float[Items * Rank];
        for (var n = 0; n < _items.Length; n++)
        {
            _items[n] = (float)(rng.NextDouble() - 0.5) * 0.3f;
        }

        _users = new float[Users * Rank];
        for (var n = 0; n < _users.Length; n++)
        {
            _users[n] = (float)(rng.NextDouble() - 0.5);
        }

        for (var n = 0; n < _exclude.Length; n++)
        {
            _exclude[n] = rng.Next(Items);
        }

        _scores = new float[Items];
        _index = ItemFactorIndex.Create(_items, Rank);
    }

    [Benchmark]
    public int Top10()
    {
        var u = _u++ & (Users - 1);
        return TopN.Select(_items, Rank, _users.AsSpan(u * Rank, Rank), _result, _scores, _exclude);
    }

    [Benchmark]
    public int Top10Packed()
    {
        var u = _u++ & (Users - 1);
        return TopN.Select(_index, _users.AsSpan(u * Rank, Rank), _result, _scores, _exclude);
    }

    [Benchmark]
    public float ScoresOnly()
    {
        var u = _u++ & (Users - 1);
        TopN.Scores(_items, Rank, _users.AsSpan(u * Rank, Rank), _scores);
        return _scores[0];
    }
}
