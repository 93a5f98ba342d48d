// @betavae/eval: disentanglement metrics and the papers' figures. Runs in Node and browsers
// (no file system here: callers read and write files).
export { type FigureModels, figureModels, klPerLatent, reconstructionFigure, traversalFigure } from "./figures";
export { drawText, textWidth } from "./font";
