import { execFile } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';

const root = join(__dirname, '..');
const PROBE_HEADER =
  '/* eslint-disable */\n// @ts-nocheck\n// written by src/layers.spec.ts; delete\n';

/** A temporary file in src/ that breaks one rule of .dependency-cruiser.cjs by importing `target`. */
interface Probe {
  rule: string;
  file: string;
  imports: string;
  /** Where the violation is reported, when not `file` (a cycle is reported at one of its ends). */
  reportedAt?: RegExp;
}

/** One probe per layer rule, each the smallest import that breaks it. */
const PROBES: Probe[] = [
  { rule: 'config-is-a-leaf', file: 'src/config/layers-probe.ts', imports: '../core/hub/actor' },
  {
    rule: 'platform-imports-nothing-above-it',
    file: 'src/platform/layers-probe.ts',
    imports: '../core/hub/request-context',
  },
  {
    rule: 'core-imports-no-module',
    file: 'src/core/layers-probe.ts',
    imports: '../modules/casefiles/casefiles.service',
  },
  {
    rule: 'modules-meet-through-faces',
    file: 'src/modules/chat/layers-probe.ts',
    imports: '../casefiles/casefiles.repository',
  },
  {
    rule: 'modules-stay-below-the-app',
    file: 'src/modules/audit/layers-probe.ts',
    imports: '../../app.module',
  },
  {
    rule: 'admin-sits-on-top',
    file: 'src/modules/casefiles/layers-probe.ts',
    imports: '../admin/admin.module',
  },
  {
    rule: 'access-sits-below-casefiles',
    file: 'src/modules/access/layers-probe.ts',
    imports: '../casefiles/casefile.entity',
  },
  {
    rule: 'no-cycles',
    file: 'src/core/layers-probe-a.ts',
    imports: './layers-probe-b',
    reportedAt: /^src\/core\/layers-probe-[ab]\.ts$/,
  },
  {
    rule: 'no-cycles',
    file: 'src/core/layers-probe-b.ts',
    imports: './layers-probe-a',
    reportedAt: /^src\/core\/layers-probe-[ab]\.ts$/,
  },
  { rule: 'no-unresolvable', file: 'src/core/layers-probe-c.ts', imports: './no-such-file' },
];

interface Violation {
  from: string;
  rule: { name: string };
}

/** dependency-cruiser's verdict on `files` under the repository's own configuration. */
async function cruise(files: string[]): Promise<Violation[]> {
  const bin = join(root, 'node_modules', '.bin', 'depcruise');
  const args = [...files, '--config', '.dependency-cruiser.cjs', '--output-type', 'json'];
  const { stdout } = await promisify(execFile)(bin, args, { cwd: root }).catch(
    // it exits non-zero when it finds violations, which is what these probes are for
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  return (JSON.parse(stdout) as { summary: { violations: Violation[] } }).summary.violations;
}

describe('the layer rules (.dependency-cruiser.cjs)', () => {
  const written = PROBES.map((probe) => join(root, probe.file));

  beforeAll(() => {
    for (const probe of PROBES) {
      mkdirSync(dirname(join(root, probe.file)), { recursive: true });
      writeFileSync(
        join(root, probe.file),
        // a run killed before afterAll leaves these behind: they must not break tsc or ESLint
        `${PROBE_HEADER}import * as probe from '${probe.imports}';\nexport const used = probe;\n`,
      );
    }
  });
  afterAll(() => {
    for (const file of written) rmSync(file, { force: true });
  });

  it('refuses an import that breaks each rule, naming the rule and the file', async () => {
    const violations = await cruise(PROBES.map((probe) => probe.file));
    for (const probe of PROBES) {
      expect(violations).toContainEqual(
        expect.objectContaining({
          from: probe.reportedAt ? expect.stringMatching(probe.reportedAt) : probe.file,
          rule: expect.objectContaining({ name: probe.rule }),
        }),
      );
    }
  }, 60_000);

  it('lets a module import its own files and the floors below it', async () => {
    const file = 'src/modules/casefiles/layers-probe-allowed.ts';
    writeFileSync(
      join(root, file),
      [
        "import './casefiles.repository';",
        "import '../../core/http/pagination';",
        "import '../../platform/database/sql';",
        "import '../../config/app-config';",
      ].join('\n') + '\n',
    );
    written.push(join(root, file));
    const violations = await cruise([file]);
    expect(violations.filter((violation) => violation.from === file)).toEqual([]);
  }, 60_000);
});
