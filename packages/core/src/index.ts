export * from "./backend/index";
export * from "./fixtures";
export { compare, type Comparison } from "./compare";
export { Rng, type RngState } from "./rng";
export {
  ARCHITECTURE_NAMES, type ArchitectureName, BURGESS_CONFIG, ConfigError, type ModelConfig, architectureOf, validateModelConfig,
} from "./model/config";
export { BetaVAE, type LatentCode, LOGVAR_MAX, LOGVAR_MIN } from "./model/vae";
export { ConvLayer, DenseLayer, type FeatureMap, type Layer } from "./model/layers";
export { type ParamAllocator, ParameterArena, type ParamSlot, type ParamView, type TorchLayout, sameLayout } from "./model/parameters";
export {
  type ChoiceSetting, type NumberSetting, type ObjectiveKind, type ObjectiveReport, type ObjectiveRun, type ObjectiveSetting, type ObjectiveStep, ObjectiveError,
  checkSettings, isChoiceSetting, requireNonNegative, settingDefault,
} from "./train/objectives/objective";
export {
  type Objective, type ObjectiveKinds, buildObjective, continueObjective, describeObjective, objectiveFromSettings, objectiveKind, objectiveKinds,
  objectiveSettingValues, registerObjective, validateObjective,
} from "./train/objectives/index";
export { type BetaObjective, BETA, betaReport } from "./train/objectives/beta";
export { type CapacityObjective, type CapacityRampStart, CAPACITY, capacityAt, capacityReport, rampCapacity } from "./train/objectives/capacity";
export { addKlGradient, klWeightedBackward, klWeightedRun } from "./train/objectives/kl-weighted";
export { type TcEstimator, type TcTerms, type TcvaeObjective, TCVAE, TcEstimates, tcvaeReport } from "./train/objectives/tcvae";
export { type DipPenalty, type DipVaeIIObjective, type DipVaeIObjective, type DipVaeObjective, DIPVAE_I, DIPVAE_II, DipCovariance, dipReport } from "./train/objectives/dipvae";
export { HostCode } from "./train/objectives/host-code";
export {
  type BatchSource, DEFAULT_OPTIMISER, MAX_BATCH, NonFiniteError, type OptimiserConfig, type StepMetrics, Trainer,
  type TrainingConfig, type TrainingState, validateOptimiser,
} from "./train/trainer";
export {
  type Checkpoint, CheckpointError, decodeCheckpoint, describeConfigMismatch, encodeCheckpoint, hasOptimizerState, loadWeights,
  restoreCheckpoint, serializeCheckpoint, weightsOnly,
} from "./train/checkpoint";
export { ACTIVE_KL, SWITCHED_ON_KL, INFORMATIVE_STD, type UninformativeLatent, UninformativeKlWatch, describeUninformative, meanSpread } from "./train/latent-watch";
export { SafetensorsError } from "./train/safetensors";
export { type MetricsRecord, MetricsRecordError, decodeMetricsLog, decodeMetricsRecord, encodeMetricsRecord } from "./train/metrics-record";
export {
  type CheckpointHooks, DEFAULT_LOG_EVERY, type RunEnd, type SessionOptions, type SessionStep, TrainingSession,
} from "./train/session";
export { HISTORY_POINTS, type HistoryPoint, appendHistory, halveKeepingLast, historyOf, thinHistory } from "./train/history";
