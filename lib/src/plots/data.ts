/**
 * The figures of notebook 01 (the dataset): rank–frequency, lengths, grades, a run against the
 * oracle, and BM25 by vocabulary mismatch, built from the statistics of `data/stats.ts`.
 */
import type { PlotlyFigure } from "./display";
import type {
  LengthStats,
  RankFrequency,
  RunMeasures,
  SplitJudgments,
  VocabularyMismatch,
} from "../data/stats";

const axis = (text: string, type?: string) => ({ ...(type ? { type } : {}), title: { text } });

/** Word frequency against rank in the passages (left) and passages per concept with the model's w_r (right), log–log. */
export function rankFrequencyFigure(rf: RankFrequency): PlotlyFigure {
  const w = rf.words;
  const data: Array<Record<string, unknown>> = [
    {
      type: "scatter",
      mode: "markers",
      x: w.ranks,
      y: w.ranks.map((r) => w.freq[r - 1]),
      name: "words in passages",
      marker: { size: 3 },
      xaxis: "x",
      yaxis: "y",
    },
  ];
  const c = rf.concepts;
  if (c) {
    const right = { x: c.ranks, xaxis: "x2", yaxis: "y2" };
    const name = "passages mentioning a concept";
    data.push({ type: "scatter", mode: "markers", ...right, y: c.mentions, name, marker: { size: 3 } });
    data.push({
      type: "scatter",
      mode: "lines",
      ...right,
      y: c.model,
      name: "model w_r (scaled)",
      line: { dash: "dash" },
    });
  }
  return {
    data,
    layout: {
      title: { text: "Rank–frequency (log–log): words in passages (left), concepts (right)" },
      grid: { rows: 1, columns: 2, pattern: "independent" },
      xaxis: axis("word rank", "log"),
      yaxis: axis("count", "log"),
      xaxis2: axis("concept popularity rank", "log"),
      yaxis2: axis("passages mentioning it", "log"),
    },
  };
}

/** Every `step`-th value so that at most 20,000 remain (histograms of large collections stay small). */
function thin(a: readonly number[]): number[] {
  const step = Math.ceil(a.length / 20000);
  return a.length <= 20000 ? a.slice() : a.filter((_, i) => i % step === 0);
}

/** Histograms of query, passage and pair lengths in tokens, with the dataset's maxLen dotted. */
export function lengthsFigure(ls: LengthStats, maxLen: number): PlotlyFigure {
  const hist = (x: readonly number[], name: string, opacity: number) => ({
    type: "histogram",
    x: thin(x),
    name,
    opacity,
    histnorm: "probability",
  });
  return {
    data: [
      hist(ls.query, "query", 0.7),
      hist(ls.passage, "passage", 0.7),
      hist(ls.pair, "[CLS] q [SEP] d [SEP]", 0.5),
    ],
    layout: {
      title: { text: `Lengths in tokens (maxLen ${maxLen})` },
      barmode: "overlay",
      xaxis: axis("length (word-level tokens)"),
      yaxis: axis("fraction of items"),
      shapes: [{ type: "line", x0: maxLen, x1: maxLen, yref: "paper", y0: 0, y1: 1, line: { dash: "dot" } }],
    },
  };
}

/** Judged passages per query by grade (1–3), one bar group per split. */
export function gradesFigure(stats: readonly SplitJudgments[]): PlotlyFigure {
  return {
    data: stats.map((s) => ({
      type: "bar",
      x: ["grade 1", "grade 2", "grade 3"],
      y: s.byGrade.slice(1).map((v) => v / Math.max(1, s.queries)),
      name: s.split,
    })),
    layout: {
      title: { text: "Judged passages per query, by grade and split" },
      barmode: "group",
      xaxis: axis("relevance grade"),
      yaxis: axis("judged passages per query"),
    },
  };
}

/** Grouped bars of the measures of named runs (e.g. BM25 and the oracle reranking of it). */
export function runMeasuresFigure(
  runs: readonly { name: string; measures: RunMeasures }[],
  title: string,
): PlotlyFigure {
  const names = ["NDCG@10", "MRR@10", "Recall@100"] as const;
  return {
    data: runs.map((r) => ({ type: "bar", x: names, y: names.map((m) => r.measures[m]), name: r.name })),
    layout: {
      title: { text: title },
      barmode: "group",
      xaxis: axis("measure (trec_eval)"),
      yaxis: { range: [0, 1], title: { text: "mean over dev queries" } },
    },
  };
}

/** Box plots of BM25 NDCG@10 per dev query by the number of mismatched query concepts. */
export function mismatchFigure(vm: VocabularyMismatch): PlotlyFigure {
  const label = (m: number) => (m === 3 ? "3+" : String(m));
  return {
    data: [
      {
        type: "box",
        x: vm.byMismatch.flatMap((b) => b.ndcg.map(() => label(b.mismatched))),
        y: vm.byMismatch.flatMap((b) => b.ndcg),
        boxmean: true,
        name: "BM25",
      },
    ],
    layout: {
      title: { text: "BM25 NDCG@10 per dev query vs mismatched query concepts" },
      xaxis: axis("query concepts written differently than in the source passage"),
      yaxis: axis("BM25 NDCG@10 of the query"),
    },
  };
}
