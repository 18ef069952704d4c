"""Layer 8, policy: what a run decides from a report: the gate, baselines, changed lines, fixes, review."""
