#!/usr/bin/env node
// The conformance kit's own entry point, with the arguments `presence-wire conformance` takes:
//   node --import tsx src/conformance/main.ts server ws://127.0.0.1:8080/presence --secret ...
import { runConformanceCli } from "./cli.js";

process.exitCode = await runConformanceCli(process.argv.slice(2));
