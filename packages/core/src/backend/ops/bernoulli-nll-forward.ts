import { lossOp } from "./shared";

/** loss[0] = Bernoulli NLL of targets under logits, summed over pixels, mean over the batch. */
export const bernoulliNllForward = lossOp("bernoulliNllForward", "bernoulli_nll_forward", "bernoulli", "loss");
