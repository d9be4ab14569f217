import { join } from 'node:path';
import { assertGolden } from '../testing/golden';
import { sampleTrace } from '../testing/sampleTrace';
import { TracePipeline } from '../trace/pipeline';
import { ReportBuilder } from './aggregate';
import { renderReport } from './render';

describe('report', () => {
  it('reads like the golden file', () => {
    const builder = new ReportBuilder();
    const pipeline = new TracePipeline((e) => builder.add(e), { symbolizer: null });
    pipeline.push(sampleTrace());
    const warnings = pipeline.end();
    const text = renderReport({ title: 'sample.iolens', trace: pipeline.trace, builder, resolver: pipeline.resolver, cwd: '/work/app', warnings });
    assertGolden(join(__dirname, '__golden__', 'report.txt'), text);
  });
});
