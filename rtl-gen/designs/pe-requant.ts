/**
 * Designs for the two leaf datapaths: a MAC PE and a requantizer, each with its vectors and testbench.
 */
import { FIXED_MODES, type FixedMode } from "../../src/ir/requant.js";
import { sTy, uTy } from "../ast.js";
import type { Design, Mismatch } from "../design.js";
import { streamMeasure } from "../design.js";
import { field, hexWords, packFields } from "../generated.js";
import { type PeConfig, generatePe, laneInfo } from "../gen/pe.js";
import { MODE_CODES, type RequantConfig, generateRequant, zpBits } from "../gen/requant.js";
import { type TbField, streamTestbench } from "../tb/stream-tb.js";
import { peVectors } from "../vectors/pe-vectors.js";
import { type RequantCase, configurableCases, expectedOutput, frozenCases, typeRange } from "../vectors/requant-vectors.js";

export interface VectorOptions {
  /** Seeded random vectors (groups for a PE, cases per mode for a requantizer). */
  readonly random: number;
  readonly seed: number;
}

const hexOf = (got: string, bits: number, signed: boolean): string => {
  if (/[xz]/i.test(got)) return got;
  return String(field(BigInt(`0x${got}`), 0, bits, signed));
};

export function peDesign(c: PeConfig, v: VectorOptions): Design {
  const gen = generatePe(c);
  const info = laneInfo(c);
  const vec = peVectors(c, v.random, v.seed);
  const inFields: TbField[] = [
    { port: "in_first", ty: uTy(1) },
    { port: "in_last", ty: uTy(1) },
    { port: "a", ty: uTy(info.laneBits) },
    { port: "w", ty: uTy(info.laneBits) },
  ];
  const tb = streamTestbench({
    dut: gen.module, inFields, outFields: [{ port: "acc", ty: sTy(c.accBits) }],
    nIn: vec.inWords.length, nOut: vec.expWords.length, latRef: vec.groupStart[1]! - 1, maxCycles: vec.inWords.length + 100,
  });
  const explain = (index: number, got: string): Mismatch => {
    const g = vec.groups[index]!;
    const show = (xs: readonly number[]) => (xs.length > 16 ? `[${xs.slice(0, 16).join(", ")}, … (${xs.length})]` : `[${xs.join(", ")}]`);
    return { index, inputs: `a ${show(g.a)} · w ${show(g.w)}${g.directed === undefined ? "" : ` (${g.directed})`}`, expected: String(vec.expected[index]), got: hexOf(got, c.accBits, true) };
  };
  return {
    kind: "pe",
    title: `${gen.module.name}: ${c.precision === "binary" ? `binary XNOR-popcount lane, ${info.laneBits} bits` : `${info.elements} × INT${info.elementBits} per 8-bit lane`}, ${c.accBits}-bit accumulator`,
    dut: gen.module, tb, timing: gen.timing,
    data: new Map([["vectors.hex", hexWords(vec.inWords, 2 + 2 * info.laneBits)], ["expected.hex", hexWords(vec.expWords, c.accBits)]]),
    vectors: { outputs: vec.expWords.length, values: vec.expWords.length, directed: vec.directed, random: vec.random, seed: vec.seed },
    explain, measure: streamMeasure,
    notes: vec.groups.some((g) => g.directed?.startsWith("accumulator wrap") === true) ? [] : [`no accumulator-wrap vector: wrapping ${c.accBits} bits takes more than 4096 beats`],
  };
}

export interface RequantDesignConfig {
  readonly gen: RequantConfig;
  /** The mode the vectors expect (default: the generator's; a different one is a negative control). */
  readonly expectMode?: FixedMode;
}

/** Input fields of a requantizer variant (LSB first), matching generateRequant's ports. */
function requantFields(c: RequantConfig): TbField[] {
  const f: TbField[] = [{ port: "acc", ty: sTy(32) }];
  if (c.mode === "runtime") f.push({ port: "mode", ty: uTy(3) });
  if (c.coeffs.kind === "port") f.push({ port: "mult", ty: sTy(32) }, { port: "shift", ty: c.fault === "unsigned-shift" ? uTy(6) : sTy(6) });
  if (c.coeffs.kind === "rom") f.push({ port: "ch", ty: uTy(Math.max(1, Math.ceil(Math.log2(c.coeffs.multiplier.length)))) });
  if (c.output.kind === "port") {
    const z = sTy(zpBits(c.outType));
    f.push({ port: "zp", ty: z }, { port: "clamp_lo", ty: z }, { port: "clamp_hi", ty: z });
  }
  return f;
}

function caseWord(c: RequantConfig, k: RequantCase): bigint {
  const parts: [number, number][] = [[k.acc, 32]];
  if (c.mode === "runtime") parts.push([MODE_CODES[k.mode], 3]);
  if (c.coeffs.kind === "port") parts.push([k.mult, 32], [k.shift, 6]);
  if (c.coeffs.kind === "rom") parts.push([k.ch, Math.max(1, Math.ceil(Math.log2(c.coeffs.multiplier.length)))]);
  if (c.output.kind === "port") parts.push([k.zp, zpBits(c.outType)], [k.lo, zpBits(c.outType)], [k.hi, zpBits(c.outType)]);
  return packFields(parts);
}

export function requantDesign(dc: RequantDesignConfig, v: VectorOptions): Design {
  const c = dc.gen;
  const gen = generateRequant(c);
  const [qmin, qmax] = typeRange(c.outType);
  const expectMode = dc.expectMode ?? (c.mode === "runtime" ? undefined : c.mode);
  let set: { cases: RequantCase[]; directed: number };
  if (c.coeffs.kind === "port") {
    set = configurableCases(expectMode === undefined ? FIXED_MODES : [expectMode], c.outType, v.random, v.seed);
  } else {
    const mults = c.coeffs.kind === "const" ? [c.coeffs.multiplier] : c.coeffs.multiplier;
    const shifts = c.coeffs.kind === "const" ? [c.coeffs.shift] : c.coeffs.shift;
    const o = c.output.kind === "const" ? c.output : { zeroPoint: 0, clampMin: qmin, clampMax: qmax };
    set = frozenCases(expectMode ?? "double", mults, shifts, o.zeroPoint, Math.max(o.clampMin, qmin), Math.min(o.clampMax, qmax), v.random, v.seed);
  }
  // A frozen-mode variant receives cases of its own mode only (the mode port does not exist).
  const cases = set.cases;
  const expected = cases.map((k) => expectedOutput(k, c.outType));
  const inFields = requantFields(c);
  const win = inFields.reduce((a, f) => a + f.ty.width, 0);
  const tb = streamTestbench({
    dut: gen.module, inFields, outFields: [{ port: "y", ty: { width: c.outType.bits, signed: c.outType.signed } }],
    nIn: cases.length, nOut: cases.length, latRef: 0, maxCycles: cases.length + 100,
  });
  const explain = (index: number, got: string): Mismatch => {
    const k = cases[index]!;
    return {
      index,
      inputs: `acc ${k.acc}, ${k.mode} rounding, multiplier ${k.mult}, shift ${k.shift}, zero point ${k.zp}, clamp [${k.lo}, ${k.hi}]${c.coeffs.kind === "rom" ? `, channel ${k.ch}` : ""}${k.why === undefined ? "" : ` (${k.why})`}`,
      expected: String(expected[index]),
      got: hexOf(got, c.outType.bits, c.outType.signed),
    };
  };
  const data = new Map(gen.files);
  data.set("vectors.hex", hexWords(cases.map((k) => caseWord(c, k)), win));
  data.set("expected.hex", hexWords(expected, c.outType.bits));
  return {
    kind: "requant",
    title: `${gen.module.name}${dc.expectMode !== undefined && dc.expectMode !== c.mode ? ` checked against ${dc.expectMode} vectors` : ""}`,
    dut: gen.module, tb, timing: gen.timing, data,
    vectors: { outputs: cases.length, values: cases.length, directed: set.directed, random: cases.length - set.directed, seed: v.seed },
    explain, measure: streamMeasure, notes: [],
  };
}
