// @betavae/eval: disentanglement metrics and the papers' figures. Runs in Node and browsers
// (no file system here: callers read and write files;
// `@betavae/eval/node` renders charts).
export { type Encoder, groundTruthEncoder, modelEncoder, randomEncoder } from "./encoder";
export { CodeCache } from "./cache";
export { splitVariedFactors, variedFactors } from "./factors";
export { type MetricResultBase, type ProgressFn } from "./metric";
export { BETAVAE_DEFAULTS, type BetaVaeOptions, type BetaVaeResult, betaVaeMetric } from "./betavae-metric";
export { FACTORVAE_DEFAULTS, type FactorVaeOptions, type FactorVaeResult, factorVaeMetric } from "./factorvae-metric";
export { MIG_DEFAULTS, type MigOptions, type MigResult, histogramDiscretize, migMetric, mutualInformation } from "./mig";
export { type LogisticFit, type LogisticOptions, accuracy, fitLogistic, predictLogistic, predictProbabilities } from "./logistic";
export { type CodeFactorSplit } from "./code-factor-metric";
export { SAP_DEFAULTS, type SapOptions, type SapResult, sapMetric } from "./sap";
export { MODULARITY_DEFAULTS, type ModularityOptions, type ModularityResult, latentModularity, modularityMetric, rocAuc } from "./modularity";
export { LINEAR_SVC_DEFAULTS, type LinearSvcFit, type LinearSvcOptions, fitLinearSvc, linearSvcDecision, predictLinearSvc } from "./linear-svc";
export {
  DEFAULT_SAMPLES, type EvaluateOptions, type Evaluation, METRIC_NAMES, type MetricName, type MetricResult, type SampleCounts, evaluate, samplesFrom,
} from "./evaluate";
export { type LatentUsage, displayImages, klPerLatent, latentUsage, posteriorMean, reconstructionFigure, traversalFigure } from "./figures";
export { FIGURE_SEED_OFFSETS, type FigureModels, type ModelFigures, TRAVERSAL_RANGE, TRAVERSAL_STEPS, drawModelFigures, figureModels, modelFigurePngs } from "./model-figures";
export { CHART_CONFIG, CHART_FONT, type ChartSpec } from "./chart";
export { type KlRecord, type SwitchOn, klCurveSpec, klOrder, switchOnOrder } from "./kl-curves";
export { latentHeatmapFigure } from "./heatmaps";
export { drawText, textWidth } from "./font";
