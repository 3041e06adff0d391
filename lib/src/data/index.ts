/**
 * Data: the embedded collection generator, real-format loaders (MS MARCO, TREC DL, BEIR), the
 * analyzer and BM25 first stage, training groups, tokenizers, and `prepareDataset`, the one
 * entry point that builds or loads everything training and evaluation need.
 */
export * from "./analyzer";
export * from "./bm25";
export * from "./generator";
export * from "./groups";
export * from "./tokenizer";
export * from "./loaders";
export * from "./paper";
export * from "./dataset";
export * from "./stats";
