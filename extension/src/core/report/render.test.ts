import * as assert from 'node:assert/strict';
import { StackEndNames } from '../../../../protocol/generated/wire';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { validate, type Schema } from '../testing/jsonSchema';
import { TraceAnalyzer } from '../analysis/analyzer';
import { siteKeysOf } from '../analysis/resolve';
import { assertGolden } from '../testing/golden';
import { diagnosisTrace } from '../testing/diagnosisTrace';
import { sampleTrace } from '../testing/sampleTrace';
import { TracePipeline } from '../trace/pipeline';
import { ReportBuilder } from './aggregate';
import { reportJson } from './json';
import { renderReport, type ReportInput } from './render';

/** A trace through the report's single pass. */
function reportOf(bytes: Uint8Array, title: string): ReportInput {
  const builder = new ReportBuilder();
  let id = 0;
  const box: { analyzer?: TraceAnalyzer } = {};
  const pipeline = new TracePipeline((e) => {
    builder.add(e);
    box.analyzer?.add(e, id++);
  }, { symbolizer: null });
  box.analyzer = new TraceAnalyzer(pipeline.trace);
  pipeline.push(bytes);
  const warnings = pipeline.end();
  return { title, trace: pipeline.trace, builder, analysis: box.analyzer.result(siteKeysOf(pipeline.resolver)), resolver: pipeline.resolver, cwd: '/work/app', warnings };
}

const sampleReport = (): ReportInput => reportOf(sampleTrace(), 'sample.iolens');
const diagnosisReport = (): ReportInput => reportOf(diagnosisTrace(), 'diagnosis.iolens');

describe('report', () => {
  it('reads like the golden file', () => {
    assertGolden(join(__dirname, '__golden__', 'report.txt'), renderReport(sampleReport()));
  });

  it('as JSON, matches the golden file', () => {
    const doc = reportJson(sampleReport());
    assertGolden(join(__dirname, '__golden__', 'report.json'), JSON.stringify(doc, null, 1) + '\n');
    assert.equal(doc.iolens_report, 1);
  });

  it('leads with the findings, their lines, chains and fixes (golden)', () => {
    const text = renderReport(diagnosisReport());
    assertGolden(join(__dirname, '__golden__', 'diagnosis.txt'), text);
    assert.ok(text.indexOf('Findings (') < text.indexOf('I/O models') && text.indexOf('I/O models') < text.indexOf('process 100 server'));
  });

  it('gives the diagnosis as JSON with stable field names (golden)', () => {
    assertGolden(join(__dirname, '__golden__', 'diagnosis.json'), JSON.stringify(reportJson(diagnosisReport()), null, 1) + '\n');
  });

  it('conforms to the published JSON Schema (docs/report.schema.json)', () => {
    const schema = JSON.parse(readFileSync(join(__dirname, '..', '..', '..', '..', 'docs', 'report.schema.json'), 'utf8')) as Schema;
    for (const doc of [reportJson(sampleReport()), reportJson(diagnosisReport())]) {
      assert.deepEqual(validate(JSON.parse(JSON.stringify(doc)), schema), []);
    }
    // the schema lists every way a stack can be cut short, as the protocol's schema names them
    const ends = (schema as unknown as { properties: { stacks: { properties: { cut: { items: { properties: { end: { enum: string[] } } } } } } } }).properties.stacks.properties.cut.items.properties.end.enum;
    assert.deepEqual([...ends].sort(), [...StackEndNames.values()].filter((n) => n !== 'complete').sort());
    // the checker does find violations
    const broken = JSON.parse(JSON.stringify(reportJson(diagnosisReport()))) as { findings: { severity: string }[]; extra?: number };
    broken.findings[0].severity = 'urgent';
    broken.extra = 1;
    assert.equal(validate(broken, schema).length, 2);
  });
});
