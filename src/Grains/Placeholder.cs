namespace Osr.Orleans.Grains; internal static class Placeholder { }
