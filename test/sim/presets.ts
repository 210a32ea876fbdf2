/** Test helper: the presets of hw-models/arch, parsed once. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type ArchSpec, parseArch } from "../../src/hw/index.js";
import { REPO } from "../helpers/cli.js";

const cache = new Map<string, ArchSpec>();

export const PRESETS = ["systolic-32x32", "tpu-v1", "bitfusion-eyeriss", "bismo-pynq", "edge-16x16"] as const;

export function preset(id: string): ArchSpec {
  let s = cache.get(id);
  if (s === undefined) {
    s = parseArch(readFileSync(join(REPO, "hw-models", "arch", `${id}.arch.yaml`), "utf8"), id);
    cache.set(id, s);
  }
  return s;
}

/** The presets of the simulator's part 2: an MCU with a data cache, and a dataflow engine. */
export const PART2_PRESETS = ["mcu-m7", "finn-binary"] as const;
