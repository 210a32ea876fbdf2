/**
 * AttributeProto values: the attribute's type code (or, in IR < 3 files without one, the single value field
 * present) selects which decoded field becomes the attribute's value.
 */
import type { OnnxAttributeValue, OnnxGraph, OnnxTensorProto } from "./model-types.js";
import { onnxFail } from "./wire.js";

/** AttributeProto.AttributeType codes. */
export const ATTR_KINDS: Readonly<Record<number, OnnxAttributeValue["kind"]>> = {
  1: "float",
  2: "int",
  3: "string",
  4: "tensor",
  5: "graph",
  6: "floats",
  7: "ints",
  8: "strings",
  9: "tensors",
  10: "graphs",
};

const textDecoder = new TextDecoder("utf-8");

/** UTF-8 text of a string attribute. */
export function attributeText(bytes: Uint8Array): string {
  return textDecoder.decode(bytes);
}

export interface AttrFields {
  readonly f32: number | undefined;
  readonly i64: number | undefined;
  readonly s: Uint8Array | undefined;
  readonly t: OnnxTensorProto | undefined;
  readonly g: OnnxGraph | undefined;
  readonly floats: number[];
  readonly ints: number[];
  readonly strings: Uint8Array[];
  readonly tensors: OnnxTensorProto[];
  readonly graphs: OnnxGraph[];
}

export function attributeValue(kind: OnnxAttributeValue["kind"], where: string, a: AttrFields): OnnxAttributeValue {
  // proto2 scalars absent from the bytes take their zero default; messages must be present.
  switch (kind) {
    case "float":
      return { kind, value: a.f32 ?? 0 };
    case "int":
      return { kind, value: a.i64 ?? 0 };
    case "string":
      return { kind, value: a.s ?? new Uint8Array(0) };
    case "tensor":
      if (a.t === undefined) onnxFail(`${where}.t`, "TENSOR attribute has no tensor", "nothing", "a TensorProto");
      return { kind, value: a.t };
    case "graph":
      if (a.g === undefined) onnxFail(`${where}.g`, "GRAPH attribute has no graph", "nothing", "a GraphProto");
      return { kind, value: a.g };
    case "floats":
      return { kind, value: a.floats };
    case "ints":
      return { kind, value: a.ints };
    case "strings":
      return { kind, value: a.strings };
    case "tensors":
      return { kind, value: a.tensors };
    case "graphs":
      return { kind, value: a.graphs };
    case "other":
      return { kind, type: 0 };
    default: {
      const never: never = kind;
      return never;
    }
  }
}
