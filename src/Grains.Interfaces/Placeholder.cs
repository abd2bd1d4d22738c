namespace Osr.Orleans.Grains.Interfaces; internal static class Placeholder { }
