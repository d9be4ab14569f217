/**
 * Running the analysis on a synthetic stream, for the rules' unit tests.
 */
import { TracePipeline } from '../trace/pipeline';
import type { StreamBuilder } from '../testing/synthetic';
import { TraceAnalyzer } from './analyzer';
import { BatchedAnalyzer } from './batch';
import { resolveFindings, siteKeysOf, type StackSource } from './resolve';
import type { AnalysisResult, Finding, RuleId } from './types';

/** What a synthetic stream gave. */
export interface Analyzed {
  readonly result: AnalysisResult;
  readonly findings: Finding[];
  /** The findings of one rule. */
  of(rule: RuleId): Finding[];
  /** The model of a thread. */
  model(tid: number): string | undefined;
  /** The analyzer (kept chains: every call from 1 ms). */
  readonly analyzer: TraceAnalyzer;
  /** Event ids by call name, in stream order. */
  ids(name: string): number[];
}

/**
 * Analyze a synthetic stream (fed in chunks of `chunk` bytes, to exercise the streaming); `batched`:
 * through a BatchedAnalyzer, as `iolens report` feeds it; `codeAt`: the functions at code addresses,
 * which a synthetic stream's symbols cannot tell (a signal handler's).
 */
export function analyze(b: StreamBuilder, chunk = 4096, batched = false, codeAt?: StackSource['codeAt']): Analyzed {
  let id = 0;
  const box: { a?: TraceAnalyzer | BatchedAnalyzer } = {};
  const names: string[] = [];
  const pipeline = new TracePipeline((e) => {
    names.push(e.name);
    box.a?.add(e, id++);
  }, { symbolizer: null });
  const options = { keepChainsFrom: 1e6 };
  const fed = batched ? new BatchedAnalyzer(pipeline.trace, options) : new TraceAnalyzer(pipeline.trace, options);
  box.a = fed;
  const bytes = b.bytes();
  for (let o = 0; o < bytes.length; o += chunk) pipeline.push(bytes.subarray(o, o + chunk));
  pipeline.end();
  const result = fed.result(siteKeysOf(pipeline.resolver));
  const resolver = pipeline.resolver;
  const findings = resolveFindings(result.findings, codeAt ? { resolve: (stackId) => resolver.resolve(stackId), codeAt } : resolver);
  return {
    result,
    findings,
    of: (rule) => findings.filter((f) => f.rule === rule),
    model: (tid) => result.threads.find((t) => t.tid === tid)?.model,
    analyzer: fed instanceof BatchedAnalyzer ? fed.analyzer : fed,
    ids: (name) => names.flatMap((n, i) => (n === name ? [i] : [])),
  };
}
