/**
 * quarch rtl-gen: a typed Verilog AST and its one printer; generators for MAC PEs, requantizers, systolic
 * arrays, layer engines and FINN-style binary layers, each declaring its latency and II; self-checking
 * testbenches with vectors from quarch's kernels; runners for Icarus Verilog, Verilator and Yosys; an
 * analytic area estimate; and, for engines, the arch.yaml + mapping that make `quarch sim` predict them.
 */
export * from "./ast.js";
export { type Item, type Module, type Port, type Stmt, ModuleBuilder, caseOf, iff, moduleClosure, nb } from "./module.js";
export { checkModule } from "./check.js";
export { constText, exprText, printDesign, printFile, printModule } from "./print.js";
export { type Generated, type Timing, field, hexWords, packFields } from "./generated.js";
export { type LaneConfig, type PeConfig, type PePrecision, PE_PRECISIONS, generatePe, laneInfo, peName } from "./gen/pe.js";
export { MODE_CODES, REQUANT_LATENCY, type RequantCoeffs, type RequantConfig, type RequantOutput, generateRequant, requantName } from "./gen/requant.js";
export { type ArrayConfig, type Dataflow, arrayName, generateArray, generateOsArray, generateWsArray } from "./gen/arrays.js";
export { type IntPrecision, type LayerTask, type SyntheticLayer, ELEMENT_BITS, expectedLayerOutput, layerTaskFromGraph, seededInput, syntheticLayerTask } from "./gen/layer-task.js";
export { type EngineConfig, type EnginePlan, planEngine } from "./gen/engine-plan.js";
export { engineName, generateEngine } from "./gen/engine.js";
export { type BinaryConfig, type BinaryPlan, type BinaryTask, binaryName, generateBinaryLayer, planBinary } from "./gen/binary-layer.js";
export { DESIGN_KINDS, type Design, type DesignKind, type MeasuredTiming, type Mismatch, type SimLink, type VectorSummary, TB_FILE, designFiles, dutFiles } from "./design.js";
export { type RequantDesignConfig, type VectorOptions, peDesign, requantDesign } from "./designs/pe-requant.js";
export { arrayDesign } from "./designs/array-design.js";
export { type LayerDesignOptions, layerDesign } from "./designs/layer-design.js";
export { type SyntheticBinary, binaryDesign, binaryTaskFromGraph, expectedBinary, syntheticBinary } from "./designs/binary-design.js";
export { type VerifyOptions, type VerifyResult, verifyDesign, verifyIn, verifySummary, writeDesign } from "./verify.js";
export { type ProcResult, TOOLS, type Tool, requireTool, toolVersion } from "./run/tools.js";
export { SIMULATORS, type SimBuild, type SimReport, type Simulator, buildSim, runSim } from "./run/simulate.js";
export { type AreaReport, type LintReport, SYNTH_TARGETS, type SynthTarget, lintVerilog, synthesize } from "./run/lint-synth.js";
export { type AreaEstimate, estimateArea, relativeError } from "./estimate.js";
export { archYaml, engineLink, mappingJson } from "./link.js";
