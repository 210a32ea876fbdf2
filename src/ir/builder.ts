/**
 * Build a graph value by value and node by node; `build()` verifies it once and returns it frozen.
 * Importers and tests use this instead of assembling maps by hand.
 */
import { GraphError } from "../errors.js";
import type { DType, TensorData } from "./dtype.js";
import type { Graph, Value } from "./graph.js";
import type { Node } from "./ops.js";
import type { QuantParams } from "./quant-params.js";
import { verifyGraph } from "./verify.js";

export class GraphBuilder {
  private readonly values = new Map<string, Value>();
  private readonly nodes: Node[] = [];
  private readonly inputs: string[] = [];
  private readonly outputs: string[] = [];

  constructor(private readonly name: string, private readonly description?: string) {}

  private add(v: Value): string {
    if (this.values.has(v.name)) throw new GraphError({ path: `value "${v.name}"`, message: "is defined twice" });
    this.values.set(v.name, v);
    return v.name;
  }

  /** A graph input. */
  input(name: string, dtype: DType, shape: readonly number[], quant?: QuantParams): string {
    this.inputs.push(name);
    return this.add({ name, dtype, shape, ...(quant ? { quant } : {}) });
  }

  /** A constant with its data (weights, biases). */
  constant(name: string, dtype: DType, shape: readonly number[], data: TensorData, quant?: QuantParams): string {
    return this.add({ name, dtype, shape, data, ...(quant ? { quant } : {}) });
  }

  /** An intermediate or output value produced by a node. */
  value(name: string, dtype: DType, shape: readonly number[], quant?: QuantParams): string {
    return this.add({ name, dtype, shape, ...(quant ? { quant } : {}) });
  }

  node(n: Node): this {
    this.nodes.push(n);
    return this;
  }

  output(name: string): this {
    this.outputs.push(name);
    return this;
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  get(name: string): Value | undefined {
    return this.values.get(name);
  }

  build(): Graph {
    const g: Graph = {
      name: this.name,
      values: new Map(this.values),
      nodes: [...this.nodes],
      inputs: [...this.inputs],
      outputs: [...this.outputs],
      ...(this.description === undefined ? {} : { description: this.description }),
    };
    return verifyGraph(g);
  }
}
