/**
 * The one tfjs instance of the library. `@tensorflow/tfjs` (the union package) is used rather than
 * `@tensorflow/tfjs-core` because only the union registers the gradient functions in Node
 * (measured: with core alone `getGradient('GatherV2')` is undefined). Every module of the library
 * and every notebook takes `tf` from here, so all of them share one engine and one backend.
 */
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";

export { tf };
