// The hex helpers at their former path, for test/codec/wire-check.test.ts
// until its import names scripts/vectors/hex.ts.
export { parseHex, toHex } from "../../scripts/vectors/hex.js";
