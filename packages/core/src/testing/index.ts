export { defineOpSuite } from "./op-suite";
export { repoRoot, sharedFixturesDir } from "./fixtures-dir";
export { SquaresSource } from "./squares-source";
