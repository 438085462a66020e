// A node:test reporter that prints nothing per test: it counts the leaf tests (not suites, not
// tests that only hold subtests), for scripts/run-tests.ts to add to the run's summary. Use it
// next to a human reporter:
//   GEOSYNC_TEST_COUNTS_FILE=counts.json node --test --test-reporter=spec \
//     --test-reporter-destination=stdout --test-reporter=./test/reporter.mjs \
//     --test-reporter-destination=stdout ...
//
// Counts: {"passed":N,"failed":N,"skipped":N,"failures":[{"file":"...","name":"..."}]}
// With GEOSYNC_TEST_COUNTS_FILE set, they are written to that file after every test, synchronously:
// Node 20's --test-force-exit ends the runner before a reporter's output stream is flushed, and a
// run killed half-way still leaves the counts so far. Without it, they are the reporter's output.
// `skipped` includes todo tests. A test file that fails outside any test (syntax error, uncaught
// exception after the tests) arrives as a failing test named after the file and counts as one
// failure.
import { writeFileSync } from 'node:fs';

/** @param {AsyncIterable<{ type: string, data: any }>} source */
export default async function* countingReporter(source) {
  const counts = { passed: 0, failed: 0, skipped: 0, failures: [] };
  /** Per file: how many tests completed at each nesting level since their parent completed. */
  const completedPerLevel = new Map();
  const countsFile = process.env.GEOSYNC_TEST_COUNTS_FILE;
  const save = () => {
    if (countsFile) writeFileSync(countsFile, JSON.stringify(counts) + '\n');
  };
  save();

  for await (const event of source) {
    if (event.type !== 'test:pass' && event.type !== 'test:fail') continue;
    const { data } = event;
    const file = data.file ?? '';
    const nesting = data.nesting ?? 0;
    let levels = completedPerLevel.get(file);
    if (!levels) {
      levels = [];
      completedPerLevel.set(file, levels);
    }
    // Node reports a test after all of its subtests, so subtests that completed one level deeper
    // since the last report at this level belong to this test.
    const hadChildren = (levels[nesting + 1] ?? 0) > 0;
    levels[nesting + 1] = 0;
    levels[nesting] = (levels[nesting] ?? 0) + 1;

    const details = data.details ?? {};
    const isSuite = details.type === 'suite';
    const onlySubtestsFailed = event.type === 'test:fail' && details.error?.failureType === 'subtestsFailed';
    if (isSuite || hadChildren || onlySubtestsFailed) continue;

    const flagged = (value) => value !== undefined && value !== false;
    if (flagged(data.skip) || flagged(data.todo)) {
      counts.skipped += 1;
    } else if (event.type === 'test:pass') {
      counts.passed += 1;
    } else {
      counts.failed += 1;
      counts.failures.push({ file, name: data.name });
    }
    save();
  }
  save();
  if (!countsFile) yield JSON.stringify(counts) + '\n';
}
