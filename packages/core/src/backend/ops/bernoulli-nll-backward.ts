import { lossOp } from "./shared";

/** dlogits = (sigmoid(logits) − targets) / batch. */
export const bernoulliNllBackward = lossOp("bernoulliNllBackward", "bernoulli_nll_backward", "bernoulli", "gradient");
