export { type InputSpec, type OpCase, convCase, defineOpSuite, denseCase, evaluate, expectMatchesReference } from "./op-suite";
export { repoRoot, goldenVectorsDir } from "./fixtures-dir";
export { SquaresSource } from "./squares-source";
export { type GradientCheck, type Perturbed, checkObjectiveGradients, compareFiniteDifferences } from "./objective-gradients";
export { type ResumeCheck, arenaValues, checkResume, squaresTrainer } from "./resume-check";
