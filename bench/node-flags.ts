// The V8 flags the `slips` command starts node with (bin/slips): analyses measured here use the
// same, so the figures are those of the command.
export const ANALYSIS_NODE_FLAGS = ['--max-semi-space-size=32'];
