import { lossOp } from "./shared";

/**
 * loss[0] = Gaussian NLL with fixed variance, summed over pixels, mean over the batch. Each
 * WASM part adds its pixels' share of the normalising constant, so the parts sum to the whole.
 */
export const gaussianNllForward = lossOp("gaussianNllForward", "gaussian_nll_forward", "gaussian", "loss");
