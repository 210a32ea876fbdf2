/** quarch/sim: workloads, the mapper, the analytic engine and SCALE-Sim compatibility. Counts, never energy. */
export { type BitPolicy, type BitsChoice, type LayerBitsOverride, applyBits, parseBitsFlag, parsePolicy } from "./bits.js";
export { type Eval, type EvalContext, evaluateMapping, makeContext } from "./cost.js";
export { type GraphLayers, layersFromGraph } from "./from-graph.js";
export { type LayerListEntry, layersFromList } from "./layer-list.js";
export { type MapResult, type SearchStats, checkMinimalFit, pinnedMapping, searchMapping, spatialOptions, tileCandidates } from "./mapper.js";
export { type ArrayFlow, type Mapping, allowedSpatial, mappingFromJson, mappingSummary, mappingText } from "./mapping.js";
export { type LayerOptions, type MappingMemo, type NetworkOptions, type NetworkResult, type NetworkTotals, type Spill, NO_ACTIONS, addActions, simulateLayer, simulateNetwork } from "./network.js";
export { type StepModel, peakMacsPerCycle, stepModel } from "./precision.js";
export { type ActionCounts, type Bound, type LayerResult, type OperandTraffic, boundOf, layerResult } from "./result.js";
export { type ScaleSimArch, type ScaleSimResult, scaleSimLayer, scaleSimRun } from "./scalesim/model.js";
export { type Converted, type ScaleSimReports, pyFloat, scaleSimArchFromCfg, scaleSimArchFromSpec, scaleSimReports, toScaleSimLayers } from "./scalesim/reports.js";
export { type ScaleSimLayer, type ScaleSimTopology, parseScaleSimTopology, topologyToSimLayers } from "./scalesim/topology.js";
export { evaluateVector } from "./vector-ops.js";
export * from "./workload.js";
