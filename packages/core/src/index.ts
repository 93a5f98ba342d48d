export * from "./backend/index";
export * from "./fixtures";
export { compare, type Comparison } from "./compare";
export { Rng, type RngState } from "./rng";
export { BURGESS_CONFIG, ConfigError, type ModelConfig, validateModelConfig } from "./model/config";
export { BetaVAE, LOGVAR_MAX, LOGVAR_MIN } from "./model/vae";
export { ConvLayer, DenseLayer, type Layer, type ParamView } from "./model/layers";
export { type CapacityObjective, type CapacityRampStart, type Objective, type ObjectiveTerms, ObjectiveError, capacityAt, continueObjective, describeObjective, rampCapacity, objectiveTerms, validateObjective } from "./train/objective";
export {
  type BatchSource, DEFAULT_OPTIMISER, MAX_BATCH, NonFiniteError, type OptimiserConfig, type StepMetrics, Trainer,
  type TrainingConfig, type TrainingState, validateOptimiser,
} from "./train/trainer";
export {
  type Checkpoint, CheckpointError, decodeCheckpoint, describeConfigMismatch, encodeCheckpoint, hasOptimizerState, loadWeights,
  restoreCheckpoint, serializeCheckpoint, weightsOnly,
} from "./train/checkpoint";
export { SWITCHED_ON_KL, INFORMATIVE_STD, type UninformativeLatent, UninformativeKlWatch, describeUninformative, meanSpread } from "./train/latent-watch";
export { SafetensorsError } from "./train/safetensors";
export { type MetricsRecord, MetricsRecordError, decodeMetricsLog, decodeMetricsRecord, encodeMetricsRecord } from "./train/metrics-record";
export {
  type CheckpointHooks, DEFAULT_LOG_EVERY, type RunEnd, type SessionOptions, type SessionStep, TrainingSession,
} from "./train/session";
export { HISTORY_POINTS, type HistoryPoint, appendHistory, halveKeepingLast, historyOf, thinHistory } from "./train/history";
