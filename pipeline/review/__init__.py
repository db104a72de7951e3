"""Review: evaluation against gold, gold checks, diffs, the review site, Label Studio."""
