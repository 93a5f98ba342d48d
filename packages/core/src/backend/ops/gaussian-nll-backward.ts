import { lossOp } from "./shared";

/** dx = (x − targets) / (variance·batch). */
export const gaussianNllBackward = lossOp("gaussianNllBackward", "gaussian_nll_backward", "gaussian", "gradient");
