/**
 * quarch/sim: workloads, the mapper, the analytic and detailed engines, caches, functional + timing execution,
 * FPGA dataflow and SCALE-Sim compatibility. Counts, never energy.
 */
export { type BitPolicy, type BitsChoice, type LayerBitsOverride, applyBits, parseBitsFlag, parsePolicy } from "./bits.js";
export { type CacheCounters, CacheLevel, type MemoryPort } from "./cache/cache.js";
export { CacheEstimate } from "./cache/estimate.js";
export { type HierarchySnapshot, Hierarchy, gem5Stats } from "./cache/hierarchy.js";
export { Arena, PSUM_BASE, WEIGHT_BASE } from "./cache/run.js";
export type { OperandLayout } from "./cache/streams.js";
export { type Eval, type EvalContext, type OperandCost, type TileClass, evaluateMapping, makeContext } from "./cost.js";
export { type DataflowLayer, type DataflowSummary, type Folding, chooseFolding, engineShape } from "./dataflow/finn.js";
export { type DetailedLayer, type DetailedOptions, type StepTrace, type Timeline, detailedMapping, detailedVector } from "./detailed/engine.js";
export { type ExecuteRequest, type ExecuteResult, type FirstDifference, type LayerNumerics, executeNetwork } from "./execute/network.js";
export { type Arithmetic, MacTiles, reduceTo } from "./execute/tiles.js";
export { kernelMapping } from "./kernels.js";
export { type GraphLayers, layersFromGraph } from "./from-graph.js";
export { type LayerListEntry, layersFromList } from "./layer-list.js";
export { type MapResult, type SearchStats, checkMinimalFit, pinnedMapping, searchMapping, spatialOptions, tileCandidates } from "./mapper.js";
export { type ArrayFlow, type Mapping, allowedSpatial, mappingFromJson, mappingSummary, mappingText } from "./mapping.js";
export {
  type Engine, type LayerCaches, type LayerOptions, type MappingMemo, type NetworkCacheReport, type NetworkOptions, type NetworkResult, type NetworkTotals, type Spill, type StepHooks,
  NO_ACTIONS, addActions, mapLayer, simulateLayer, simulateNetwork,
} from "./network.js";
export { type StepModel, peakMacsPerCycle, stepModel } from "./precision.js";
export { type ActionCounts, type Bound, type CacheActions, type LayerCacheReport, type LayerResult, type OperandTraffic, type SimActionCounts, boundOf, layerResult } from "./result.js";
export { Channel, MacSteps, StepOut, type Stepper } from "./steps.js";
export { Totals, type Timer, sumSteps } from "./totals.js";
export { type ScaleSimArch, type ScaleSimResult, scaleSimLayer, scaleSimRun } from "./scalesim/model.js";
export { type Converted, type ScaleSimReports, pyFloat, scaleSimArchFromCfg, scaleSimArchFromSpec, scaleSimReports, toScaleSimLayers } from "./scalesim/reports.js";
export { type ScaleSimLayer, type ScaleSimTopology, parseScaleSimTopology, topologyToSimLayers } from "./scalesim/topology.js";
export { VectorSteps, evaluateVector } from "./vector-ops.js";
export * from "./workload.js";
