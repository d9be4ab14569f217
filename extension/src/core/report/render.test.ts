import * as assert from 'node:assert/strict';
import { join } from 'node:path';
import { TraceAnalyzer } from '../analysis/analyzer';
import { assertGolden } from '../testing/golden';
import { sampleTrace } from '../testing/sampleTrace';
import { TracePipeline } from '../trace/pipeline';
import { ReportBuilder } from './aggregate';
import { reportJson } from './json';
import { renderReport, type ReportInput } from './render';

/** The sample trace through the report's single pass. */
function sampleReport(): ReportInput {
  const builder = new ReportBuilder();
  let id = 0;
  const box: { analyzer?: TraceAnalyzer } = {};
  const pipeline = new TracePipeline((e) => {
    builder.add(e);
    box.analyzer?.add(e, id++);
  }, { symbolizer: null });
  box.analyzer = new TraceAnalyzer(pipeline.trace);
  pipeline.push(sampleTrace());
  const warnings = pipeline.end();
  return { title: 'sample.iolens', trace: pipeline.trace, builder, analysis: box.analyzer.result(), resolver: pipeline.resolver, cwd: '/work/app', warnings };
}

describe('report', () => {
  it('reads like the golden file', () => {
    assertGolden(join(__dirname, '__golden__', 'report.txt'), renderReport(sampleReport()));
  });

  it('as JSON, matches the golden file', () => {
    const doc = reportJson(sampleReport());
    assertGolden(join(__dirname, '__golden__', 'report.json'), JSON.stringify(doc, null, 1) + '\n');
    assert.equal(doc.iolens_report, 1);
  });
});
