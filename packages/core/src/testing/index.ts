export { type InputSpec, type OpCase, convCase, defineOpSuite, denseCase, evaluate, expectMatchesReference } from "./op-suite";
export { repoRoot, goldenVectorsDir } from "./fixtures-dir";
export { SquaresSource } from "./squares-source";
export { arenaValues, expectBitwiseResume, squaresTrainer } from "./resume";
