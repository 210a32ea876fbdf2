/** quarch/zoo: built-in layer-list workloads, named `zoo:<name>` on the command line. */
import { InputError } from "../errors.js";
import { NETWORKS } from "./networks.js";
import type { ZooNetwork } from "./zoo-types.js";

export type { ZooLayer, ZooLayerType, ZooNetwork } from "./zoo-types.js";
export { NETWORKS } from "./networks.js";

/** Names of the built-in networks, in networks.json order. */
export function zooNames(): string[] {
  return NETWORKS.map((n) => n.name);
}

/** A built-in network by name (with or without the `zoo:` prefix). */
export function getZoo(name: string): ZooNetwork {
  const bare = name.startsWith("zoo:") ? name.slice(4) : name;
  const net = NETWORKS.find((n) => n.name === bare);
  if (net === undefined) {
    throw new InputError({ path: `zoo:${bare}`, message: "is not a built-in network", expected: zooNames().map((n) => `zoo:${n}`).join(", ") });
  }
  return net;
}
