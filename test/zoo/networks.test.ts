/** The built-in layer lists: the generated module matches networks.json, and every layer is consistent. */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { InputError } from "../../src/errors.js";
import { samePadding, windowOut } from "../../src/ir/shapes.js";
import { NETWORKS, getZoo, zooNames } from "../../src/zoo/index.js";
import { renderNetworksModule } from "../../scripts/gen-zoo.js";
import { REPO } from "../helpers/cli.js";

const JSON_PATH = join(REPO, "src", "zoo", "networks.json");

describe("zoo", () => {
  it("src/zoo/networks.ts is networks.json, regenerated (run scripts/gen-zoo.ts after editing the JSON)", () => {
    const text = readFileSync(JSON_PATH, "utf8");
    expect(NETWORKS).toEqual(JSON.parse(text));
    expect(readFileSync(join(REPO, "src", "zoo", "networks.ts"), "utf8")).toBe(renderNetworksModule(text));
  });
  it("names the networks INTERFACES.md lists", () => {
    expect(zooNames()).toEqual(["resnet18", "mobilenet_v1", "mobilenet_v2", "lenet5", "mlp_mnist", "tiny_resnet8_cifar10", "tiny_dscnn_kws", "tiny_mobilenetv1_025_vww", "tiny_fc_autoencoder_ad"]);
    expect(getZoo("zoo:mobilenet_v2").layers).toHaveLength(53);
    expect(() => getZoo("zoo:resnet19")).toThrow(InputError);
    expect(() => getZoo("zoo:resnet19")).toThrow(/zoo:resnet19: is not a built-in network \(expected zoo:resnet18, zoo:mobilenet_v1/);
  });
  for (const net of NETWORKS) {
    it(`${net.name}: output sizes, weights and MACs follow from each layer's shape; totals add up`, () => {
      let weights = 0;
      let macs = 0;
      for (const l of net.layers) {
        const groups = l.type === "dwconv" ? l.inC : l.groups;
        if (l.type !== "fc") {
          const oh = l.pad === "same" ? samePadding(l.inH, l.kH, l.strideH, 1).out : windowOut(l.inH, l.kH, l.strideH, 1, l.pad, l.pad);
          const ow = l.pad === "same" ? samePadding(l.inW, l.kW, l.strideW, 1).out : windowOut(l.inW, l.kW, l.strideW, 1, l.pad, l.pad);
          expect([l.name, oh, ow]).toEqual([l.name, l.outH, l.outW]);
        }
        expect([l.name, l.weights]).toEqual([l.name, (l.outC * l.kH * l.kW * l.inC * l.inH * l.inW) / groups / (l.type === "fc" ? 1 : l.inH * l.inW)]);
        expect([l.name, l.macs]).toEqual([l.name, l.weights * l.outH * l.outW]);
        weights += l.weights;
        macs += l.macs;
      }
      expect({ weights, macs }).toEqual(net.totals);
    });
  }
});
