using Osr.Orleans.Grains.Interfaces;
using Osr.Orleans.Models.Rules;
namespace Osr.Orleans.IntegrationTests.Client;
public class ZzScratchTests(Xunit.Abstractions.ITestOutputHelper o)
{
    [Fact]
    public async Task Print()
    {
        var t = typeof(UserShowDecisionsTests);
        var snap = (UserSnapshot)t.GetMethod("Snapshot", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.Invoke(null, [
            Array.Empty<ScoredCandidate>(), Array.Empty<CandidateView>(),
            new[] { "Suppressed", "Explored", "Sent", "Unknown" }.Select(n => (DecisionView)t.GetField(n, System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.GetValue(null)!).ToArray()])!;
        var cli = new TestCli();
        cli.Clusters.Connection = new FakeClusterConnection().Add<IUserStateGrain>("u1", new FakeUserStateGrain(snap));
        await cli.RunAsync("user", "show", "u1");
        o.WriteLine(cli.Out.ToString());
        var g = new FakeRulesGrain();
        g.Rules.TryApply("osr.threshold", RuleScope.ForCategory("drinks"), "0.9", DateTimeOffset.UtcNow, out var r, out _);
        r.TryApply("optout", RuleScope.ForUser("u-7"), "all", DateTimeOffset.UtcNow, out r, out _);
        r.TryApply("osr.threshold", RuleScope.ForUserItem("u-7", "drink-3"), "0.6", DateTimeOffset.UtcNow, out r, out _);
        g.Rules = r;
        var c2 = new TestCli();
        c2.Clusters.Connection = new FakeClusterConnection().Add<IRulesGrain>("global", g);
        await c2.RunAsync("rules", "show");
        await c2.RunAsync("rules", "set", "quiet.end", "23:00", "--segment", "x");
        await c2.RunAsync("rules", "set", "--help");
        o.WriteLine(c2.Out.ToString() + c2.Error.ToString());
    }
}
