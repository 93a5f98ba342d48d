export { defineOpSuite } from "./op-suite";
export { repoRoot, sharedFixturesDir } from "./fixtures-dir";
