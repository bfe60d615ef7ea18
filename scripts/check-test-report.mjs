// Reads vitest's JSON report: fails when any test was skipped or left todo (a skipped suite hides
// breakage), and prints the plain closing line "N passed, N failed".
import { readFileSync } from 'node:fs';

const file = process.argv[2] ?? 'artifacts/test-results.json';
const r = JSON.parse(readFileSync(file, 'utf8'));
const skipped = (r.numPendingTests ?? 0) + (r.numTodoTests ?? 0);
if (skipped > 0) {
  const names = r.testResults
    .flatMap((f) =>
      f.assertionResults.filter((a) => a.status !== 'passed' && a.status !== 'failed').map((a) => `${f.name}: ${a.fullName}`),
    )
    .slice(0, 20);
  console.error(`${skipped} test(s) were skipped or todo:\n${names.join('\n')}`);
}
if (r.numTotalTests === 0) console.error('no tests ran');
console.log(`tests: ${r.numPassedTests} passed, ${r.numFailedTests} failed`);
process.exit(r.numFailedTests > 0 || skipped > 0 || r.numTotalTests === 0 || !r.success ? 1 : 0);
