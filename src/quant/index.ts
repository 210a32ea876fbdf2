/** quarch/quant: rounding, requantization, quantizers, binary/ternary, runtime profiles. */
export { binarize, bipolarThresholds, multiBitThresholds, ternarize } from "./binary.js";
export { dyadicRescale, mbqmDouble, mbqmSingle, rdbpot, srdhm } from "./fixed-point.js";
export { buildLut } from "./lut-builders.js";
export { frexp, quantizeMultiplier } from "./multiplier.js";
export { applyProfile, forceRounding } from "./profiles.js";
export { dequantize, quantize } from "./quantizers.js";
export { convertRequantizer, requantize, requantizerFromFixed, requantizerFromReal } from "./requantize.js";
export { createRng } from "./rng.js";
export { roundHalfAway, roundHalfEven, saturate, wrap } from "./rounding.js";
export { stochasticRound } from "./stochastic.js";
