/**
 * quarch/cost: technology tables (hw-models/tech/*.yaml) and node scaling; energy = Σ action counts ×
 * energy per action from the simulator's counts; area per component. Never simulates, never reads files.
 */
export { type AreaItem, type AreaReport, archArea, enginePes } from "./area.js";
export { type FoundCaches, cacheCountsOf } from "./cache-counts.js";
export { type CompareOp, type OpComparison, PRECISIONS, type Precision, type PricedOp, comparePrecisions, parsePrecision } from "./compare.js";
export { type ComputePricing, computePricing, fusedMacsPerCycle } from "./compute.js";
export { type EngineFolding, dataflowFolding } from "./dataflow.js";
export { applyOverrides, nodeNames, scaleRule, scaleTable } from "./derive.js";
export { type ActionPrices, type CacheCounts, type DynamicEnergy, dynamicEnergy } from "./energy.js";
export {
  type Components, type CostOptions, type EnergyGroups, type LayerEnergy, type NetworkCost, type NetworkTotals, type StaticPower, type UsedConstant,
  costNetwork, groupsOf,
} from "./network.js";
export { type ComposedParts, type PeCheckRow, adder, composed, peAreaUm2, peCheck, peMacPj, synthesized } from "./pe.js";
export { type BufferPricing, type CachePricing, type DramPricing, type Pricing, macPricer, pricing } from "./prices.js";
export { KIND_EXAMPLE, formatBytes, formatValue, parseValue } from "./quantity.js";
export { e64Pj, sramAreaUm2, sramLeakageUw, sramReadPj, sramWritePj } from "./sram.js";
export { SECTIONS, nodeNm, parseTechTable, techFromDocument } from "./tech-table.js";
export * from "./types.js";
