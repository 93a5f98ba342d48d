export { defineOpSuite } from "./op-suite";
export { seededRandom, randomArray } from "./random";
export { repoRoot, sharedFixturesDir } from "./fixtures-dir";
