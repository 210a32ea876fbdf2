/**
 * Quantization parameters of a tensor: real = scale · (q − zeroPoint). Scales are float32 values (held in
 * `number`, always passed through Math.fround when built); zero points are integers.
 *
 * Granularity (Gholami et al. 2021, §III-C):
 *  - tensor:  one scale for the whole tensor;
 *  - channel: one scale per index along `axis` (per output channel for weights);
 *  - group:   one scale per `groupSize` consecutive indices along `axis` (groups of output channels) —
 *             still integer-friendly, it expands to per-channel requantizers;
 *  - block:   ONNX blocked quantization: one scale per `blockSize` consecutive indices along `axis`,
 *             independently for every position of the other axes. Along a reduction axis this cannot
 *             fold into one int32 accumulator, so integer kernels refuse it (fake-quant only).
 */
export type QuantParams = TensorQuant | ChannelQuant | GroupQuant | BlockQuant;

export interface TensorQuant {
  readonly kind: "tensor";
  readonly scale: number;
  readonly zeroPoint: number;
}
export interface ChannelQuant {
  readonly kind: "channel";
  readonly axis: number;
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
}
export interface GroupQuant {
  readonly kind: "group";
  readonly axis: number;
  readonly groupSize: number;
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
}
export interface BlockQuant {
  readonly kind: "block";
  readonly axis: number;
  readonly blockSize: number;
  /** Row-major over the tensor's shape with shape[axis] replaced by ceil(shape[axis] / blockSize). */
  readonly scale: readonly number[];
  readonly zeroPoint: readonly number[];
}

export function tensorQuant(scale: number, zeroPoint: number): TensorQuant {
  return { kind: "tensor", scale: Math.fround(scale), zeroPoint };
}

export function channelQuant(axis: number, scale: readonly number[], zeroPoint: readonly number[]): ChannelQuant {
  return { kind: "channel", axis, scale: scale.map((s) => Math.fround(s)), zeroPoint: [...zeroPoint] };
}

/** Number of scale entries the params must hold for a tensor of this shape. */
export function expectedParamCount(q: QuantParams, shape: readonly number[]): number {
  switch (q.kind) {
    case "tensor":
      return 1;
    case "channel":
      return shape[q.axis] ?? 0;
    case "group":
      return Math.ceil((shape[q.axis] ?? 0) / q.groupSize);
    case "block": {
      let n = 1;
      shape.forEach((d, i) => (n *= i === q.axis ? Math.ceil(d / q.blockSize) : d));
      return n;
    }
    default: {
      const never: never = q;
      return never;
    }
  }
}

/**
 * For each element index of a tensor of `shape`, the index of its scale / zero point. Returned as a
 * function so callers walk tensors without allocating.
 */
export function paramIndexer(q: QuantParams, shape: readonly number[]): (flat: number) => number {
  switch (q.kind) {
    case "tensor":
      return () => 0;
    case "channel":
    case "group": {
      const inner = shape.slice(q.axis + 1).reduce((a, b) => a * b, 1);
      const dim = shape[q.axis] ?? 1;
      const g = q.kind === "group" ? q.groupSize : 1;
      return (flat) => Math.floor(Math.floor(flat / inner) % dim / g);
    }
    case "block": {
      const rank = shape.length;
      const strides = new Array<number>(rank).fill(1);
      const pstrides = new Array<number>(rank).fill(1);
      for (let i = rank - 2; i >= 0; i--) {
        strides[i] = strides[i + 1]! * shape[i + 1]!;
        const pd = i + 1 === q.axis ? Math.ceil(shape[i + 1]! / q.blockSize) : shape[i + 1]!;
        pstrides[i] = pstrides[i + 1]! * pd;
      }
      return (flat) => {
        let p = 0;
        for (let i = 0; i < rank; i++) {
          let c = Math.floor(flat / strides[i]!) % shape[i]!;
          if (i === q.axis) c = Math.floor(c / q.blockSize);
          p += c * pstrides[i]!;
        }
        return p;
      };
    }
    default: {
      const never: never = q;
      return never;
    }
  }
}

/** Scales expanded to one per channel along the quantized axis (tensor/channel/group only). */
export function perChannelScales(q: QuantParams, channels: number): number[] {
  switch (q.kind) {
    case "tensor":
      return new Array<number>(channels).fill(q.scale);
    case "channel":
      return q.scale.length === 1 ? new Array<number>(channels).fill(q.scale[0]!) : [...q.scale];
    case "group":
      return Array.from({ length: channels }, (_, c) => q.scale[Math.floor(c / q.groupSize)]!);
    case "block":
      return [];
    default: {
      const never: never = q;
      return never;
    }
  }
}

/** Zero points expanded to one per channel along the quantized axis (tensor/channel/group only). */
export function perChannelZeroPoints(q: QuantParams, channels: number): number[] {
  switch (q.kind) {
    case "tensor":
      return new Array<number>(channels).fill(q.zeroPoint);
    case "channel":
      return q.zeroPoint.length === 1 ? new Array<number>(channels).fill(q.zeroPoint[0]!) : [...q.zeroPoint];
    case "group":
      return Array.from({ length: channels }, (_, c) => q.zeroPoint[Math.floor(c / q.groupSize)]!);
    case "block":
      return [];
    default: {
      const never: never = q;
      return never;
    }
  }
}

/** The single scale/zero point of per-tensor params (or of per-channel params with one entry). */
export function scalarQuant(q: QuantParams): { scale: number; zeroPoint: number } | undefined {
  if (q.kind === "tensor") return { scale: q.scale, zeroPoint: q.zeroPoint };
  if (q.scale.length === 1) return { scale: q.scale[0]!, zeroPoint: q.zeroPoint[0]! };
  return undefined;
}
