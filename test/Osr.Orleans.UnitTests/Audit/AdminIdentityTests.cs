using Osr.Orleans.Models.Audit;

namespace Osr.Orleans.UnitTests.Audit;

public sealed class AdminIdentityTests
{
    [Fact]
    public void TheCertificateSubjectWinsOverTheLocalAccount() =>
        AdminIdentity.Describe("CN=alice, O=ops", "root", "box").Should().Be("cert:CN=alice, O=ops");

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    public void WithoutACertificateTheLocalAccountAndHostAreNamed(string? subject) =>
        AdminIdentity.Describe(subject, "bob", "laptop").Should().Be("os:bob@laptop");

    [Fact]
    public void AnEmptyAccountOrHostIsShownAsAQuestionMark() =>
        AdminIdentity.Describe(null, "", " ").Should().Be("os:?@?");

    [Theory]
    [InlineData(null)]
    [InlineData(42)]
    [InlineData("")]
    [InlineData(" \t")]
    public void ACallWithoutANameIsRecordedAsUnknown(object? claim) =>
        AdminIdentity.FromClaim(claim).Should().Be(AdminIdentity.Unknown);

    [Fact]
    public void AClaimedNameIsOneLineAndBounded()
    {
        AdminIdentity.FromClaim("os:eve\nforged: admin\r").Should().Be("os:eve forged: admin");
        AdminIdentity.FromClaim(new string('x', 5000)).Should().HaveLength(AdminIdentity.MaxLength);
    }
}
