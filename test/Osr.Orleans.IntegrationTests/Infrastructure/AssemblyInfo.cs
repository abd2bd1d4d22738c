// Cluster and broker tests start real silos and sockets; run collections one at a time so
// that a 2-core CI machine is not oversubscribed.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
