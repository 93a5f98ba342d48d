// @betavae/eval: disentanglement metrics and the papers' figures. Runs in Node and browsers
// (no file system here: callers read and write files;
// `@betavae/eval/node` renders charts).
export { type Encoder, groundTruthEncoder, modelEncoder, randomEncoder } from "./encoder";
export { CodeCache } from "./cache";
export { factorColumn, splitVariedFactors, variedFactors } from "./factors";
export { type CodeFactorMetricKind, type DatasetMetricKind, type MetricKind, type MetricResult, type MetricResultBase, type ProgressFn } from "./metric";
export { BETAVAE, BETAVAE_DEFAULTS, type BetaVaeOptions, type BetaVaeResult, betaVaeMetric } from "./betavae-metric";
export { FACTORVAE, FACTORVAE_DEFAULTS, type FactorVaeOptions, type FactorVaeResult, factorVaeMetric } from "./factorvae-metric";
export { MIG, MIG_DEFAULTS, type MigOptions, type MigResult, type MigScore, histogramDiscretize, migMetric, migScore, mutualInformation } from "./mig";
export { type CodeFactorRows, type CodeFactorSplit, type CodeSource, codeFactorKind, drawSplit, scoreCodes, splitRows } from "./code-factor-metric";
export { readCodesNpz } from "./codes-file";
export { DCI, type DciScore, dciFromImportance, dciMetric } from "./dci";
export { SAP, SAP_DEFAULTS, type SapOptions, type SapResult, sapMetric } from "./sap";
export { MODULARITY, MODULARITY_DEFAULTS, type ModularityOptions, type ModularityResult, latentModularity, modularityMetric, rocAuc } from "./modularity";
export { LINEAR_SVC_DEFAULTS, type LinearSvcFit, type LinearSvcOptions, fitLinearSvc, linearSvcDecision, predictLinearSvc } from "./linear-svc";
export {
  GRADIENT_BOOSTING_DEFAULTS, type GradientBoostedTrees, type GradientBoostingOptions, type SortedFeatures,
  featureImportances, fitGradientBoosting, predictGradientBoosting, sortFeatures,
} from "./gradient-boosting";
export { type LogisticFit, type LogisticOptions, accuracy, fitLogistic, predictLogistic, predictProbabilities } from "./logistic";
export { type EvaluateOptions, type Evaluation, evaluate, evaluateCodes } from "./evaluate";
export {
  CODE_FACTOR_METRICS, DEFAULT_METRICS, DEFAULT_SAMPLES, METRIC_COLUMNS, METRIC_NAMES, type MetricName, type SampleCounts,
  codeFactorKindOf, metricColumns, metricKind, samplesFrom,
} from "./registry";
export { type LatentUsage, displayImages, klPerLatent, latentUsage, posteriorMean, reconstructionFigure, traversalFigure } from "./figures";
export { FIGURE_SEED_OFFSETS, type FigureModels, type ModelFigures, TRAVERSAL_RANGE, TRAVERSAL_STEPS, drawModelFigures, figureModels, modelFigurePngs } from "./model-figures";
export { CHART_CONFIG, CHART_FONT, type ChartSpec } from "./chart";
export { type KlRecord, type SwitchOn, klCurveSpec, klOrder, switchOnOrder } from "./kl-curves";
export { latentHeatmapFigure } from "./heatmaps";
export { drawText, textWidth } from "./font";
