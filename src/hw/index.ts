/**
 * quarch/hw: accelerator descriptions — `*.arch.yaml` loading with units, validation, derived parameters,
 * SCALE-Sim `.cfg` reading. Importing this barrel loads mathjs and yaml (slow to start); code that only
 * needs the types imports ./types.js.
 */
export { deriveParams } from "./derive.js";
export { archFromDocument, parseArch, safeParseArch } from "./load.js";
export { type ScaleSimConfig, parseScaleSimCfg } from "./scalesim-cfg.js";
export * from "./types.js";
export { type QuantityKind, parseQuantity, timeToCycles } from "./units.js";
