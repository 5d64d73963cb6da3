// Every test here starts a whole stack: nine service processes and a broker. Two at once on a 2-core CI machine left
// each stack a fraction of a core, so timing-bound steps (a governance proposal's lead, a restarted service catching up
// within the judge's wait) failed for want of CPU, not for a fault. One stack at a time costs minutes, not correctness.
[assembly: CollectionBehavior(DisableTestParallelization = true)]
