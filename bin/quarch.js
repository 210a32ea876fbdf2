#!/usr/bin/env node
// Entry point for `npx quarch`: the compiled CLI lives in dist/ (built by `npm ci` through `prepare`).
import { cli } from "../dist/src/cli/main.js";

await cli();
